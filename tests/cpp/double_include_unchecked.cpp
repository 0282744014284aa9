// test_double_include, part C: the header with View checks off, linked with parts built with
// them on (their Views live in different inline namespaces; their errors are one type).
#define ZEROWAMP_CHECK_VIEWS 0
#include "zerowamp.hpp"
#include "zerowamp.hpp"
#include "roundtrip.hpp"

static_assert(sizeof(zerowamp::View) == sizeof(const void *) + sizeof(std::size_t),
              "without checks a View is a pointer and a size");

std::uint64_t roundtrip_unchecked(const std::string &dir, std::uint64_t n) { return roundtrip(dir, n); }

void fail_unchecked() { zerowamp::Env::open("/nonexistent/zerowamp/double-include"); }
