// zerowamp.hpp — the C++17 interface to zerowamp: RAII, move-only handles over the C ABI of
// zerowamp.h, errors as exceptions, borrowed records as Views into LMDB's memory map.
//
// Header-only: include it and link libzerowamp (`pkg-config --cflags --libs zerowamp`, or CMake's
// zerowamp::zerowamp). Everything is inline, so any number of translation units may include it.
//
//     zerowamp::Env env = zerowamp::Env::open("/var/lib/app", zerowamp::EnvOptions().map_size(1 << 30));
//     env.register_schema(bfbs_bytes);
//     zerowamp::Table records = env.open_table(
//         "records", zerowamp::TableOptions().key(zerowamp::KeyCodec::u64).root_type("app.Record"));
//     {
//         zerowamp::WriteTxn txn = env.begin_write();
//         txn.put(records, zerowamp::Key::u64(42), record_bytes);   // verified before it is written
//         txn.commit();                                              // no commit: rolled back
//     }
//     zerowamp::ReadTxn txn = env.begin_read();
//     if (std::optional<zerowamp::View> value = txn.get(records, zerowamp::Key::u64(42))) {
//         const app::Record *record = app::GetRecord(value->data());   // read in place, no copy
//     }
//     for (auto [key, value] : txn.cursor(records, zerowamp::Range().limit(10))) { ... }
//
// Errors. Every failing C call throws zerowamp::Error, carrying the zw_result code (code()) and
// the library's detail message (what()). Absence is not an error: get() gives std::nullopt,
// erase() and insert() give false, and a cursor simply ends.
//
// Views. A View is a pointer and a size, like std::span<const std::uint8_t>. A View handed out by
// a transaction (get(), a cursor) points into LMDB's memory map and is valid only while that
// transaction is live and unchanged: it dies when the transaction commits, aborts, resets or is
// destroyed, and — in a write transaction — at the transaction's next put, insert, erase or
// truncate. It is aligned to 2 bytes only: verify FlatBuffers in it with the verifier's alignment
// check off (flatbuffers::Verifier::Options::check_alignment = false), then read it with flatc's
// generated accessors, whose loads (flatbuffers::ReadScalar) tolerate unaligned addresses on
// x86-64 and ARMv8; on a strict-alignment CPU, copy the bytes out first. Views built by the caller
// (from a std::string, a std::vector, a Key...) borrow the caller's bytes, as std::string_view does.
// With ZEROWAMP_CHECK_VIEWS on (the default unless NDEBUG is defined), a View from a transaction
// remembers the transaction's generation, and touching its bytes after the transaction moved on
// prints a message and aborts. The setting changes the layout of View, so the two modes live in
// different inline namespaces: translation units built with different settings link together,
// but cannot pass Views (or anything holding one) to each other — that fails at link time
// instead of at run time.
//
// Handles. Env, Table, ReadTxn, WriteTxn and Cursor own one C handle each; they move, never copy,
// and free the handle in their destructor (a WriteTxn not committed is rolled back). A moved-from
// or default-constructed handle is empty: its calls throw Error(ZW_ERR_NULL_ARGUMENT). Free a
// Table after the transactions that use it (declaring the Table first does that). An Env may be
// closed before its tables and transactions: their calls then throw Error(ZW_ERR_CLOSED). Each
// class gives its C handle through c_handle(), for calls this header does not wrap.
//
// Threads follow the C objects: Env and Table may be shared by any number of threads; a ReadTxn
// is used by one thread at a time; a WriteTxn stays on the thread that began it.
//
// ABI check. The first object made through this header (EnvOptions, TableOptions, Env::open)
// compares zw_abi_version() of the loaded library with the ZW_ABI_VERSION this header was
// compiled with, and throws zerowamp::AbiMismatch when they differ — before any struct crosses
// the boundary.
//
// Callbacks (for the WAMP objects to come: client, router). The C ABI registers a callback as
// (cb, void *userdata, void (*free_userdata)(void *)) and calls free_userdata exactly once, when
// it drops the registration. The C++ side will take any callable F by value and:
//   1. move it to the heap, held by a std::unique_ptr<F> until the C call has succeeded, so that a
//      failed registration frees it here and a successful one hands it over (release()) — this
//      needs the C ABI to promise that a failed registration never calls free_userdata;
//   2. pass `&detail::trampoline<F, Args...>` as cb: a function that casts userdata back to F&,
//      calls it, and catches every exception (recording it for the caller, never unwinding into
//      the library);
//   3. pass `&detail::finalize<F>` (which deletes the F) as free_userdata.
// Borrowed arguments of a callback (payload Views) are valid only during the call, as in C.
// New classes (Client, Router...) follow the handles here: one C handle in a std::unique_ptr with
// detail::Free<zw_x_free>, move-only, calls checked with detail::check().

