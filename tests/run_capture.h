/* run_capture.h - runs a program without a shell and captures its stdout
 * (shared by the tests/ runners log_cases and wild_score). */
#ifndef DW_TESTS_RUN_CAPTURE_H
#define DW_TESTS_RUN_CAPTURE_H

/* Runs argv[0] (a path, no PATH search) with argv; returns its exit status
 * (128 + signal when killed) and its stdout in *out (malloc'd, NUL-ended), or
 * -1 when it could not be started or waited for (then *out is untouched). */
int run_capture(char *const argv[], char **out);

#endif
