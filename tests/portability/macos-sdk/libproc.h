/* Stand-in for the macOS SDK header, for a syntax check of the __APPLE__
 * branches on Linux.  Prototype and constant as in Apple's libproc.h. */
#include <stdint.h>
#define PROC_PIDPATHINFO_MAXSIZE (4 * 1024)
int proc_pidpath(int pid, void *buffer, uint32_t buffersize);