#ifndef ZEROWAMP_HPP
#define ZEROWAMP_HPP

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "zerowamp.h"

#ifndef ZEROWAMP_CHECK_VIEWS
#ifdef NDEBUG
#define ZEROWAMP_CHECK_VIEWS 0
#else
#define ZEROWAMP_CHECK_VIEWS 1
#endif
#endif

namespace zerowamp {

// --- errors (the same type in every translation unit, whatever ZEROWAMP_CHECK_VIEWS says) ---------

/// A failed call: the zw_result code and the library's detail message.
class Error : public std::runtime_error {
public:
    Error(zw_result code, const std::string &message) : std::runtime_error(message), code_(code) {}

    /// The C result code (ZW_ERR_*).
    zw_result code() const noexcept { return code_; }

private:
    zw_result code_;
};

/// The loaded libzerowamp speaks another C ABI than the zerowamp.h this program was built with.
class AbiMismatch : public std::runtime_error {
public:
    AbiMismatch(std::uint32_t loaded, std::uint32_t expected, const std::string &library_version)
        : std::runtime_error("zerowamp: this program was built for C ABI version " + std::to_string(expected) +
                             ", but the loaded libzerowamp " + library_version + " has C ABI version " +
                             std::to_string(loaded) +
                             ": rebuild the program against the installed zerowamp.h and zerowamp.hpp, "
                             "or make it load the library it was built with"),
          loaded_(loaded), expected_(expected) {}

