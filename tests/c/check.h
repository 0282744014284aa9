/* A tiny test harness for the C tests: CHECK and CHECK_RC record failures with their line and
 * the library's detail message, and check_summary() prints "N passed, N failed". */
#ifndef ZEROWAMP_CHECK_H
#define ZEROWAMP_CHECK_H

#include <stdio.h>
#include "zerowamp.h"

static int check_passed, check_failed;

static void check_report(const char *file, int line, const char *what) {
    char detail[512];
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s:%d: FAILED: %s (last error: %s)\n", file, line, what, detail);
}

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) check_passed++;                                          \
        else { check_failed++; check_report(__FILE__, __LINE__, #cond); }  \
    } while (0)

/* Checks that `call` returns `expected`, printing both codes' text when it does not. */
#define CHECK_RC(call, expected)                                                       \
    do {                                                                               \
        zw_result check_rc_ = (call);                                                  \
        if (check_rc_ == (expected)) check_passed++;                                   \
        else {                                                                         \
            check_failed++;                                                            \
            fprintf(stderr, "got %d (%s), expected %d (%s)\n", (int)check_rc_,         \
                    zw_strerror(check_rc_), (int)(expected), zw_strerror(expected));   \
            check_report(__FILE__, __LINE__, #call);                                   \
        }                                                                              \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, ZW_OK)

static int check_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
