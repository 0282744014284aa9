// A tiny test harness for the C++ tests, in the manner of tests/c/check.h: CHECK and CHECK_THROWS
// record failures with their line, check_summary() prints "N passed, N failed".
#ifndef ZEROWAMP_TESTS_CHECK_HPP
#define ZEROWAMP_TESTS_CHECK_HPP

#include <cstdio>
#include <exception>
#include <string>

#include "zerowamp.hpp"

namespace check {

inline int passed = 0;
inline int failed = 0;

inline void fail(const char *file, int line, const char *what, const std::string &detail) {
    failed++;
    std::fprintf(stderr, "%s:%d: FAILED: %s%s%s\n", file, line, what, detail.empty() ? "" : " — ",
                 detail.c_str());
}

inline int summary(const char *name) {
    std::printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

} // namespace check

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) check::passed++;                                                                 \
        else check::fail(__FILE__, __LINE__, #cond, "");                                           \
    } while (0)

// Checks that `expr` throws zerowamp::Error with the code `expected`.
#define CHECK_THROWS(expr, expected)                                                               \
    do {                                                                                           \
        try {                                                                                      \
            (void)(expr);                                                                          \
            check::fail(__FILE__, __LINE__, #expr, "did not throw");                               \
        } catch (const zerowamp::Error &check_error_) {                                            \
            if (check_error_.code() == (expected)) check::passed++;                                \
            else                                                                                   \
                check::fail(__FILE__, __LINE__, #expr,                                             \
                            "threw code " + std::to_string(check_error_.code()) + ": " +           \
                                check_error_.what());                                              \
        }                                                                                          \
    } while (0)

#endif