    /// zw_abi_version() of the loaded library.
    std::uint32_t loaded() const noexcept { return loaded_; }
    /// ZW_ABI_VERSION of the header the program was compiled with.
    std::uint32_t expected() const noexcept { return expected_; }

private:
    std::uint32_t loaded_;
    std::uint32_t expected_;
};

/// The library's version, "MAJOR.MINOR.PATCH".
inline std::string_view version() noexcept { return zw_version(); }

/// The C ABI version of the loaded library (the header's is ZW_ABI_VERSION).
inline std::uint32_t abi_version() noexcept { return zw_abi_version(); }

namespace detail {

/// This thread's last detail message from the library.
inline std::string last_error_message() {
    char small[256];
    std::size_t n = zw_last_error_message(small, sizeof small);
    if (n < sizeof small) return std::string(small, n);
    std::string message(n + 1, '\0');
    zw_last_error_message(&message[0], message.size());
    message.resize(n);
    return message;
}

/// Throws the Error for a failed call, with the detail message the call left behind.
[[noreturn]] inline void fail(zw_result code) {
    std::string message = last_error_message();
    if (message.empty()) message = zw_strerror(code);
    throw Error(code, message);
}

inline void check(zw_result code) {
    if (code != ZW_OK) fail(code);
}

/// Refuses a library whose ABI differs from the header's.
inline void check_abi(std::uint32_t loaded, std::uint32_t expected) {
    if (loaded != expected) throw AbiMismatch(loaded, expected, zw_version());
}

/// check_abi() against the loaded library; asks it once per process.
inline void ensure_abi() {
    static const std::uint32_t loaded = zw_abi_version();
    check_abi(loaded, ZW_ABI_VERSION);
}

/// A std::unique_ptr deleter calling the C destructor `Fn` (which accepts NULL, called once).
template <auto Fn> struct Free {
    template <class T> void operator()(T *handle) const noexcept { Fn(handle); }
};

/// A transaction's generation: bumped whenever the Views it handed out become invalid. Views hold
/// it by shared_ptr, so it outlives the transaction object; atomic, because a View may be read on
/// another thread than its transaction's.
struct Epoch {
    std::atomic<std::uint64_t> value{0};
};

[[noreturn]] inline void view_expired() noexcept {
    std::fputs("zerowamp: a View was used after its transaction ended, was reset, or wrote "
               "(see \"Views\" in zerowamp.hpp)\n",
               stderr);
    std::abort();
}

template <class T> struct is_byte : std::false_type {};
template <> struct is_byte<char> : std::true_type {};
template <> struct is_byte<signed char> : std::true_type {};
template <> struct is_byte<unsigned char> : std::true_type {};
template <> struct is_byte<std::byte> : std::true_type {};

/// A contiguous container of bytes: data() gives a pointer to char-like elements, size() a count.
template <class C, class = void> struct is_byte_container : std::false_type {};
template <class C>
struct is_byte_container<C, std::void_t<decltype(std::declval<const C &>().data()),
                                        decltype(std::declval<const C &>().size())>>
    : is_byte<std::remove_cv_t<std::remove_pointer_t<decltype(std::declval<const C &>().data())>>> {};

} // namespace detail

#if ZEROWAMP_CHECK_VIEWS
inline namespace checked_views {
#else
inline namespace unchecked_views {
#endif

// --- View ---------------------------------------------------------------------------------------

/// A borrowed run of bytes (pointer + size), like std::span<const std::uint8_t>. See "Views" at the
/// top of this file for how long one from a transaction lives.
class View {
public:
    using value_type = std::uint8_t;
    using size_type = std::size_t;
    using const_iterator = const std::uint8_t *;
    using iterator = const_iterator;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    constexpr View() noexcept = default;
    View(const void *data, std::size_t size) noexcept : data_(static_cast<const std::uint8_t *>(data)), size_(size) {}
    /// The bytes of a NUL-terminated string, without the NUL.
    View(const char *text) noexcept : View(text, text ? std::strlen(text) : 0) {}
    /// The bytes of any contiguous container of 1-byte elements: std::string, std::string_view,
    /// std::vector<std::uint8_t>, std::array<char, N>, a Key...
    template <class C, std::enable_if_t<detail::is_byte_container<C>::value &&
                                            !std::is_same_v<std::decay_t<C>, View>,
                                        int> = 0>
    View(const C &bytes) noexcept : View(bytes.data(), bytes.size()) {}

    /// The first byte (checked in ZEROWAMP_CHECK_VIEWS builds); NULL may go with size() 0.
    const std::uint8_t *data() const noexcept {
        check();
        return data_;
    }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const_iterator begin() const noexcept { return data(); }
    const_iterator end() const noexcept { return data() + size_; }
    std::uint8_t operator[](std::size_t i) const noexcept {
#if ZEROWAMP_CHECK_VIEWS
        if (i >= size_) {
            std::fputs("zerowamp: View index out of range\n", stderr);
            std::abort();
        }
#endif
        return data()[i];
    }

    /// The bytes from `offset`, at most `count` of them (std::out_of_range past the end).
    View subview(std::size_t offset, std::size_t count = npos) const {
        if (offset > size_) throw std::out_of_range("zerowamp::View::subview: offset past the end");
        View part = *this;
        part.data_ = data() + offset;
        part.size_ = count < size_ - offset ? count : size_ - offset;
        return part;
    }

    /// The same bytes as characters.
    std::string_view chars() const noexcept {
        return std::string_view(reinterpret_cast<const char *>(data()), size_);
    }

    /// The same bytes as a zw_slice, for the C API.
    zw_slice c_slice() const noexcept { return zw_slice{data(), size_}; }

    /// Byte-wise equality of two runs.
    friend bool operator==(const View &a, const View &b) noexcept {
        return a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
    }
    friend bool operator!=(const View &a, const View &b) noexcept { return !(a == b); }

private:
    friend class Txn;
    friend class Cursor;

#if ZEROWAMP_CHECK_VIEWS
    View(zw_slice slice, std::shared_ptr<const detail::Epoch> epoch) noexcept
        : data_(slice.data), size_(slice.len), epoch_(std::move(epoch)),
          generation_(epoch_->value.load(std::memory_order_relaxed)) {}
    void check() const noexcept {
        if (epoch_ && epoch_->value.load(std::memory_order_relaxed) != generation_) detail::view_expired();
    }
#else
    void check() const noexcept {}
#endif

    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
#if ZEROWAMP_CHECK_VIEWS
    std::shared_ptr<const detail::Epoch> epoch_;
    std::uint64_t generation_ = 0;
#endif
};

// --- keys ---------------------------------------------------------------------------------------

/// The key codec of a table (ZW_KEY_*); composite keys are set with TableOptions::composite_key.
enum class KeyCodec : std::uint32_t {
    u64 = ZW_KEY_U64,       ///< 8 bytes big-endian
    uuid = ZW_KEY_UUID,     ///< 16 bytes
    string = ZW_KEY_STRING, ///< UTF-8, as is
    bytes = ZW_KEY_BYTES,   ///< 1 to 511 bytes, as is
};

/// An encoded key, held inline (at most ZW_MAX_KEY_SIZE bytes). The simple codecs are encoded here
/// by the byte layout of docs/c-api.md; composite keys by their table (Table::key).
class Key {
public:
    /// A ZW_KEY_U64 key: 8 bytes big-endian, so keys sort numerically.
    static Key u64(std::uint64_t value) noexcept {
        Key key;
        for (std::size_t i = 0; i < 8; i++) key.bytes_[i] = static_cast<std::uint8_t>(value >> (56 - 8 * i));
        key.size_ = 8;
        return key;
    }
    /// A ZW_KEY_UUID key: exactly 16 bytes (else Error(ZW_ERR_INVALID_KEY)).
    static Key uuid(View bytes) {
        if (bytes.size() != 16) {
            throw Error(ZW_ERR_INVALID_KEY,
                        "zerowamp::Key::uuid: a UUID is 16 bytes, not " + std::to_string(bytes.size()));
        }
        return copy(bytes, "uuid");
    }
    /// A ZW_KEY_STRING key: the UTF-8 bytes as they are (the table checks them).
    static Key string(std::string_view text) { return copy(View(text), "string"); }
    /// A ZW_KEY_BYTES key, or any key already encoded.
    static Key bytes(View bytes) { return copy(bytes, "bytes"); }

    const std::uint8_t *data() const noexcept { return bytes_.data(); }
    std::size_t size() const noexcept { return size_; }
    View view() const noexcept { return View(bytes_.data(), size_); }

    friend bool operator==(const Key &a, const Key &b) noexcept { return a.view() == b.view(); }
    friend bool operator!=(const Key &a, const Key &b) noexcept { return !(a == b); }

private:
    friend class Table;
    Key() noexcept = default;

    static Key copy(View bytes, const char *codec) {
        if (bytes.size() > ZW_MAX_KEY_SIZE) {
            throw Error(ZW_ERR_INVALID_KEY, std::string("zerowamp::Key::") + codec + ": " +
                                                std::to_string(bytes.size()) +
                                                " bytes is longer than a key may be (ZW_MAX_KEY_SIZE)");
        }
        Key key;
        if (!bytes.empty()) std::memcpy(key.bytes_.data(), bytes.data(), bytes.size());
        key.size_ = bytes.size();
        return key;
    }

    std::array<std::uint8_t, ZW_MAX_KEY_SIZE> bytes_;
    std::size_t size_ = 0;
};

/// One element of a composite key, for Table::key. It borrows its bytes until the call returns.
class KeyPart {
public:
    static KeyPart u64(std::uint64_t value) noexcept { return KeyPart(ZW_KEY_U64, value, View()); }
    static KeyPart uuid(View bytes) noexcept { return KeyPart(ZW_KEY_UUID, 0, bytes); }
    static KeyPart string(std::string_view text) noexcept { return KeyPart(ZW_KEY_STRING, 0, View(text)); }
    static KeyPart bytes(View bytes) noexcept { return KeyPart(ZW_KEY_BYTES, 0, bytes); }

    const zw_key_part &c_part() const noexcept { return part_; }

private:
    KeyPart(std::uint32_t codec, std::uint64_t value, View bytes) noexcept
        : part_{codec, value, bytes.c_slice()} {}
    zw_key_part part_;
};

/// The keys a cursor walks: everything in key order unless narrowed. The bounds are copied.
class Range {
public:
    /// Start at `key` (inclusive).
    Range &from(View key) {
        from_ = Key::bytes(key);
        return *this;
    }
    /// End before `key` (or at it, with `inclusive`).
    Range &to(View key, bool inclusive = false) {
        to_ = Key::bytes(key);
        set(ZW_RANGE_TO_INCLUSIVE, inclusive);
        return *this;
    }
    /// Walk from the last key to the first.
    Range &reverse(bool on = true) {
        set(ZW_RANGE_REVERSE, on);
        return *this;
    }
    /// At most `records` records (0: no limit).
    Range &limit(std::size_t records) {
        limit_ = records;
        return *this;
    }

    /// The C form, pointing into this Range.
    zw_range c_range() const noexcept {
        zw_range range{};
        if (from_) range.from = from_->view().c_slice();
        if (to_) range.to = to_->view().c_slice();
        range.flags = flags_;
        range.limit = limit_;
        return range;
    }

private:
    void set(std::uint32_t flag, bool on) { flags_ = on ? (flags_ | flag) : (flags_ & ~flag); }

    std::optional<Key> from_;
    std::optional<Key> to_;
    std::uint32_t flags_ = 0;
    std::size_t limit_ = 0;
};

// --- options ------------------------------------------------------------------------------------

/// How to open an environment; starts from the library's defaults (zw_env_options_init).
class EnvOptions {
public:
    EnvOptions() {
        detail::ensure_abi();
        detail::check(zw_env_options_init(&options_));
    }
    /// The size of the memory map: the most the data file may hold.
    EnvOptions &map_size(std::size_t bytes) noexcept {
        options_.map_size = bytes;
        return *this;
    }
    EnvOptions &max_tables(std::uint32_t tables) noexcept {
        options_.max_tables = tables;
        return *this;
    }
    EnvOptions &max_readers(std::uint32_t readers) noexcept {
        options_.max_readers = readers;
        return *this;
    }
    EnvOptions &read_only(bool on = true) noexcept { return flag(ZW_ENV_READ_ONLY, on); }
    EnvOptions &no_sync(bool on = true) noexcept { return flag(ZW_ENV_NO_SYNC, on); }
    EnvOptions &no_subdir(bool on = true) noexcept { return flag(ZW_ENV_NO_SUBDIR, on); }
    EnvOptions &auto_grow(bool on = true) noexcept { return flag(ZW_ENV_AUTO_GROW, on); }

    const zw_env_options &c_options() const noexcept { return options_; }

private:
    EnvOptions &flag(std::uint32_t flag, bool on) noexcept {
        options_.flags = on ? (options_.flags | flag) : (options_.flags & ~flag);
        return *this;
    }
    zw_env_options options_;
};

/// How to open a table; starts from the library's defaults (zw_table_options_init: raw-byte keys
/// and values, create if missing).
class TableOptions {
public:
    TableOptions() {
        detail::ensure_abi();
        detail::check(zw_table_options_init(&options_));
    }
    TableOptions &key(KeyCodec codec) {
        options_.key_codec = static_cast<std::uint32_t>(codec);
        parts_.clear();
        return *this;
    }
    /// Composite keys: tuples of these codecs, in this order.
    TableOptions &composite_key(std::initializer_list<KeyCodec> parts) {
        options_.key_codec = ZW_KEY_COMPOSITE;
        parts_.clear();
        for (KeyCodec part : parts) parts_.push_back(static_cast<std::uint32_t>(part));
        return *this;
    }
    /// Values are FlatBuffers of this fully qualified root type (from a registered schema),
    /// verified on every put. By default values are raw bytes.
    TableOptions &root_type(std::string type) {
        root_type_ = std::move(type);
        return *this;
    }
    /// Create the table when it is missing (the default).
    TableOptions &create(bool on = true) noexcept {
        options_.create = on;
        return *this;
    }

    /// The C form, pointing into this object.
    zw_table_options c_options() const noexcept {
        zw_table_options options = options_;
        options.key_parts = parts_.empty() ? nullptr : parts_.data();
        options.key_parts_len = parts_.size();
        options.root_type = root_type_ ? root_type_->c_str() : nullptr;
        return options;
    }

private:
    zw_table_options options_;
    std::vector<std::uint32_t> parts_;
    std::optional<std::string> root_type_;
};

// --- handles ------------------------------------------------------------------------------------

class Txn;

/// A table of an environment (zw_table). Thread-safe; may be destroyed before or after the
/// transactions using it.
class Table {
public:
    Table() noexcept = default;

    /// The number of records as `txn` sees them (from the B-tree's counters, no scan).
    std::uint64_t count(const Txn &txn) const;

    /// Encodes a key of this table's codec from its parts — one per part for a composite key —
    /// with zw_table_encode_key; parts that do not fit give Error(ZW_ERR_INVALID_KEY). Fewer
    /// parts than a composite key has give that prefix, a bound for a Range over those keys.
    template <class... Parts> Key key(const Parts &...parts) const {
        static_assert(sizeof...(Parts) > 0, "a key has at least one part");
        static_assert((std::is_same_v<Parts, KeyPart> && ...), "Table::key takes KeyPart values");
        const zw_key_part c_parts[] = {parts.c_part()...};
        Key key;
        detail::check(zw_table_encode_key(table_.get(), c_parts, sizeof...(Parts), key.bytes_.data(),
                                                      key.bytes_.size(), &key.size_));
        return key;
    }

    zw_table *c_handle() const noexcept { return table_.get(); }
    explicit operator bool() const noexcept { return table_ != nullptr; }

private:
    friend class Env;
    explicit Table(zw_table *table) noexcept : table_(table) {}
    std::unique_ptr<zw_table, detail::Free<zw_table_free>> table_;
};

/// One record of a cursor: its key and value, both borrowed from the transaction.
struct Entry {
    View key;
    View value;
};

/// A walk over a Range of a table (zw_cursor): an input range, for range-for. Its Entries are
/// Views of its transaction; the transaction closes the cursor when it ends, resets or writes
/// (a later step throws Error(ZW_ERR_CLOSED)).
class Cursor {
public:
    /// Input iterator: each step moves the cursor on; begin() again continues where it stopped.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Entry;
        using difference_type = std::ptrdiff_t;
        using pointer = const Entry *;
        using reference = const Entry &;

        iterator() noexcept = default;
        reference operator*() const noexcept { return entry_; }
        pointer operator->() const noexcept { return &entry_; }
        iterator &operator++() {
            advance();
            return *this;
        }
        /// Post-increment: the result dereferences to the Entry it passed.
        struct passed {
            Entry entry;
            const Entry &operator*() const noexcept { return entry; }
        };
        passed operator++(int) {
            passed old{entry_};
            advance();
            return old;
        }
        friend bool operator==(const iterator &a, const iterator &b) noexcept { return a.cursor_ == b.cursor_; }
        friend bool operator!=(const iterator &a, const iterator &b) noexcept { return !(a == b); }

    private:
        friend class Cursor;
        explicit iterator(Cursor *cursor) : cursor_(cursor) { advance(); }
        void advance() {
            std::optional<Entry> next = cursor_->next();
            if (next) entry_ = *next;
            else cursor_ = nullptr;
        }
        Cursor *cursor_ = nullptr;
        Entry entry_;
    };

    Cursor() noexcept = default;

    /// The next record, or std::nullopt at the end of the range (and after it).
    std::optional<Entry> next() {
        zw_slice key{nullptr, 0}, value{nullptr, 0};
        zw_result rc = zw_cursor_next(cursor_.get(), &key, &value);
        if (rc == ZW_NOT_FOUND) return std::nullopt;
        detail::check(rc);
        return Entry{borrowed(key), borrowed(value)};
    }

    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

    zw_cursor *c_handle() const noexcept { return cursor_.get(); }
    explicit operator bool() const noexcept { return cursor_ != nullptr; }

private:
    friend class Txn;
    std::unique_ptr<zw_cursor, detail::Free<zw_cursor_free>> cursor_;
#if ZEROWAMP_CHECK_VIEWS
    Cursor(zw_cursor *cursor, std::shared_ptr<const detail::Epoch> epoch) noexcept
        : cursor_(cursor), epoch_(std::move(epoch)) {}
    View borrowed(zw_slice slice) const noexcept { return View(slice, epoch_); }
    std::shared_ptr<const detail::Epoch> epoch_;
#else
    explicit Cursor(zw_cursor *cursor) noexcept : cursor_(cursor) {}
    View borrowed(zw_slice slice) const noexcept { return View(slice.data, slice.len); }
#endif
};

/// What read and write transactions share (zw_txn): point reads and cursors.
class Txn {
public:
    /// The value under `key`, borrowed from the map — or std::nullopt when the key is not there.
    /// `key` is encoded (a Key, or raw bytes for a ZW_KEY_BYTES table).
    std::optional<View> get(const Table &table, View key) const {
        zw_slice value{nullptr, 0};
        zw_result rc = zw_txn_get(txn_.get(), table.c_handle(), key.c_slice(), &value);
        if (rc == ZW_NOT_FOUND) return std::nullopt;
        detail::check(rc);
        return borrowed(value);
    }

    /// A cursor over `range` of `table` (the whole table in key order by default).
    Cursor cursor(const Table &table, const Range &range = Range()) {
        zw_range c_range = range.c_range();
        zw_cursor *cursor = nullptr;
        detail::check(zw_cursor_open(txn_.get(), table.c_handle(), &c_range, &cursor));
#if ZEROWAMP_CHECK_VIEWS
        return Cursor(cursor, epoch_);
#else
        return Cursor(cursor);
#endif
    }

    zw_txn *c_handle() const noexcept { return txn_.get(); }
    explicit operator bool() const noexcept { return txn_ != nullptr; }

protected:
    Txn() noexcept = default;
    explicit Txn(zw_txn *txn) : txn_(txn) {
#if ZEROWAMP_CHECK_VIEWS
        epoch_ = std::make_shared<detail::Epoch>();
#endif
    }
    Txn(Txn &&) noexcept = default;
    Txn &operator=(Txn &&other) noexcept {
        if (this != &other) {
            invalidate_views();
            txn_ = std::move(other.txn_);
#if ZEROWAMP_CHECK_VIEWS
            epoch_ = std::move(other.epoch_);
#endif
        }
        return *this;
    }
    ~Txn() { invalidate_views(); }

    /// Marks every View handed out so far as dead (ZEROWAMP_CHECK_VIEWS builds check it).
    void invalidate_views() noexcept {
#if ZEROWAMP_CHECK_VIEWS
        if (epoch_) epoch_->value.fetch_add(1, std::memory_order_relaxed);
#endif
    }

    std::unique_ptr<zw_txn, detail::Free<zw_txn_abort>> txn_;

private:
#if ZEROWAMP_CHECK_VIEWS
    View borrowed(zw_slice slice) const noexcept { return View(slice, epoch_); }
    std::shared_ptr<detail::Epoch> epoch_;
#else
    View borrowed(zw_slice slice) const noexcept { return View(slice.data, slice.len); }
#endif
};

/// A read transaction: a consistent snapshot that writers do not disturb. Destroying it (or
/// abort()) ends it; reset() + renew() reuse it cheaply.
class ReadTxn : public Txn {
public:
    ReadTxn() noexcept = default;

    /// Releases the snapshot but keeps the handle; reads throw Error(ZW_ERR_TXN_RESET) until
    /// renew(). Views and cursors from before die.
    void reset() {
        invalidate_views();
        detail::check(zw_txn_reset(txn_.get()));
    }
    /// Takes a fresh snapshot after reset().
    void renew() { detail::check(zw_txn_renew(txn_.get())); }
    /// Ends the transaction now (the destructor does it otherwise).
    void abort() noexcept {
        invalidate_views();
        txn_.reset();
    }

private:
    friend class Env;
    explicit ReadTxn(zw_txn *txn) : Txn(txn) {}
};

/// A write transaction: the one writer of its environment, on the thread that began it. Nothing
/// is written unless commit() succeeds; destroying it uncommitted rolls it back.
class WriteTxn : public Txn {
public:
    WriteTxn() noexcept = default;

    /// Writes `value` under `key`, replacing what was there. In a table with a root type the value
    /// is verified first: an invalid one throws Error(ZW_ERR_VERIFY) and nothing is written.
    void put(const Table &table, View key, View value) {
        invalidate_views();
        detail::check(zw_txn_put(txn_.get(), table.c_handle(), key.c_slice(), value.c_slice(), 0));
    }
    /// Writes `value` under `key` unless the key is there already; false (and nothing written) then.
    bool insert(const Table &table, View key, View value) {
        invalidate_views();
        zw_result rc = zw_txn_put(txn_.get(), table.c_handle(), key.c_slice(), value.c_slice(), ZW_PUT_NO_OVERWRITE);
        if (rc == ZW_ERR_KEY_EXISTS) return false;
        detail::check(rc);
        return true;
    }
    /// Deletes `key`; false when it was not there.
    bool erase(const Table &table, View key) {
        invalidate_views();
        zw_result rc = zw_txn_delete(txn_.get(), table.c_handle(), key.c_slice());
        if (rc == ZW_NOT_FOUND) return false;
        detail::check(rc);
        return true;
    }
    /// Deletes every record of `table` (the table stays).
    void truncate(const Table &table) {
        invalidate_views();
        detail::check(zw_txn_truncate(txn_.get(), table.c_handle()));
    }
    /// Commits. The transaction is over afterwards, also when this throws (then nothing of it
    /// was written).
    void commit() {
        invalidate_views();
        detail::check(zw_txn_commit(txn_.release()));
    }
    /// Rolls back now (the destructor does it otherwise).
    void abort() noexcept {
        invalidate_views();
        txn_.reset();
    }

private:
    friend class Env;
    explicit WriteTxn(zw_txn *txn) : Txn(txn) {}
};

/// An LMDB environment (zw_env). Thread-safe: share one by reference across threads.
class Env {
public:
    Env() noexcept = default;

    /// Opens (creating unless read-only) the environment at `path`.
    static Env open(const std::string &path, const EnvOptions &options = EnvOptions()) {
        detail::ensure_abi();
        zw_env *env = nullptr;
        detail::check(zw_env_open(path.c_str(), &options.c_options(), &env));
        return Env(env);
    }

    /// Closes now (the destructor does it otherwise). Tables and transactions still open then
    /// throw Error(ZW_ERR_CLOSED).
    void close() noexcept { env_.reset(); }

    /// Registers a binary schema (.bfbs) whose types tables may name as their root type.
    void register_schema(View bfbs) const { detail::check(zw_env_register_schema(env_.get(), bfbs.c_slice())); }

    /// Opens (by default creating) the table `name`.
    Table open_table(const std::string &name, const TableOptions &options = TableOptions()) const {
        zw_table_options c_options = options.c_options();
        zw_table *table = nullptr;
        detail::check(zw_table_open(env_.get(), name.c_str(), &c_options, &table));
        return Table(table);
    }
    /// Deletes the table `name` with all its records.
    void drop_table(const std::string &name) const { detail::check(zw_env_drop_table(env_.get(), name.c_str())); }

    ReadTxn begin_read() const {
        zw_txn *txn = nullptr;
        detail::check(zw_txn_begin_read(env_.get(), &txn));
        return ReadTxn(txn);
    }
    /// Blocks until no other write transaction is live.
    WriteTxn begin_write() const {
        zw_txn *txn = nullptr;
        detail::check(zw_txn_begin_write(env_.get(), &txn));
        return WriteTxn(txn);
    }

    zw_stat stat() const {
        zw_stat out;
        detail::check(zw_env_stat(env_.get(), &out));
        return out;
    }
    zw_envinfo info() const {
        zw_envinfo out;
        detail::check(zw_env_info(env_.get(), &out));
        return out;
    }
    /// Flushes to disk; with `force` even when opened with no_sync().
    void sync(bool force = false) const { detail::check(zw_env_sync(env_.get(), force)); }
    /// Writes a consistent backup into the empty directory `path`.
    void copy_to(const std::string &path, bool compact = false) const {
        detail::check(zw_env_copy(env_.get(), path.c_str(), compact));
    }
    /// Grows (or shrinks) the map; Error(ZW_ERR_BUSY) while a transaction of this process is live.
    void set_map_size(std::size_t bytes) const { detail::check(zw_env_set_map_size(env_.get(), bytes)); }

    zw_env *c_handle() const noexcept { return env_.get(); }
    explicit operator bool() const noexcept { return env_ != nullptr; }

private:
    explicit Env(zw_env *env) noexcept : env_(env) {}
    std::unique_ptr<zw_env, detail::Free<zw_env_close>> env_;
};

inline std::uint64_t Table::count(const Txn &txn) const {
    std::uint64_t n = 0;
    detail::check(zw_table_count(table_.get(), txn.c_handle(), &n));
    return n;
}

} // inline namespace checked_views / unchecked_views
} // namespace zerowamp

#endif // ZEROWAMP_HPP
