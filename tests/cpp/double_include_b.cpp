// test_double_include, part B: the same header, the same settings as part A.
#include "zerowamp.hpp"
#include "zerowamp.hpp"
#include "roundtrip.hpp"

std::uint64_t roundtrip_b(const std::string &dir, std::uint64_t n) { return roundtrip(dir, n); }
