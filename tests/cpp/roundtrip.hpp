// The body each translation unit of test_double_include runs: most of zerowamp.hpp in a few
// lines, so that every TU emits its own copies of the header's inline functions and the linker
// has to merge them. Internal linkage on purpose: the TUs may be built with different
// ZEROWAMP_CHECK_VIEWS settings, and this helper must not be one function with two bodies.
#ifndef ZEROWAMP_TESTS_ROUNDTRIP_HPP
#define ZEROWAMP_TESTS_ROUNDTRIP_HPP

#include <cstdint>
#include <string>

#include "zerowamp.hpp"

namespace {

/// Writes the squares of 1..n under their u64 keys into a fresh environment at `dir`, reads them
/// back through a cursor and a get, and returns their sum.
std::uint64_t roundtrip(const std::string &dir, std::uint64_t n) {
    zerowamp::Env env = zerowamp::Env::open(dir, zerowamp::EnvOptions().map_size(16u << 20).no_sync());
    zerowamp::Table squares = env.open_table("squares", zerowamp::TableOptions().key(zerowamp::KeyCodec::u64));
    {
        zerowamp::WriteTxn txn = env.begin_write();
        for (std::uint64_t i = 1; i <= n; i++) txn.put(squares, squares.key(zerowamp::KeyPart::u64(i)), zerowamp::Key::u64(i * i));
        txn.commit();
    }
    zerowamp::ReadTxn txn = env.begin_read();
    std::uint64_t sum = 0;
    for (auto [key, value] : txn.cursor(squares, zerowamp::Range())) {
        std::uint64_t square = 0;
        for (std::uint8_t byte : value) square = square << 8 | byte;
        sum += square;
    }
    std::optional<zerowamp::View> last = txn.get(squares, zerowamp::Key::u64(n));
    return last && last->size() == 8 && squares.count(txn) == n ? sum : 0;
}

} // namespace

#endif
