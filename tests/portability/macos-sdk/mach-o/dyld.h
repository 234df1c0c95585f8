/* Stand-in for the macOS SDK header, for a syntax check of the __APPLE__
 * branches on Linux.  The prototype is Apple's (man 3 dyld). */
#include <stdint.h>
int _NSGetExecutablePath(char *buf, uint32_t *bufsize);
