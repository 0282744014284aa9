// The smallest zerowamp program, in C++: open a table, put FlatBuffers records, read them back in
// place. examples/c/records.c is the same program in C; both print the same lines.
//
// Build: c++ -std=c++17 records.cpp -I../../schemas/generated/cpp -I<flatbuffers headers>
//            $(pkg-config --cflags --libs zerowamp)
// Usage: records SCHEMA.bfbs DIR      (schemas/bfbs/record.bfbs; DIR must exist)
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

// Values in LMDB are aligned to 2 bytes only: verify with the alignment check off.
static const Record *as_record(zw::View value) {
    flatbuffers::Verifier::Options options;
    options.check_alignment = false;
    flatbuffers::Verifier verifier(value.data(), value.size(), options);
    return zerowamp::sample::VerifyRecordBuffer(verifier) ? zerowamp::sample::GetRecord(value.data()) : nullptr;
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

        // Put: every record is verified against its schema before it is written.
        zw::WriteTxn write = env.begin_write();
        const std::uint64_t count = 5;
        for (std::uint64_t id = 1; id <= count; id++) {
            flatbuffers::FlatBufferBuilder fbb;
            std::vector<std::uint8_t> payload(16);
            for (std::size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<std::uint8_t>(id + i);
            std::string name = "user-" + std::to_string(id), email = name + "@example.com";
            fbb.Finish(zerowamp::sample::CreateRecordDirect(fbb, id, 1700000000000000000ull + id, id / 4.0, id & 1,
                                                            name.c_str(), email.c_str(), &payload));
            write.put(records, zw::Key::u64(id), zw::View(fbb.GetBufferPointer(), fbb.GetSize()));
        }
        write.commit();
        std::printf("zerowamp %s: wrote %llu records\n", std::string(zw::version()).c_str(),
                    static_cast<unsigned long long>(count));

        // Read: Views point into LMDB's memory map, valid until the transaction ends.
        zw::ReadTxn read = env.begin_read();
        for (auto [key, value] : read.cursor(records)) {
            const Record *record = as_record(value);
            if (!record) throw std::runtime_error("a stored record does not verify");
            std::printf("record %llu: %s <%s> score %.2f\n", static_cast<unsigned long long>(record->id()),
                        record->name()->c_str(), record->email()->c_str(), record->score());
        }
        if (std::optional<zw::View> three = read.get(records, zw::Key::u64(3))) {
            std::printf("get 3: id %llu\n", static_cast<unsigned long long>(as_record(*three)->id()));
        }
        std::printf("get 9: %s\n", read.get(records, zw::Key::u64(9)) ? "found" : "not found");
    } catch (const zw::Error &e) {
        std::fprintf(stderr, "zerowamp error %d: %s\n", static_cast<int>(e.code()), e.what());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
