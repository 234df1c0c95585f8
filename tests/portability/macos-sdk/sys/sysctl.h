/* Stand-in for the macOS SDK header, for a syntax check of osdep-darwin.c on
 * Linux (glibc has no sys/sysctl.h).  Prototype and constants as in Apple's
 * sys/sysctl.h. */
#include <stddef.h>
#define CTL_KERN 1
#define KERN_PROCARGS2 49
int sysctl(int *name, unsigned int namelen, void *oldp, size_t *oldlenp, void *newp,
           size_t newlen);
