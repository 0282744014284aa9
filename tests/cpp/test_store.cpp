// Exercises every class of zerowamp.hpp against the store: Env and its options, Table, keys,
// ReadTxn, WriteTxn, Cursor, View and the errors. Records are built and read with flatc's C++
// code for schemas/record.fbs. Run under valgrind by `make test-cpp`: no error, no leak.
//
// Usage: test_store SCHEMA.bfbs SCRATCH_DIR
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "check.hpp"
#include "record_generated.h"
#include "zerowamp.hpp"

namespace zw = zerowamp;
namespace sample = zerowamp::sample;

namespace {

const char *const kRecordType = "zerowamp.sample.Record";

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

std::string make_dir(const std::string &path) {
    mkdir(path.c_str(), 0700);
    return path;
}

/// The sample record for `id`, as flatc's C++ builder writes it.
std::vector<std::uint8_t> make_record(std::uint64_t id) {
    flatbuffers::FlatBufferBuilder fbb(256);
    std::vector<std::uint8_t> payload(96);
    for (std::size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<std::uint8_t>(id + i);
    std::string name = "user-" + std::to_string(id);
    std::string email = name + "@example.com";
    sample::FinishRecordBuffer(fbb, sample::CreateRecordDirect(fbb, id, 1700000000000000000ull + id,
                                                               static_cast<double>(id) / 7.0, (id & 1) != 0,
                                                               name.c_str(), email.c_str(), &payload));
    return std::vector<std::uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

/// Verifies a value borrowed from the map as a Record — with the alignment check off, because
/// LMDB aligns values to 2 bytes only — and returns it, or nullptr.
const sample::Record *as_record(zw::View value) {
    flatbuffers::Verifier::Options options;
    options.check_alignment = false;
    flatbuffers::Verifier verifier(value.data(), value.size(), options);
    return sample::VerifyRecordBuffer(verifier) ? sample::GetRecord(value.data()) : nullptr;
}

/// A Record read from `value` has every field `make_record(id)` wrote.
bool is_record(zw::View value, std::uint64_t id) {
    const sample::Record *record = as_record(value);
    if (!record || record->id() != id || record->ts() != 1700000000000000000ull + id) return false;
    if (record->score() != static_cast<double>(id) / 7.0 || record->active() != ((id & 1) != 0)) return false;
    std::string name = "user-" + std::to_string(id);
    if (!record->name() || record->name()->str() != name) return false;
    if (!record->email() || record->email()->str() != name + "@example.com") return false;
    const flatbuffers::Vector<std::uint8_t> *payload = record->payload();
    if (!payload || payload->size() != 96) return false;
    for (flatbuffers::uoffset_t i = 0; i < payload->size(); i++) {
        if (payload->Get(i) != static_cast<std::uint8_t>(id + i)) return false;
    }
    return true;
}

zw::Table open_records(const zw::Env &env, const std::string &name = "records") {
    return env.open_table(name, zw::TableOptions().key(zw::KeyCodec::u64).root_type(kRecordType));
}

void put_records(const zw::Env &env, const zw::Table &table, std::uint64_t first, std::uint64_t n) {
    zw::WriteTxn txn = env.begin_write();
    for (std::uint64_t id = first; id < first + n; id++) txn.put(table, zw::Key::u64(id), make_record(id));
    txn.commit();
}

void test_versions() {
    CHECK(zw::abi_version() == ZW_ABI_VERSION);
    std::string expected = std::to_string(ZW_VERSION_MAJOR) + "." + std::to_string(ZW_VERSION_MINOR) + "." +
                           std::to_string(ZW_VERSION_PATCH);
    CHECK(zw::version() == expected);
    zw::detail::check_abi(ZW_ABI_VERSION, ZW_ABI_VERSION);
    try {
        zw::detail::check_abi(ZW_ABI_VERSION + 1, ZW_ABI_VERSION);
        CHECK(!"check_abi accepted another ABI version");
    } catch (const zw::AbiMismatch &e) {
        std::string what = e.what();
        CHECK(e.loaded() == ZW_ABI_VERSION + 1 && e.expected() == ZW_ABI_VERSION);
        CHECK(what.find("built for C ABI version " + std::to_string(ZW_ABI_VERSION)) != std::string::npos);
        CHECK(what.find("has C ABI version " + std::to_string(ZW_ABI_VERSION + 1)) != std::string::npos);
        CHECK(what.find(expected) != std::string::npos);
    }
}

void test_views() {
    zw::View empty;
    CHECK(empty.empty() && empty.size() == 0 && empty.data() == nullptr && empty.begin() == empty.end());
    std::string text = "hello, world";
    zw::View view = text;
    CHECK(view.size() == text.size() && view.data() == reinterpret_cast<const std::uint8_t *>(text.data()));
    CHECK(view.chars() == "hello, world");
    CHECK(view.subview(7).chars() == "world" && view.subview(0, 5).chars() == "hello");
    CHECK(view.subview(12).empty() && view.subview(3, 100).size() == 9);
    try {
        (void)view.subview(13);
        CHECK(!"subview past the end did not throw");
    } catch (const std::out_of_range &) {
        check::passed++;
    }
    CHECK(view[0] == 'h' && view[11] == 'd');
    CHECK(std::count(view.begin(), view.end(), 'o') == 2);
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    std::array<char, 5> hello = {'h', 'e', 'l', 'l', 'o'};
    CHECK(zw::View(bytes) == view && zw::View(hello) == view.subview(0, 5) && zw::View("hello") != view);
    CHECK(zw::View(static_cast<const char *>(nullptr)).empty());
    std::vector<std::byte> raw(3, std::byte{7});
    CHECK(zw::View(raw).size() == 3 && zw::View(raw)[2] == 7);
    static_assert(!std::is_convertible_v<std::vector<int>, zw::View>, "only containers of bytes are Views");
    zw_slice slice = view.c_slice();
    CHECK(slice.data == view.data() && slice.len == view.size());
}

void test_keys(const std::string &dir) {
    zw::Key one = zw::Key::u64(0x0102030405060708ull);
    const std::uint8_t be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(one.size() == 8 && std::memcmp(one.data(), be, 8) == 0);
    CHECK(zw::Key::u64(1).view() != zw::Key::u64(256).view() && zw::Key::u64(7) == zw::Key::u64(7));
    CHECK(zw::Key::string("abc").view() == zw::View("abc") && zw::Key::bytes("abc") == zw::Key::string("abc"));
    CHECK(zw::Key::uuid(std::string(16, 'u')).size() == 16);
    CHECK_THROWS(zw::Key::uuid("short"), ZW_ERR_INVALID_KEY);
    CHECK(zw::Key::bytes(std::string(ZW_MAX_KEY_SIZE, 'k')).size() == ZW_MAX_KEY_SIZE);
    CHECK_THROWS(zw::Key::bytes(std::string(ZW_MAX_KEY_SIZE + 1, 'k')), ZW_ERR_INVALID_KEY);

    zw::Env env = zw::Env::open(make_dir(dir));
    // The simple codecs encoded here agree with the table's own encoder.
    zw::Table ids = env.open_table("ids", zw::TableOptions().key(zw::KeyCodec::u64));
    CHECK(ids.key(zw::KeyPart::u64(42)) == zw::Key::u64(42));
    zw::Table names = env.open_table("names", zw::TableOptions().key(zw::KeyCodec::string));
    CHECK(names.key(zw::KeyPart::string("alice")) == zw::Key::string("alice"));
    CHECK_THROWS(names.key(zw::KeyPart::u64(1)), ZW_ERR_INVALID_KEY);
    // Composite keys: 8 bytes big-endian, then the string with its NUL escaped and a terminator
    // (the layout of docs/c-api.md).
    zw::Table pairs =
        env.open_table("pairs", zw::TableOptions().composite_key({zw::KeyCodec::u64, zw::KeyCodec::string}));
    zw::Key pair = pairs.key(zw::KeyPart::u64(1), zw::KeyPart::string(std::string_view("a\0c", 3)));
    CHECK(pair.view() == zw::View("\0\0\0\0\0\0\0\1a\0\xff" "c\0\1", 14));
    CHECK(pairs.key(zw::KeyPart::u64(1)).view() == zw::View("\0\0\0\0\0\0\0\1", 8)); // a prefix
    CHECK_THROWS(pairs.key(zw::KeyPart::u64(1), zw::KeyPart::string("\xff\xfe")), ZW_ERR_INVALID_KEY);
    // Pairs sort by their first part, then by the second.
    {
        zw::WriteTxn txn = env.begin_write();
        txn.put(pairs, pairs.key(zw::KeyPart::u64(2), zw::KeyPart::string("a")), "2a");
        txn.put(pairs, pairs.key(zw::KeyPart::u64(1), zw::KeyPart::string("b")), "1b");
        txn.put(pairs, pairs.key(zw::KeyPart::u64(1), zw::KeyPart::string("a")), "1a");
        txn.put(pairs, pairs.key(zw::KeyPart::u64(1), zw::KeyPart::string("")), "1");
        txn.commit();
    }
    zw::ReadTxn txn = env.begin_read();
    std::string order;
    for (auto [key, value] : txn.cursor(pairs)) order += std::string(value.chars()) + ",";
    CHECK(order == "1,1a,1b,2a,");
}

void test_options_and_errors(const std::string &scratch, const std::string &bfbs) {
    CHECK_THROWS(zw::Env::open(scratch + "/does/not/exist"), ZW_ERR_PATH_NOT_FOUND);
    try {
        zw::Env::open(scratch + "/does/not/exist");
    } catch (const zw::Error &e) {
        // The message is the library's detail, which names the path.
        CHECK(std::string(e.what()).find("does/not/exist") != std::string::npos);
        const std::runtime_error &base = e;
        CHECK(std::string(base.what()) == e.what());
    }
    zw::EnvOptions defaults;
    CHECK(defaults.c_options().map_size > 0 && defaults.c_options().flags == ZW_ENV_AUTO_GROW);
    zw::EnvOptions options = zw::EnvOptions()
                                 .map_size(64u << 20)
                                 .max_tables(8)
                                 .max_readers(16)
                                 .no_sync()
                                 .auto_grow(false)
                                 .read_only()
                                 .read_only(false)
                                 .no_subdir(false);
    CHECK(options.c_options().map_size == (64u << 20) && options.c_options().max_tables == 8 &&
          options.c_options().max_readers == 16 && options.c_options().flags == ZW_ENV_NO_SYNC);

    zw::Env env = zw::Env::open(make_dir(scratch + "/options"), options);
    CHECK(env.info().max_readers == 16 && env.info().map_size == (64u << 20));
    CHECK_THROWS(env.register_schema("not a schema"), ZW_ERR_INVALID_ARGUMENT);
    env.register_schema(bfbs);
    CHECK_THROWS(env.open_table("bad", zw::TableOptions().root_type("zerowamp.sample.Nope")),
                 ZW_ERR_UNKNOWN_ROOT_TYPE);
    CHECK_THROWS(env.open_table("missing", zw::TableOptions().create(false)), ZW_ERR_UNKNOWN_TABLE);
    zw::Table records = open_records(env);
    CHECK(static_cast<bool>(records));
    CHECK_THROWS(env.open_table("records", zw::TableOptions().key(zw::KeyCodec::string).root_type(kRecordType)),
                 ZW_ERR_SCHEMA_INCOMPATIBLE);
    CHECK_THROWS(env.open_table("records", zw::TableOptions().key(zw::KeyCodec::u64)), ZW_ERR_SCHEMA_INCOMPATIBLE);
    // Options keep what the builder set last.
    zw_table_options table_options =
        zw::TableOptions().composite_key({zw::KeyCodec::u64, zw::KeyCodec::bytes}).key(zw::KeyCodec::uuid).c_options();
    CHECK(table_options.key_codec == ZW_KEY_UUID && table_options.key_parts == nullptr &&
          table_options.key_parts_len == 0 && table_options.root_type == nullptr && table_options.create);
}

void test_reads_and_cursors(const std::string &dir, const std::string &bfbs) {
    zw::Env env = zw::Env::open(make_dir(dir));
    env.register_schema(bfbs);
    zw::Table records = open_records(env);
    put_records(env, records, 1, 100);

    zw::ReadTxn txn = env.begin_read();
    CHECK(records.count(txn) == 100);
    std::optional<zw::View> value = txn.get(records, zw::Key::u64(42));
    CHECK(value && is_record(*value, 42));
    CHECK(!txn.get(records, zw::Key::u64(4242)));
    CHECK_THROWS(txn.get(records, "1234567"), ZW_ERR_INVALID_KEY);

    // Every record, in key order, read in place.
    std::uint64_t expected = 1;
    bool all_good = true;
    for (auto [key, record] : txn.cursor(records)) {
        all_good = all_good && key == zw::Key::u64(expected) && is_record(record, expected);
        expected++;
    }
    CHECK(all_good && expected == 101);

    // Bounded, inclusive, reversed, limited.
    std::vector<std::uint64_t> ids;
    for (const zw::Entry &entry :
         txn.cursor(records, zw::Range().from(zw::Key::u64(10)).to(zw::Key::u64(20), true).reverse().limit(3))) {
        ids.push_back(as_record(entry.value)->id());
    }
    CHECK((ids == std::vector<std::uint64_t>{20, 19, 18}));
    ids.clear();
    for (const zw::Entry &entry : txn.cursor(records, zw::Range().from(zw::Key::u64(98)))) {
        ids.push_back(as_record(entry.value)->id());
    }
    CHECK((ids == std::vector<std::uint64_t>{98, 99, 100}));
    CHECK(txn.cursor(records, zw::Range().from(zw::Key::u64(10)).to(zw::Key::u64(10))).begin() == zw::Cursor::iterator());

    // The cursor is an input range for the standard algorithms, and next() is its primitive.
    zw::Cursor cursor = txn.cursor(records, zw::Range().limit(10));
    CHECK(std::count_if(cursor.begin(), cursor.end(),
                        [](const zw::Entry &entry) { return as_record(entry.value)->active(); }) == 5);
    CHECK(!cursor.next() && !cursor.next());
    zw::Cursor two = txn.cursor(records, zw::Range().limit(2));
    zw::Cursor::iterator it = two.begin();
    CHECK(as_record((*it++).value)->id() == 1);
    CHECK(it->key == zw::Key::u64(2) && ++it == two.end());

    // reset() ends the snapshot and closes the cursors; renew() takes a fresh one.
    zw::Cursor open = txn.cursor(records);
    txn.reset();
    CHECK_THROWS(txn.get(records, zw::Key::u64(1)), ZW_ERR_TXN_RESET);
    CHECK_THROWS(open.next(), ZW_ERR_CLOSED);
    txn.renew();
    CHECK(txn.get(records, zw::Key::u64(1)).has_value());
    txn.abort();
    CHECK(!txn);
    CHECK_THROWS(txn.get(records, zw::Key::u64(1)), ZW_ERR_NULL_ARGUMENT);
}

void test_writes(const std::string &dir, const std::string &bfbs) {
    zw::Env env = zw::Env::open(make_dir(dir));
    env.register_schema(bfbs);
    zw::Table records = open_records(env);
    put_records(env, records, 1, 10);
    std::vector<std::uint8_t> record = make_record(5);

    {
        zw::WriteTxn txn = env.begin_write();
        CHECK(!txn.insert(records, zw::Key::u64(5), record));
        CHECK(txn.insert(records, zw::Key::u64(11), make_record(11)));
        // An invalid value is refused, and the table is as it was.
        CHECK_THROWS(txn.put(records, zw::Key::u64(5), zw::View(record).subview(0, record.size() / 2)),
                     ZW_ERR_VERIFY);
        CHECK_THROWS(txn.put(records, zw::Key::u64(5), "garbage!garbage!"), ZW_ERR_VERIFY);
        CHECK(is_record(*txn.get(records, zw::Key::u64(5)), 5));
        CHECK(txn.erase(records, zw::Key::u64(5)));
        CHECK(!txn.erase(records, zw::Key::u64(5)));
        CHECK(!txn.get(records, zw::Key::u64(5)));
        // A write closes the cursors opened before it.
        zw::Cursor cursor = txn.cursor(records);
        txn.put(records, zw::Key::u64(5), record);
        CHECK_THROWS(cursor.next(), ZW_ERR_CLOSED);
        txn.commit();
        CHECK(!txn);
        CHECK_THROWS(txn.commit(), ZW_ERR_NULL_ARGUMENT);
    }
    // A write transaction destroyed uncommitted — also by an exception — is rolled back.
    {
        zw::WriteTxn txn = env.begin_write();
        txn.put(records, zw::Key::u64(100), make_record(100));
    }
    try {
        zw::WriteTxn txn = env.begin_write();
        txn.put(records, zw::Key::u64(101), make_record(101));
        txn.put(records, zw::Key::u64(102), "not a record");
        txn.commit();
    } catch (const zw::Error &e) {
        CHECK(e.code() == ZW_ERR_VERIFY);
    }
    {
        zw::WriteTxn txn = env.begin_write();
        txn.put(records, zw::Key::u64(103), make_record(103));
        txn.abort();
        CHECK(!txn);
    }
    zw::ReadTxn txn = env.begin_read();
    CHECK(records.count(txn) == 11);
    CHECK(!txn.get(records, zw::Key::u64(100)) && !txn.get(records, zw::Key::u64(101)) &&
          !txn.get(records, zw::Key::u64(103)));
    CHECK(txn.get(records, zw::Key::u64(11)).has_value());
    txn.abort();

    // Truncate empties the table; raw-value tables take any bytes.
    zw::Table raw = env.open_table("raw", zw::TableOptions().key(zw::KeyCodec::string));
    {
        zw::WriteTxn write = env.begin_write();
        write.put(raw, zw::Key::string("k"), "anything at all");
        CHECK(write.get(raw, zw::Key::string("k"))->chars() == "anything at all");
        CHECK(raw.count(write) == 1);
        write.truncate(raw);
        CHECK(raw.count(write) == 0);
        write.commit();
    }
    env.drop_table("raw");
    CHECK_THROWS(env.open_table("raw", zw::TableOptions().create(false)), ZW_ERR_UNKNOWN_TABLE);
}

void test_env_admin(const std::string &scratch, const std::string &bfbs) {
    std::string dir = make_dir(scratch + "/admin");
    {
        zw::Env env = zw::Env::open(dir, zw::EnvOptions().map_size(256 * 1024).auto_grow(false));
        env.register_schema(bfbs);
        zw::Table records = open_records(env);
        // A full map: abort, grow while nothing is live, redo.
        std::uint64_t id = 1;
        zw::WriteTxn txn = env.begin_write();
        try {
            for (; id < 100000; id++) txn.put(records, zw::Key::u64(id), make_record(id));
            CHECK(!"the map never filled");
        } catch (const zw::Error &e) {
            CHECK(e.code() == ZW_ERR_MAP_FULL);
        }
        CHECK_THROWS(env.set_map_size(64u << 20), ZW_ERR_BUSY);
        txn.abort();
        env.set_map_size(64u << 20);
        put_records(env, records, 1, id);
        CHECK(env.stat().page_size >= 4096 && env.stat().entries >= 1);
        CHECK(env.info().map_size == (64u << 20) && env.info().last_txn_id > 0);
        env.sync(true);
        env.sync();
        std::string copy = make_dir(scratch + "/admin-copy");
        env.copy_to(copy, true);
        CHECK_THROWS(env.copy_to(scratch + "/no/such/dir"), ZW_ERR_PATH_NOT_FOUND);
        zw::Env copied = zw::Env::open(copy);
        copied.register_schema(bfbs);
        zw::Table copied_records = open_records(copied);
        CHECK(copied_records.count(copied.begin_read()) == id);
    }
    // Read-only: reads work, writes are refused.
    zw::Env env = zw::Env::open(dir, zw::EnvOptions().read_only());
    env.register_schema(bfbs);
    zw::Table records = env.open_table("records", zw::TableOptions().key(zw::KeyCodec::u64).root_type(kRecordType).create(false));
    CHECK_THROWS(env.begin_write(), ZW_ERR_READ_ONLY);
    zw::ReadTxn txn = env.begin_read();
    CHECK(is_record(*txn.get(records, zw::Key::u64(3)), 3));
    // Closing the environment first: its transactions and tables report it, never crash.
    env.close();
    CHECK(!env);
    CHECK_THROWS(txn.get(records, zw::Key::u64(3)), ZW_ERR_CLOSED);
    CHECK_THROWS(env.begin_read(), ZW_ERR_NULL_ARGUMENT);
}

void test_moves(const std::string &dir, const std::string &bfbs) {
    zw::Env first = zw::Env::open(make_dir(dir));
    zw::Env env = std::move(first);
    CHECK(env && !first);
    CHECK_THROWS(first.begin_read(), ZW_ERR_NULL_ARGUMENT);
    env.register_schema(bfbs);
    zw::Table table = open_records(env);
    zw::Table moved = std::move(table);
    CHECK(moved && !table);
    CHECK_THROWS(table.key(zw::KeyPart::u64(1)), ZW_ERR_NULL_ARGUMENT);
    put_records(env, moved, 1, 3);

    // Move-assigning over a live write transaction rolls the old one back.
    zw::WriteTxn txn = env.begin_write();
    txn.put(moved, zw::Key::u64(50), make_record(50));
    txn = zw::WriteTxn();
    CHECK(!txn);
    zw::WriteTxn writer = env.begin_write();
    CHECK(!writer.get(moved, zw::Key::u64(50)));
    txn = std::move(writer);
    txn.put(moved, zw::Key::u64(51), make_record(51));
    txn.commit();

    zw::ReadTxn read = env.begin_read();
    zw::ReadTxn other = std::move(read);
    CHECK(other && !read && moved.count(other) == 4);
    // A View outlives the move of its transaction: the transaction is still live.
    zw::View value = *other.get(moved, zw::Key::u64(2));
    zw::ReadTxn again = std::move(other);
    CHECK(is_record(value, 2));
    zw::Cursor cursor = again.cursor(moved);
    zw::Cursor cursor2 = std::move(cursor);
    CHECK(cursor2 && !cursor);
    CHECK(cursor2.next()->key == zw::Key::u64(1));
    CHECK_THROWS(cursor.next(), ZW_ERR_NULL_ARGUMENT);
}

#if ZEROWAMP_CHECK_VIEWS
/// Runs `touch` in a child process and says whether it died of SIGABRT (the View check's verdict).
/// The child makes no LMDB call: the Views are made in this process, the child only reads them.
template <class F> bool aborts(F touch) {
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        std::fclose(stderr); // the check's message is expected here, not a test failure
        touch();
        std::_Exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

void test_view_checks(const std::string &dir, const std::string &bfbs) {
    zw::Env env = zw::Env::open(make_dir(dir));
    env.register_schema(bfbs);
    zw::Table records = open_records(env);
    put_records(env, records, 1, 3);

    // A View of a live transaction passes, also after the transaction moved to another object.
    zw::ReadTxn live = env.begin_read();
    zw::View value = *live.get(records, zw::Key::u64(1));
    zw::ReadTxn moved = std::move(live);
    CHECK(!aborts([&] {
        if (!is_record(value, 1)) std::_Exit(1);
    }));

    // Views of a transaction that ended, was reset, or wrote abort when their bytes are touched.
    zw::View ended;
    {
        zw::ReadTxn txn = env.begin_read();
        ended = *txn.get(records, zw::Key::u64(1));
    }
    CHECK(aborts([&] { (void)ended.data(); }));
    CHECK(ended.size() > 0); // size() stays readable

    zw::Entry entry = *moved.cursor(records).begin();
    moved.reset();
    CHECK(aborts([&] { (void)entry.value[0]; }));
    CHECK(aborts([&] { (void)entry.key.begin(); }));

    zw::WriteTxn txn = env.begin_write();
    zw::View before_put = *txn.get(records, zw::Key::u64(1));
    txn.put(records, zw::Key::u64(9), make_record(9));
    CHECK(aborts([&] { (void)before_put.end(); }));
    zw::View before_commit = *txn.get(records, zw::Key::u64(2));
    CHECK(!aborts([&] { (void)before_commit.chars(); }));
    txn.commit();
    CHECK(aborts([&] { (void)before_commit.chars(); }));

    // Views the caller makes are never checked.
    std::string bytes = "caller's bytes";
    zw::View own = bytes;
    CHECK(!aborts([&] { (void)own.data(); }));
}
#endif

} // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SCHEMA.bfbs SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    std::string bfbs = read_file(argv[1]);
    if (bfbs.empty()) {
        std::fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    std::string scratch = argv[2];
    try {
        test_versions();
        test_views();
        test_keys(scratch + "/keys");
        test_options_and_errors(scratch, bfbs);
        test_reads_and_cursors(scratch + "/reads", bfbs);
        test_writes(scratch + "/writes", bfbs);
        test_env_admin(scratch, bfbs);
        test_moves(scratch + "/moves", bfbs);
#if ZEROWAMP_CHECK_VIEWS
        test_view_checks(scratch + "/checks", bfbs);
#else
        check::fail(__FILE__, __LINE__, "ZEROWAMP_CHECK_VIEWS", "this test is built with View checks on");
#endif
    } catch (const std::exception &e) {
        check::fail(__FILE__, __LINE__, "unexpected exception", e.what());
    }
    return check::summary("test_store (C++)");
}
