// Records over WAMP, in C++: open a table, put FlatBuffers records, serve them as an RPC procedure
// and call it. The records go out of LMDB's memory map without a copy (Payload Passthru Mode,
// the read transaction pinned until they are written) and are read in place from the received
// frame on the other side.
//
// Build: c++ -std=c++17 serve_records.cpp -I../../schemas/generated/cpp -I<flatbuffers headers>
//            $(pkg-config --cflags --libs zerowamp)
// Usage: serve_records SCHEMA.bfbs DIR      (schemas/bfbs/record.bfbs; DIR must exist)
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "record_generated.h" // flatc --cpp schemas/record.fbs
#include "zerowamp.hpp"

namespace zw = zerowamp;
using zerowamp::sample::Record;

// Neither LMDB (2 bytes) nor a received frame promises alignment: verify with the check off.
static const Record *as_record(zw::View bytes) {
    flatbuffers::Verifier::Options options;
    options.check_alignment = false;
    flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
    return zerowamp::sample::VerifyRecordBuffer(verifier) ? zerowamp::sample::GetRecord(bytes.data()) : nullptr;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SCHEMA.bfbs DIR\n", argv[0]);
        return 2;
    }
    try {
        std::ifstream file(argv[1], std::ios::binary);
        std::ostringstream schema;
        schema << file.rdbuf();

        zw::Env env = zw::Env::open(argv[2]);
        env.register_schema(schema.str());
        zw::Table records =
            env.open_table("records", zw::TableOptions().key(zw::KeyCodec::u64).root_type("zerowamp.sample.Record"));
        zw::WriteTxn write = env.begin_write();
        const std::uint64_t count = 5;
        for (std::uint64_t id = 1; id <= count; id++) {
            flatbuffers::FlatBufferBuilder fbb;
            std::vector<std::uint8_t> payload(16, static_cast<std::uint8_t>(id));
            std::string name = "user-" + std::to_string(id), email = name + "@example.com";
            fbb.Finish(zerowamp::sample::CreateRecordDirect(fbb, id, 1700000000000000000ull + id, id / 4.0, id & 1,
                                                            name.c_str(), email.c_str(), &payload));
            write.put(records, zw::Key::u64(id), zw::View(fbb.GetBufferPointer(), fbb.GetSize()));
        }
        write.commit();
        std::printf("zerowamp %s: wrote %llu records\n", std::string(zw::version()).c_str(),
                    static_cast<unsigned long long>(count));

        // A router in this process, on a port the system picks.
        zw::Router router = zw::Router::start();
        std::string url = router.listen("rs://127.0.0.1:0");

        // The server: example.records.get(id) answers the record, straight from a read transaction.
        zw::Client server = zw::Client::connect(url, "realm1");
        zw::Registration get = server.register_procedure("example.records.get", [&](zw::Invocation &&inv) {
            unsigned long long id = 0;
            std::string args(inv.message().args_json());
            if (std::sscanf(args.c_str(), " [ %llu ]", &id) != 1) return inv.error("wamp.error.invalid_argument");
            zw::ReadTxn txn = env.begin_read();
            std::optional<zw::View> record = txn.get(records, zw::Key::u64(id));
            if (!record) return inv.error("zerowamp.error.not_found");
            inv.yield(zw::Payload::record(*record, txn)); // pinned: txn may end now, the bytes still go out
        });
        std::printf("serving example.records.get\n");

        // The caller: each record arrives as passthru bytes, read in place.
        zw::Client caller = zw::Client::connect(url, "realm1");
        for (std::uint64_t id : {1, 3, 5, 9}) {
            try {
                zw::Message result =
                    caller.call("example.records.get", zw::Payload::json("[" + std::to_string(id) + "]"));
                std::optional<zw::View> bytes = result.binary();
                const Record *record = bytes ? as_record(*bytes) : nullptr;
                if (!record) throw std::runtime_error("the answer is not a valid record");
                std::printf("get %llu: %s <%s> score %.2f\n", static_cast<unsigned long long>(record->id()),
                            record->name()->c_str(), record->email()->c_str(), record->score());
            } catch (const zw::WampError &e) {
                std::printf("get %llu: %s\n", static_cast<unsigned long long>(id), e.uri().c_str());
            }
        }
    } catch (const zw::Error &e) {
        std::fprintf(stderr, "zerowamp error %d: %s\n", static_cast<int>(e.code()), e.what());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
