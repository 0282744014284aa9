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
/// back through a cursor and a get, then once more over WAMP (a router and a client of this
/// translation unit, a procedure answering from a read transaction), and returns their sum when
/// both agree.
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
    if (!last || last->size() != 8 || squares.count(txn) != n) return 0;

    zerowamp::Router router = zerowamp::Router::start();
    zerowamp::Client client = zerowamp::Client::connect(router.listen("rs://127.0.0.1:0"), "realm1");
    zerowamp::Registration get = client.register_procedure("square", [&](zerowamp::Invocation &&inv) {
        std::uint64_t i = std::stoull(std::string(inv.message().args_json()).substr(1));
        zerowamp::ReadTxn read = env.begin_read();
        inv.yield(zerowamp::Payload::binary(*read.get(squares, zerowamp::Key::u64(i)), read));
    });
    std::uint64_t wamp_sum = 0;
    for (std::uint64_t i = 1; i <= n; i++) {
        zerowamp::Message square = client.call("square", zerowamp::Payload::json("[" + std::to_string(i) + "]"));
        std::uint64_t value = 0;
        for (std::uint8_t byte : square.binary().value()) value = value << 8 | byte;
        wamp_sum += value;
    }
    return wamp_sum == sum ? sum : 0;
}

} // namespace

#endif
