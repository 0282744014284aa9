// test_double_include, part A (with main): zerowamp.hpp included twice here, and again in
// double_include_b.cpp and double_include_unchecked.cpp, all linked into one program — as
// wasmtime tests its C++ header. It fails to link if the header defines anything non-inline,
// and fails at run time if the copies disagree.
//
// Usage: test_double_include SCRATCH_DIR
#include "zerowamp.hpp"
#include "zerowamp.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "roundtrip.hpp"

std::uint64_t roundtrip_b(const std::string &dir, std::uint64_t n);
std::uint64_t roundtrip_unchecked(const std::string &dir, std::uint64_t n);
void fail_unchecked();

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    const std::uint64_t n = 100, expected = n * (n + 1) * (2 * n + 1) / 6;
    int failed = 0;
    const std::string names[] = {"a", "b", "unchecked"};
    std::uint64_t (*const runs[])(const std::string &, std::uint64_t) = {roundtrip, roundtrip_b, roundtrip_unchecked};
    for (int i = 0; i < 3; i++) {
        std::string dir = std::string(argv[1]) + "/double-include-" + names[i];
        mkdir(dir.c_str(), 0700);
        try {
            std::uint64_t sum = runs[i](dir, n);
            if (sum != expected) {
                std::fprintf(stderr, "translation unit %s: sum %llu, expected %llu\n", names[i].c_str(),
                             static_cast<unsigned long long>(sum), static_cast<unsigned long long>(expected));
                failed++;
            }
        } catch (const std::exception &e) {
            std::fprintf(stderr, "translation unit %s: %s\n", names[i].c_str(), e.what());
            failed++;
        }
    }
    // zerowamp::Error is one type across the View-check modes: thrown there, caught here.
    try {
        fail_unchecked();
        std::fprintf(stderr, "fail_unchecked did not throw\n");
        failed++;
    } catch (const zerowamp::Error &e) {
        if (e.code() != ZW_ERR_PATH_NOT_FOUND) {
            std::fprintf(stderr, "fail_unchecked threw code %d: %s\n", static_cast<int>(e.code()), e.what());
            failed++;
        }
    }
    std::printf("test_double_include: %s\n", failed ? "FAILED" : "3 translation units agree");
    return failed ? 1 : 0;
}
