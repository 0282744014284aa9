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
// Handles. Env, Table, ReadTxn, WriteTxn, Cursor — and Router, Client, Call, Subscription,
// Registration, Invocation, Message — own one C handle each; they move, never copy, and free the
// handle in their destructor (a WriteTxn not committed is rolled back). A moved-from
// or default-constructed handle is empty: its calls throw Error(ZW_ERR_NULL_ARGUMENT). Free a
// Table after the transactions that use it (declaring the Table first does that). An Env may be
// closed before its tables and transactions: their calls then throw Error(ZW_ERR_CLOSED). Each
// class gives its C handle through c_handle(), for calls this header does not wrap.
//
// Threads follow the C objects: Env, Table, Router and Client may be shared by any number of
// threads; a ReadTxn is used by one thread at a time; a WriteTxn stays on the thread that began
// it; an Invocation may be answered from any thread.
//
// ABI check. The first object made through this header (EnvOptions, TableOptions, Env::open)
// compares zw_abi_version() of the loaded library with the ZW_ABI_VERSION this header was
// compiled with, and throws zerowamp::AbiMismatch when they differ — before any struct crosses
// the boundary.
//
// WAMP. A Router runs in the process (zw_router); a Client (zw_client) joins a realm over
// WebSocket or RawSocket and calls, publishes, subscribes and registers — from any thread:
//
//     zerowamp::Router router = zerowamp::Router::start();
//     std::string url = router.listen("rs://127.0.0.1:0");           // the port it bound
//     zerowamp::Client client = zerowamp::Client::connect(url, "realm1");
//     zerowamp::Registration reg = client.register_procedure("app.get", [&](zerowamp::Invocation &&inv) {
//         zerowamp::ReadTxn txn = env.begin_read();
//         std::optional<zerowamp::View> value = txn.get(records, key_from(inv.message()));
//         if (!value) return inv.error("app.error.not_found");
//         inv.yield(zerowamp::Payload::record(*value, txn));          // pinned: sent without a copy
//     });
//     zerowamp::Message result = client.call("app.get", zerowamp::Payload::json("[42]"));
//     std::optional<zerowamp::View> record = result.binary();        // in the received frame
//
// A peer's ERROR reply throws zerowamp::WampError (an Error with code() ZW_ERR_WAMP) carrying the
// error URI and the arguments as JSON text. A Payload says what goes out: nothing, a record
// (Payload Passthru, FlatBuffers), one binary argument, or JSON args/kwargs; a record or binary
// Payload borrows its bytes until the call that takes it returns — unless it pins the read
// transaction they live in (Payload::record(view, txn)): then the bytes go out without a copy and
// the transaction may end right after that call. A Message in a callback is a MessageView:
// borrowed, valid until the callback returns, like the Views it gives (checked like Views of a
// transaction under ZEROWAMP_CHECK_VIEWS); the blocking call() returns an owned Message.
//
// Callbacks are any callables (lambdas), taken by value. The C ABI registers a callback as
// (cb, void *userdata, void (*free_userdata)(void *)) and calls free_userdata exactly once — also
// when the registering call fails — once it will not call cb again. The C++ side moves the
// callable to the heap and hands it over: cb is a trampoline that casts userdata back and calls
// it, free_userdata deletes it (its captures are destroyed then, on whichever thread the library
// drops it: after unsubscribe()/unregister(), after a call's result, or in the Client's
// destructor at the latest). Exceptions never cross into the library: a trampoline catches what
// a callback throws and reports it on stderr; an invocation handler that throws before answering
// answers wamp.error.runtime_error with the exception's text. Callbacks run on the client's I/O
// thread — or, with ClientOptions::caller_driven(), inside Client::dispatch() on the thread that
// calls it. They must not block on the client (a blocking call inside one throws
// Error(ZW_ERR_IN_CALLBACK)).

#ifndef ZEROWAMP_HPP
#define ZEROWAMP_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
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

namespace detail {

/// `text` as a JSON string literal. Bytes outside ASCII become '?': an exception's text is
/// not promised to be UTF-8, and the library refuses JSON that is not.
inline std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        unsigned char byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            out += escaped;
        } else {
            out += byte < 0x80 ? c : '?';
        }
    }
    out += '"';
    return out;
}

} // namespace detail

/// A WAMP ERROR from the peer: code() is ZW_ERR_WAMP, uri() the error URI (e.g.
/// "wamp.error.no_such_procedure"), and the error's arguments as JSON text. A call's ERROR comes
/// whole; for a refused subscribe, register, unsubscribe, unregister or acknowledged publish the
/// library passes on only the URI and the first argument when it is a string.
class WampError : public Error {
public:
    WampError(std::string uri, std::string args_json, std::string kwargs_json)
        : Error(ZW_ERR_WAMP, describe(uri, args_json, kwargs_json)), uri_(std::move(uri)),
          args_json_(std::move(args_json)), kwargs_json_(std::move(kwargs_json)) {}

    /// The WampError of a failed request, from the library's detail message "URI" or
    /// "URI: first argument".
    static WampError from_detail(const std::string &message) {
        std::size_t colon = message.find(": ");
        std::string uri = message.substr(0, colon);
        std::string args =
            colon == std::string::npos ? "[]" : "[" + detail::json_string(message.substr(colon + 2)) + "]";
        return WampError(message, std::move(uri), std::move(args), "{}");
    }

    const std::string &uri() const noexcept { return uri_; }
    /// The ERROR's positional arguments, a JSON array ("[]" if none).
    const std::string &args_json() const noexcept { return args_json_; }
    /// The ERROR's keyword arguments, a JSON object ("{}" if none).
    const std::string &kwargs_json() const noexcept { return kwargs_json_; }

private:
    WampError(const std::string &message, std::string uri, std::string args_json, std::string kwargs_json)
        : Error(ZW_ERR_WAMP, message), uri_(std::move(uri)), args_json_(std::move(args_json)),
          kwargs_json_(std::move(kwargs_json)) {}
    static std::string describe(const std::string &uri, const std::string &args, const std::string &kwargs) {
        std::string text = uri;
        if (args != "[]") text += " " + args;
        if (kwargs != "{}") text += " " + kwargs;
        return text;
    }
    std::string uri_;
    std::string args_json_;
    std::string kwargs_json_;
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
    if (code == ZW_ERR_WAMP) {
        // The request's ERROR itself (publish, subscribe, register give no message to hand back).
        zw_message *error = nullptr;
        if (zw_last_wamp_error(&error) == ZW_OK) {
            const char *uri = nullptr, *args = nullptr, *kwargs = nullptr;
            zw_message_error_uri(error, &uri);
            zw_message_args_json(error, &args);
            zw_message_kwargs_json(error, &kwargs);
            WampError wamp(uri ? uri : "", args ? args : "[]", kwargs ? kwargs : "{}");
            zw_message_free(error);
            throw wamp;
        }
        throw WampError::from_detail(message);
    }
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

/// The free_userdata of a callback registration: deletes the callable the C++ side handed over.
template <class F> void finalize(void *userdata) noexcept { delete static_cast<F *>(userdata); }

/// The text of the exception being handled (call inside a catch block).
inline std::string current_exception_text() {
    try {
        throw;
    } catch (const std::exception &e) {
        return e.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}

/// Reports on stderr an exception a callback threw (call inside a catch block): it must not
/// unwind into the library, and there is no caller to hand it to. Allocates nothing.
inline void report_callback_exception(const char *callback) noexcept {
    try {
        throw;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "zerowamp: %s threw: %s (caught at the C boundary)\n", callback, e.what());
    } catch (...) {
        std::fprintf(stderr, "zerowamp: %s threw an exception not derived from std::exception (caught at the C "
                             "boundary)\n",
                     callback);
    }
}

/// A duration as the C options' milliseconds (negative: 0; too long: the most that fits).
inline std::uint32_t millis(std::chrono::milliseconds duration) noexcept {
    auto count = duration.count();
    if (count <= 0) return 0;
    if (static_cast<unsigned long long>(count) > std::numeric_limits<std::uint32_t>::max())
        return std::numeric_limits<std::uint32_t>::max();
    return static_cast<std::uint32_t>(count);
}

/// The NUL-terminated text of an optional string, or NULL.
inline const char *c_str_or_null(const std::optional<std::string> &text) noexcept {
    return text ? text->c_str() : nullptr;
}

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
    friend class MessageView;

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

// --- WAMP: options and the router (one type in every ZEROWAMP_CHECK_VIEWS mode) ----------------

/// The serializers a Client offers (ZW_SERIALIZER_*).
enum class Serializer : std::uint32_t {
    automatic = ZW_SERIALIZER_DEFAULT, ///< offer CBOR, MessagePack and JSON
    json = ZW_SERIALIZER_JSON,
    msgpack = ZW_SERIALIZER_MSGPACK,
    cbor = ZW_SERIALIZER_CBOR,
    flatbuffers = ZW_SERIALIZER_FLATBUFFERS,
};

/// How a topic or procedure URI matches (ZW_MATCH_*).
enum class Match : std::uint32_t {
    exact = ZW_MATCH_EXACT,
    prefix = ZW_MATCH_PREFIX,
    wildcard = ZW_MATCH_WILDCARD,
};

/// Which of several callees of a shared registration gets an invocation (ZW_INVOKE_*).
enum class Invoke : std::uint32_t {
    single = ZW_INVOKE_SINGLE,
    roundrobin = ZW_INVOKE_ROUNDROBIN,
    random = ZW_INVOKE_RANDOM,
    first = ZW_INVOKE_FIRST,
    last = ZW_INVOKE_LAST,
};

/// How Call::cancel treats the callee (ZW_CANCEL_*).
enum class CancelMode : std::uint32_t {
    skip = ZW_CANCEL_SKIP,            ///< answer the caller at once, let the callee run on
    kill = ZW_CANCEL_KILL,            ///< interrupt the callee, answer the caller when it stops
    killnowait = ZW_CANCEL_KILLNOWAIT, ///< interrupt the callee and answer the caller at once
};

/// What a Payload or a received message carries (ZW_PAYLOAD_*).
enum class PayloadKind : std::uint32_t {
    none = ZW_PAYLOAD_NONE,     ///< no arguments
    record = ZW_PAYLOAD_RECORD, ///< a FlatBuffers record (Payload Passthru Mode)
    binary = ZW_PAYLOAD_BINARY, ///< one binary positional argument
    json = ZW_PAYLOAD_JSON,     ///< arguments as JSON text
};

/// How a Client connects; starts from the library's defaults (zw_client_options_init:
/// reconnecting, 10 s to connect, 30 s per call, 16 MiB queue and messages, own I/O thread).
/// The strings are copied.
class ClientOptions {
public:
    ClientOptions() {
        detail::ensure_abi();
        detail::check(zw_client_options_init(&options_));
    }
    ClientOptions &serializer(Serializer serializer) noexcept {
        options_.serializer = static_cast<std::uint32_t>(serializer);
        return *this;
    }
    ClientOptions &authid(std::string id) { return set(authid_, std::move(id)); }
    ClientOptions &authrole(std::string role) { return set(authrole_, std::move(role)); }
    /// Ticket authentication.
    ClientOptions &ticket(std::string ticket) { return set(ticket_, std::move(ticket)); }
    /// WAMP-CRA authentication.
    ClientOptions &wampcra_secret(std::string secret) { return set(wampcra_secret_, std::move(secret)); }
    /// WAMP-Cryptosign authentication: the Ed25519 private seed, 64 hex digits.
    ClientOptions &cryptosign_seed_hex(std::string seed) { return set(cryptosign_seed_hex_, std::move(seed)); }
    /// The PEM file of the CA to trust for wss:// and rss:// (default: the system's roots).
    ClientOptions &tls_ca_file(std::string path) { return set(tls_ca_file_, std::move(path)); }
    /// The name to check the server's certificate against (default: the URL's host).
    ClientOptions &tls_server_name(std::string name) { return set(tls_server_name_, std::move(name)); }
    /// Reconnect (and rejoin) when the session is lost; on by default.
    ClientOptions &reconnect(bool on = true) noexcept {
        options_.reconnect = on;
        return *this;
    }
    /// The first and the longest wait between reconnection attempts (0: the library's default).
    ClientOptions &reconnect_delay(std::chrono::milliseconds initial, std::chrono::milliseconds max) noexcept {
        options_.reconnect_initial_ms = detail::millis(initial);
        options_.reconnect_max_ms = detail::millis(max);
        return *this;
    }
    /// At most this many reconnection attempts in a row (0: no limit).
    ClientOptions &reconnect_max_attempts(std::uint32_t attempts) noexcept {
        options_.reconnect_max_attempts = attempts;
        return *this;
    }
    ClientOptions &connect_timeout(std::chrono::milliseconds timeout) noexcept {
        options_.connect_timeout_ms = detail::millis(timeout);
        return *this;
    }
    /// The default timeout of a call (0: none).
    ClientOptions &call_timeout(std::chrono::milliseconds timeout) noexcept {
        options_.call_timeout_ms = detail::millis(timeout);
        return *this;
    }
    /// The timeout of subscribe, register, acknowledged publish and the like.
    ClientOptions &request_timeout(std::chrono::milliseconds timeout) noexcept {
        options_.request_timeout_ms = detail::millis(timeout);
        return *this;
    }
    /// The most bytes queued for sending; past it a request throws Error(ZW_ERR_QUEUE_FULL).
    ClientOptions &send_queue_limit(std::size_t bytes) noexcept {
        options_.send_queue_limit = bytes;
        return *this;
    }
    /// With a full send queue, wait up to this long for room before failing (0: fail at once).
    ClientOptions &send_block(std::chrono::milliseconds wait) noexcept {
        options_.send_block_ms = detail::millis(wait);
        return *this;
    }
    ClientOptions &max_message_size(std::size_t bytes) noexcept {
        options_.max_message_size = bytes;
        return *this;
    }
    /// Run callbacks only inside Client::dispatch() on the caller's thread (poll Client::fd()),
    /// not on the client's I/O thread.
    ClientOptions &caller_driven(bool on = true) noexcept {
        options_.caller_driven = on;
        return *this;
    }

    /// The C form, pointing into this object.
    zw_client_options c_options() const noexcept {
        zw_client_options options = options_;
        options.authid = detail::c_str_or_null(authid_);
        options.authrole = detail::c_str_or_null(authrole_);
        options.ticket = detail::c_str_or_null(ticket_);
        options.wampcra_secret = detail::c_str_or_null(wampcra_secret_);
        options.cryptosign_seed_hex = detail::c_str_or_null(cryptosign_seed_hex_);
        options.tls_ca_file = detail::c_str_or_null(tls_ca_file_);
        options.tls_server_name = detail::c_str_or_null(tls_server_name_);
        return options;
    }

private:
    ClientOptions &set(std::optional<std::string> &field, std::string value) {
        field = std::move(value);
        return *this;
    }
    zw_client_options options_;
    std::optional<std::string> authid_, authrole_, ticket_, wampcra_secret_, cryptosign_seed_hex_, tls_ca_file_,
        tls_server_name_;
};

/// The options of one call.
class CallOptions {
public:
    /// This call's timeout (default: the client's call_timeout).
    CallOptions &timeout(std::chrono::milliseconds timeout) noexcept {
        timeout_ms_ = detail::millis(timeout);
        return *this;
    }
    /// Ask the router to tell the callee who calls.
    CallOptions &disclose_me(bool on = true) noexcept {
        disclose_me_ = on;
        return *this;
    }

    /// The C form, without progressive results (Client::call_progressive adds them).
    zw_call_options c_options() const {
        zw_call_options options;
        detail::check(zw_call_options_init(&options));
        options.timeout_ms = timeout_ms_;
        options.disclose_me = disclose_me_;
        return options;
    }

private:
    std::uint32_t timeout_ms_ = 0;
    bool disclose_me_ = false;
};

/// The options of one publication; the session-id lists are copied.
class PublishOptions {
public:
    PublishOptions() { detail::check(zw_publish_options_init(&options_)); }
    /// Wait for the broker's answer: Client::publish then returns the publication id, and a
    /// refused publication throws WampError.
    PublishOptions &acknowledge(bool on = true) noexcept {
        options_.acknowledge = on;
        return *this;
    }
    /// Leave the publisher out even when it is subscribed (on by default, as the spec says).
    PublishOptions &exclude_me(bool on = true) noexcept {
        options_.exclude_me = on;
        return *this;
    }
    PublishOptions &disclose_me(bool on = true) noexcept {
        options_.disclose_me = on;
        return *this;
    }
    /// Sessions that must not receive the event.
    PublishOptions &exclude(std::vector<std::uint64_t> sessions) {
        exclude_ = std::move(sessions);
        return *this;
    }
    /// Only these sessions may receive the event.
    PublishOptions &eligible(std::vector<std::uint64_t> sessions) {
        eligible_ = std::move(sessions);
        return *this;
    }

    /// The C form, pointing into this object.
    zw_publish_options c_options() const noexcept {
        zw_publish_options options = options_;
        options.exclude = exclude_.empty() ? nullptr : exclude_.data();
        options.exclude_len = exclude_.size();
        options.eligible = eligible_.empty() ? nullptr : eligible_.data();
        options.eligible_len = eligible_.size();
        return options;
    }
    bool acknowledged() const noexcept { return options_.acknowledge; }

private:
    zw_publish_options options_;
    std::vector<std::uint64_t> exclude_, eligible_;
};

/// The options of a subscription.
class SubscribeOptions {
public:
    SubscribeOptions() { detail::check(zw_subscribe_options_init(&options_)); }
    SubscribeOptions &match(Match match) noexcept {
        options_.match = static_cast<std::uint32_t>(match);
        return *this;
    }
    const zw_subscribe_options &c_options() const noexcept { return options_; }

private:
    zw_subscribe_options options_;
};

/// The options of a registration (the interrupt handler is an argument of
/// Client::register_procedure).
class RegisterOptions {
public:
    RegisterOptions() { detail::check(zw_register_options_init(&options_)); }
    RegisterOptions &match(Match match) noexcept {
        options_.match = static_cast<std::uint32_t>(match);
        return *this;
    }
    /// Share the procedure with other callees, picked by this policy.
    RegisterOptions &invoke(Invoke policy) noexcept {
        options_.invoke = static_cast<std::uint32_t>(policy);
        return *this;
    }
    /// Ask the router to tell who calls.
    RegisterOptions &disclose_caller(bool on = true) noexcept {
        options_.disclose_caller = on;
        return *this;
    }
    const zw_register_options &c_options() const noexcept { return options_; }

private:
    zw_register_options options_;
};

/// Options of Client::serve_table: how the procedure is registered, and whether it serves key
/// ranges ([from, to] -> one progressive result per record, then [count]) instead of single keys.
class ServeOptions {
public:
    ServeOptions() { detail::check(zw_serve_options_init(&options_)); }
    ServeOptions &match(Match match) noexcept {
        options_.reg.match = static_cast<std::uint32_t>(match);
        return *this;
    }
    ServeOptions &invoke(Invoke policy) noexcept {
        options_.reg.invoke = static_cast<std::uint32_t>(policy);
        return *this;
    }
    /// Serve ranges, at most `max_range` records per call (0: the library's cap, 1000).
    ServeOptions &range(std::uint32_t max_range = 0) noexcept {
        options_.range = true;
        options_.max_range = max_range;
        return *this;
    }
    const zw_serve_options &c_options() const noexcept { return options_; }

private:
    zw_serve_options options_;
};

/// A WAMP router running in this process (zw_router): its listeners accept WebSocket and
/// RawSocket clients. Destroying it (or close()) stops it gracefully: every session gets GOODBYE.
class Router {
public:
    Router() noexcept = default;

    /// The command line's defaults, with no listener yet: add them with listen().
    static Router start() { return begin(nullptr, nullptr); }
    /// A router configured by TOML text (the `zerowamp router` configuration format); errors name
    /// the line and field.
    static Router from_config(const std::string &toml) { return begin(toml.c_str(), nullptr); }
    /// A router configured by the TOML file at `path`.
    static Router from_file(const std::string &path) { return begin(nullptr, path.c_str()); }

    /// Listens on `url` (e.g. "ws://127.0.0.1:8080/ws", "rs://127.0.0.1:0") and returns the URL
    /// it bound — with the port the system picked for port 0.
    std::string listen(const std::string &url) {
        const char *bound = nullptr;
        detail::check(zw_router_listen(router_.get(), url.c_str(), &bound));
        return bound ? std::string(bound) : url;
    }
    /// Stops now (the destructor does it otherwise).
    void close() noexcept { router_.reset(); }

    zw_router *c_handle() const noexcept { return router_.get(); }
    explicit operator bool() const noexcept { return router_ != nullptr; }

private:
    static Router begin(const char *toml, const char *path) {
        detail::ensure_abi();
        zw_router *router = nullptr;
        detail::check(zw_router_start(toml, path, &router));
        return Router(router);
    }
    explicit Router(zw_router *router) noexcept : router_(router) {}
    std::unique_ptr<zw_router, detail::Free<zw_router_free>> router_;
};

#if ZEROWAMP_CHECK_VIEWS
inline namespace checked_views {
#else
inline namespace unchecked_views {
#endif

// --- WAMP: payloads and messages ----------------------------------------------------------------

/// What a call, a publication or an answer carries. A record or binary Payload borrows its bytes
/// (and its pin) until the call that takes it returns; a JSON Payload holds its text.
class Payload {
public:
    /// No arguments.
    Payload() noexcept = default;

    /// A FlatBuffers record, sent in Payload Passthru Mode: `bytes` from `txn` (a get() or a
    /// cursor of it). The transaction's snapshot is pinned until the bytes are written, so they go
    /// out without a copy and `txn` may end as soon as the call taking this Payload returns.
    static Payload record(View bytes, const ReadTxn &txn) noexcept { return Payload(ZW_PAYLOAD_RECORD, bytes, &txn); }
    /// A FlatBuffers record from anywhere: copied once before the call taking it returns.
    static Payload record(View bytes) noexcept { return Payload(ZW_PAYLOAD_RECORD, bytes, nullptr); }
    /// One binary positional argument (args = [bytes]), pinned in `txn` as record() does.
    static Payload binary(View bytes, const ReadTxn &txn) noexcept { return Payload(ZW_PAYLOAD_BINARY, bytes, &txn); }
    /// One binary positional argument, copied once before the call taking it returns.
    static Payload binary(View bytes) noexcept { return Payload(ZW_PAYLOAD_BINARY, bytes, nullptr); }
    // A Payload keeps a pointer to its transaction: not to a temporary one.
    static Payload record(View, const ReadTxn &&) = delete;
    static Payload binary(View, const ReadTxn &&) = delete;
    /// Arguments as JSON text: `args_json` an array, `kwargs_json` an object; an empty string
    /// leaves that part out. Invalid JSON makes the call taking it throw
    /// Error(ZW_ERR_INVALID_ARGUMENT). There is no binary in JSON text: use binary().
    static Payload json(std::string args_json, std::string kwargs_json = std::string()) {
        Payload payload;
        payload.kind_ = ZW_PAYLOAD_JSON;
        payload.args_json_ = std::move(args_json);
        payload.kwargs_json_ = std::move(kwargs_json);
        return payload;
    }

    PayloadKind kind() const noexcept { return static_cast<PayloadKind>(kind_); }

    /// The C form, pointing into this Payload (and at the bytes it borrows).
    zw_payload c_payload() const noexcept {
        zw_payload payload{};
        payload.kind = kind_;
        if (kind_ == ZW_PAYLOAD_RECORD || kind_ == ZW_PAYLOAD_BINARY) payload.data = bytes_.c_slice();
        payload.pin = pin_ ? pin_->c_handle() : nullptr;
        if (kind_ == ZW_PAYLOAD_JSON) {
            payload.args_json = args_json_.empty() ? nullptr : args_json_.c_str();
            payload.kwargs_json = kwargs_json_.empty() ? nullptr : kwargs_json_.c_str();
        }
        return payload;
    }

private:
    Payload(std::uint32_t kind, View bytes, const ReadTxn *pin) noexcept : kind_(kind), bytes_(bytes), pin_(pin) {}

    std::uint32_t kind_ = ZW_PAYLOAD_NONE;
    View bytes_;
    const ReadTxn *pin_ = nullptr;
    std::string args_json_, kwargs_json_;
};

/// A received RESULT, EVENT, INVOCATION or ERROR, borrowed (zw_message). Copies are cheap and
/// borrow the same message. In a callback it is valid until the callback returns; from a Message,
/// while that Message lives; from an Invocation, until it is answered. So are the Views and
/// string_views it gives. Under ZEROWAMP_CHECK_VIEWS, touching it or its Views later aborts with a
/// message (string_views are not checked).
class MessageView {
public:
    /// The WAMP name of the passthru scheme and serializer of a record.
    struct Passthru {
        std::string_view scheme;
        std::optional<std::string_view> serializer;
    };

    /// What the message carries: record (passthru), binary (args == [bytes]), json or none.
    PayloadKind kind() const noexcept { return static_cast<PayloadKind>(zw_message_payload_kind(message())); }
    /// The bytes of a record or binary message, inside the received frame (no copy); std::nullopt
    /// for the other kinds.
    std::optional<View> binary() const {
        zw_slice bytes{nullptr, 0};
        zw_result rc = zw_message_binary(message(), &bytes);
        if (rc == ZW_NOT_FOUND) return std::nullopt;
        detail::check(rc);
        return borrowed(bytes);
    }
    /// The positional arguments as a JSON array ("[]" if none); binary values render as
    /// {"$bytes":"<base64>"}.
    std::string_view args_json() const { return text(zw_message_args_json); }
    /// The keyword arguments as a JSON object ("{}" if none).
    std::string_view kwargs_json() const { return text(zw_message_kwargs_json); }
    /// The message's details (options) as a JSON object.
    std::string_view details_json() const { return text(zw_message_details_json); }
    /// The error URI of an ERROR; std::nullopt for the other messages.
    std::optional<std::string_view> error_uri() const {
        const char *uri = nullptr;
        zw_result rc = zw_message_error_uri(message(), &uri);
        if (rc == ZW_NOT_FOUND) return std::nullopt;
        detail::check(rc);
        return std::string_view(uri);
    }
    /// The passthru scheme and serializer of a record; std::nullopt when the message is not one.
    std::optional<Passthru> passthru() const {
        const char *scheme = nullptr, *serializer = nullptr;
        zw_result rc = zw_message_passthru(message(), &scheme, &serializer);
        if (rc == ZW_NOT_FOUND) return std::nullopt;
        detail::check(rc);
        Passthru out{scheme, std::nullopt};
        if (serializer) out.serializer = std::string_view(serializer);
        return out;
    }
    /// The call's request id, the publication id, or the invocation id.
    std::uint64_t request_id() const noexcept { return zw_message_request_id(message()); }

    const zw_message *c_handle() const noexcept { return message(); }

protected:
    MessageView() noexcept = default;
#if ZEROWAMP_CHECK_VIEWS
    MessageView(const zw_message *message, std::shared_ptr<detail::Epoch> epoch) noexcept
        : message_(message), epoch_(std::move(epoch)),
          generation_(epoch_ ? epoch_->value.load(std::memory_order_relaxed) : 0) {}
    /// Marks this message, its copies and its Views as dead.
    void expire() noexcept {
        if (epoch_) epoch_->value.fetch_add(1, std::memory_order_relaxed);
    }
    const zw_message *message() const noexcept {
        if (epoch_ && epoch_->value.load(std::memory_order_relaxed) != generation_) {
            std::fputs("zerowamp: a received message (or a View of it) was used after its callback returned, "
                       "its Message was destroyed, or its Invocation was answered (see \"WAMP\" in zerowamp.hpp)\n",
                       stderr);
            std::abort();
        }
        return message_;
    }
    View borrowed(zw_slice slice) const noexcept { return View(slice, epoch_); }

    const zw_message *message_ = nullptr;
    std::shared_ptr<detail::Epoch> epoch_;
    std::uint64_t generation_ = 0;
#else
    MessageView(const zw_message *message, std::shared_ptr<detail::Epoch>) noexcept : message_(message) {}
    void expire() noexcept {}
    const zw_message *message() const noexcept { return message_; }
    View borrowed(zw_slice slice) const noexcept { return View(slice.data, slice.len); }

    const zw_message *message_ = nullptr;
#endif

    /// A fresh generation counter for a message's lifetime (none without checks).
    static std::shared_ptr<detail::Epoch> new_epoch() {
#if ZEROWAMP_CHECK_VIEWS
        return std::make_shared<detail::Epoch>();
#else
        return nullptr;
#endif
    }

private:
    friend class Client;
    friend class Invocation;

    std::string_view text(zw_result (*get)(const zw_message *, const char **)) const {
        const char *out = nullptr;
        detail::check(get(message(), &out));
        return std::string_view(out);
    }

    /// A message lent to a callback: its view expires when the callback returns.
    class Lent;
};

class MessageView::Lent {
public:
    explicit Lent(const zw_message *message) : view_(message, new_epoch()) {}
    ~Lent() { view_.expire(); }
    Lent(const Lent &) = delete;
    Lent &operator=(const Lent &) = delete;
    const MessageView &view() const noexcept { return view_; }

private:
    MessageView view_;
};

/// An owned message (zw_message): the blocking Client::call's RESULT. Move-only; its
/// MessageView (it is one) and the Views it gives live as long as it does.
class Message : public MessageView {
public:
    Message() noexcept = default;
    Message(Message &&other) noexcept : MessageView(std::move(other)) { other.message_ = nullptr; }
    Message &operator=(Message &&other) noexcept {
        if (this != &other) {
            release();
            MessageView::operator=(std::move(other));
            other.message_ = nullptr;
        }
        return *this;
    }
    Message(const Message &) = delete;
    Message &operator=(const Message &) = delete;
    ~Message() { release(); }

    explicit operator bool() const noexcept { return message_ != nullptr; }

private:
    friend class Client;
    explicit Message(zw_message *message) : MessageView(message, new_epoch()) {}
    void release() noexcept {
        if (!message_) return;
        expire();
        zw_message_free(const_cast<zw_message *>(message_));
        message_ = nullptr;
    }
};

/// The WampError an ERROR message stands for (its URI and arguments copied).
inline WampError to_wamp_error(const MessageView &error) {
    std::optional<std::string_view> uri = error.error_uri();
    return WampError(std::string(uri ? *uri : std::string_view("wamp.error.runtime_error")),
                     std::string(error.args_json()), std::string(error.kwargs_json()));
}

/// What a call_async or call_progressive callback gets: a RESULT (or a progressive one), a
/// WAMP ERROR, or another failure (timeout, cancel, session lost...). Borrowed, valid during the
/// callback.
class CallResult {
public:
    zw_result status() const noexcept { return status_; }
    bool ok() const noexcept { return status_ == ZW_OK; }
    explicit operator bool() const noexcept { return ok(); }
    /// The RESULT when ok(), the ERROR when status() is ZW_ERR_WAMP; std::nullopt otherwise.
    const std::optional<MessageView> &message() const noexcept { return message_; }
    /// The RESULT; when the call failed, throws its error instead (see rethrow()).
    const MessageView &value() const {
        if (!ok() || !message_) rethrow();
        return *message_;
    }
    /// Throws the failure: WampError for a WAMP ERROR, Error with the code and the library's
    /// message for the rest (ZW_ERR_TIMEOUT and ZW_ERR_CANCELED for wamp.error.timeout and
    /// wamp.error.canceled). Does nothing when ok().
    void rethrow() const {
        if (ok()) return;
        if (status_ == ZW_ERR_WAMP && message_) throw to_wamp_error(*message_);
        std::string text = error_text_.empty() ? std::string(zw_strerror(status_)) : error_text_;
        if (status_ == ZW_ERR_WAMP) throw WampError::from_detail(text);
        throw Error(status_, text);
    }

private:
    friend class Client;
    CallResult(zw_result status, const MessageView *message)
        : status_(status), message_(message ? std::optional<MessageView>(*message) : std::nullopt),
          error_text_(status == ZW_OK || status == ZW_ERR_WAMP ? std::string() : detail::last_error_message()) {}

    zw_result status_;
    std::optional<MessageView> message_;
    std::string error_text_;
};

// --- WAMP: handles ------------------------------------------------------------------------------

/// A call in flight (zw_call_handle), from call_async or call_progressive: it can be canceled.
/// Dropping the handle does not cancel the call.
class Call {
public:
    Call() noexcept = default;
    /// Asks the router to cancel the call; the result callback then gets ZW_ERR_CANCELED (or the
    /// callee's answer, if it came first).
    void cancel(CancelMode mode = CancelMode::kill) {
        detail::check(zw_call_cancel(call_.get(), static_cast<std::uint32_t>(mode)));
    }
    zw_call_handle *c_handle() const noexcept { return call_.get(); }
    explicit operator bool() const noexcept { return call_ != nullptr; }

private:
    friend class Client;
    explicit Call(zw_call_handle *call) noexcept : call_(call) {}
    std::unique_ptr<zw_call_handle, detail::Free<zw_call_free>> call_;
};

/// A subscription (zw_subscription). Dropping the handle does NOT unsubscribe: events keep
/// coming until unsubscribe() or until the client leaves or is destroyed.
class Subscription {
public:
    Subscription() noexcept = default;
    /// Unsubscribes (blocking). The callback is destroyed once no more events can come.
    void unsubscribe() { detail::check(zw_subscription_unsubscribe(subscription_.get())); }
    zw_subscription *c_handle() const noexcept { return subscription_.get(); }
    explicit operator bool() const noexcept { return subscription_ != nullptr; }

private:
    friend class Client;
    explicit Subscription(zw_subscription *subscription) noexcept : subscription_(subscription) {}
    std::unique_ptr<zw_subscription, detail::Free<zw_subscription_free>> subscription_;
};

/// A registered procedure (zw_registration). Dropping the handle does NOT unregister: the
/// procedure is served until unregister() or until the client leaves or is destroyed.
class Registration {
public:
    Registration() noexcept = default;
    /// Unregisters (blocking). The callbacks are destroyed once no more invocations can come.
    void unregister() { detail::check(zw_registration_unregister(registration_.get())); }
    zw_registration *c_handle() const noexcept { return registration_.get(); }
    explicit operator bool() const noexcept { return registration_ != nullptr; }

private:
    friend class Client;
    explicit Registration(zw_registration *registration) noexcept : registration_(registration) {}
    std::unique_ptr<zw_registration, detail::Free<zw_registration_free>> registration_;
};

/// A running change feed (zw_change_feed, from Client::publish_changes): every committed put,
/// delete and truncate of its table goes out as an event. Destroying it stops the feed.
class ChangeFeed {
public:
    ChangeFeed() noexcept = default;
    zw_change_feed *c_handle() const noexcept { return feed_.get(); }
    explicit operator bool() const noexcept { return feed_ != nullptr; }

private:
    friend class Client;
    explicit ChangeFeed(zw_change_feed *feed) noexcept : feed_(feed) {}
    std::unique_ptr<zw_change_feed, detail::Free<zw_change_feed_free>> feed_;
};

/// A call to one of our procedures (zw_invocation), owned: answer it once — yield() or error() —
/// from any thread, at any time; progress() as often as the caller wants_progress(). Move-only;
/// destroying it unanswered answers wamp.error.runtime_error. Answering after the session ended
/// throws Error(ZW_ERR_INVOCATION_GONE).
class Invocation {
public:
    Invocation() noexcept = default;
    Invocation(Invocation &&) noexcept = default;
    Invocation &operator=(Invocation &&other) noexcept {
        if (this != &other) {
            finish();
            invocation_ = std::move(other.invocation_);
            epoch_ = std::move(other.epoch_);
        }
        return *this;
    }
    ~Invocation() { finish(); }

    /// The INVOCATION: arguments, details. Valid until this Invocation is answered or destroyed.
    MessageView message() const noexcept { return MessageView(zw_invocation_message(invocation_.get()), epoch_); }
    std::uint64_t id() const noexcept { return zw_invocation_id(invocation_.get()); }
    /// The caller asked for progressive results.
    bool wants_progress() const noexcept { return zw_invocation_wants_progress(invocation_.get()); }
    /// The caller canceled the call (kill or killnowait): stop and answer.
    bool is_interrupted() const noexcept { return zw_invocation_is_interrupted(invocation_.get()); }

    /// Sends a progressive result; the invocation stays open.
    void progress(const Payload &payload) {
        zw_payload c_payload = payload.c_payload();
        detail::check(zw_invocation_progress(invocation_.get(), &c_payload));
    }
    /// Answers with the final result. The invocation is answered afterwards, also when this throws.
    void yield(const Payload &payload = Payload()) {
        zw_payload c_payload = payload.c_payload();
        detail::check(zw_invocation_yield(consume(), &c_payload));
    }
    /// Answers with an ERROR `uri` (e.g. "app.error.not_found"). An ERROR carries no record:
    /// send its bytes as Payload::binary (a record payload throws Error(ZW_ERR_INVALID_ARGUMENT)).
    /// The invocation is answered afterwards, also when this throws.
    void error(const std::string &uri, const Payload &payload = Payload()) {
        zw_payload c_payload = payload.c_payload();
        detail::check(zw_invocation_error(consume(), uri.c_str(), &c_payload));
    }

    /// Still to be answered.
    explicit operator bool() const noexcept { return invocation_ != nullptr; }
    zw_invocation *c_handle() const noexcept { return invocation_.get(); }

private:
    friend class Client;
    explicit Invocation(zw_invocation *invocation) : invocation_(invocation), epoch_(MessageView::new_epoch()) {}

    zw_invocation *consume() noexcept {
        if (epoch_) epoch_->value.fetch_add(1, std::memory_order_relaxed);
        return invocation_.release();
    }
    void finish() noexcept { zw_invocation_free(consume()); }

    std::unique_ptr<zw_invocation, detail::Free<zw_invocation_free>> invocation_;
    std::shared_ptr<detail::Epoch> epoch_;
};

// --- WAMP: the client ---------------------------------------------------------------------------

/// A WAMP session (zw_client): joins a realm on a router and reconnects when the connection
/// drops. Thread-safe: any number of threads may call, publish, subscribe and register through one
/// Client at once. Destroying it leaves the realm, stops its I/O and destroys every callback it
/// still holds before returning (callbacks still queued do not run); destroy it on a thread that
/// is not running one of its callbacks, or the rest of that happens once the callback returns.
/// Its Call, Subscription and Registration handles may outlive it: their calls then throw
/// Error(ZW_ERR_CLOSED). An Invocation may outlive it too (answering it then throws
/// Error(ZW_ERR_INVOCATION_GONE)).
class Client {
public:
    Client() noexcept = default;

    /// Connects to `url` (ws://, wss://, rs://, rss://) and joins `realm`; blocks until joined.
    /// Failing to connect or join throws Error(ZW_ERR_CONNECT) with the reason.
    static Client connect(const std::string &url, const std::string &realm,
                          const ClientOptions &options = ClientOptions()) {
        zw_client_options c_options = options.c_options();
        zw_client *client = nullptr;
        detail::check(zw_client_connect(url.c_str(), realm.c_str(), &c_options, &client));
        return Client(client);
    }

    /// Leaves the realm (GOODBYE; blocking). Requests afterwards throw Error(ZW_ERR_CLOSED).
    void leave() { detail::check(zw_client_leave(client_.get())); }
    /// The session id; Error(ZW_ERR_NOT_CONNECTED) while not joined (reconnecting).
    std::uint64_t session_id() const {
        std::uint64_t id = 0;
        detail::check(zw_client_session_id(client_.get(), &id));
        return id;
    }
    zw_clientstats stats() const {
        zw_clientstats out;
        detail::check(zw_client_stats(client_.get(), &out));
        return out;
    }

    /// Caller-driven clients only: a file descriptor that polls readable when callbacks are due.
    int fd() const {
        int out = -1;
        detail::check(zw_client_fd(client_.get(), &out));
        return out;
    }
    /// Caller-driven clients only: runs up to `max` due callbacks on this thread; returns how many.
    std::size_t dispatch(std::size_t max = std::numeric_limits<std::size_t>::max()) {
        std::size_t ran = 0;
        detail::check(zw_client_dispatch(client_.get(), max, &ran));
        return ran;
    }

    /// Calls `procedure` and waits for its RESULT. A WAMP ERROR throws WampError; a timeout,
    /// a lost session and the like throw Error.
    Message call(const std::string &procedure, const Payload &payload = Payload(),
                 const CallOptions &options = CallOptions()) const {
        zw_payload c_payload = payload.c_payload();
        zw_call_options c_options = options.c_options();
        zw_message *out = nullptr;
        zw_result rc = zw_call_wait(client_.get(), procedure.c_str(), &c_payload, &c_options, &out);
        if (rc == ZW_ERR_WAMP && out) {
            Message error(out);
            throw to_wamp_error(error);
        }
        detail::check(rc);
        return Message(out);
    }

    /// Calls `procedure` without waiting: `on_result(const CallResult &)` runs once, with the
    /// RESULT or the failure.
    template <class F>
    Call call_async(const std::string &procedure, const Payload &payload, F on_result,
                    const CallOptions &options = CallOptions()) const {
        return start_call(procedure, payload, options, std::move(on_result), NoProgress{});
    }
    /// Calls `procedure` asking for progressive results: `on_progress(const CallResult &)` runs for
    /// each, then `on_result(const CallResult &)` once with the final RESULT or the failure. The
    /// two callables are destroyed together, after the last of them ran.
    template <class F, class P>
    Call call_progressive(const std::string &procedure, const Payload &payload, F on_result, P on_progress,
                          const CallOptions &options = CallOptions()) const {
        static_assert(std::is_invocable_v<P &, const CallResult &>,
                      "on_progress must be callable as on_progress(const zerowamp::CallResult &)");
        return start_call(procedure, payload, options, std::move(on_result), std::move(on_progress));
    }

    /// Publishes to `topic`. With PublishOptions::acknowledge() it waits for the broker and returns
    /// the publication id (a refusal throws WampError); otherwise std::nullopt once queued.
    std::optional<std::uint64_t> publish(const std::string &topic, const Payload &payload = Payload(),
                                         const PublishOptions &options = PublishOptions()) const {
        zw_payload c_payload = payload.c_payload();
        zw_publish_options c_options = options.c_options();
        std::uint64_t id = 0;
        detail::check(zw_publish(client_.get(), topic.c_str(), &c_payload, &c_options, &id));
        if (!options.acknowledged()) return std::nullopt;
        return id;
    }

    /// Subscribes to `topic` (blocking until the broker answers): `on_event(const MessageView &)`
    /// runs for every EVENT.
    template <class F>
    Subscription subscribe(const std::string &topic, F on_event,
                           const SubscribeOptions &options = SubscribeOptions()) const {
        static_assert(std::is_invocable_v<F &, const MessageView &>,
                      "on_event must be callable as on_event(const zerowamp::MessageView &)");
        auto box = std::make_unique<F>(std::move(on_event));
        zw_subscription *subscription = nullptr;
        detail::check(zw_subscribe(client_.get(), topic.c_str(), &options.c_options(), &Client::event<F>,
                                   box.release(), &detail::finalize<F>, &subscription));
        return Subscription(subscription);
    }

    /// Registers `procedure` (blocking until the dealer answers): `on_invocation(Invocation &&)`
    /// (or taking it by value) runs for every call, and answers it then or later, from any thread.
    template <class F>
    Registration register_procedure(const std::string &procedure, F on_invocation,
                                    const RegisterOptions &options = RegisterOptions()) const {
        return start_registration(procedure, options, std::move(on_invocation), NoInterrupt{});
    }
    /// The same, with `on_interrupt(std::uint64_t invocation_id, std::string_view mode)` told when a
    /// caller cancels an invocation ("kill" or "killnowait").
    template <class F, class I>
    Registration register_procedure(const std::string &procedure, F on_invocation, I on_interrupt,
                                    const RegisterOptions &options = RegisterOptions()) const {
        static_assert(std::is_invocable_v<I &, std::uint64_t, std::string_view>,
                      "on_interrupt must be callable as on_interrupt(std::uint64_t, std::string_view)");
        return start_registration(procedure, options, std::move(on_invocation), std::move(on_interrupt));
    }

    /// Serves `table` as `procedure` (blocking until the dealer answers): each call's first
    /// argument is a key (by the table's key codec), answered with the record straight from a read
    /// snapshot as a passthru payload — no code of ours in the path, no copy of the record. A
    /// missing key answers zerowamp.error.not_found. The table need not outlive the call.
    Registration serve_table(const Table &table, const std::string &procedure,
                             const ServeOptions &options = ServeOptions()) const {
        zw_registration *registration = nullptr;
        detail::check(zw_serve_table(client_.get(), table.c_handle(), procedure.c_str(), &options.c_options(),
                                     &registration));
        return Registration(registration);
    }

    /// Publishes every committed change of `table` (made in this process) to `topic`: a put as the
    /// record (passthru), a delete as [key bytes] with {"deleted": true}. Runs until the feed is
    /// destroyed (or the client is).
    ChangeFeed publish_changes(const Table &table, const std::string &topic) const {
        zw_change_feed *feed = nullptr;
        detail::check(zw_table_publish_changes(table.c_handle(), client_.get(), topic.c_str(), &feed));
        return ChangeFeed(feed);
    }

    zw_client *c_handle() const noexcept { return client_.get(); }
    explicit operator bool() const noexcept { return client_ != nullptr; }

private:
    explicit Client(zw_client *client) noexcept : client_(client) {}

    struct NoProgress {
        void operator()(const CallResult &) const noexcept {}
    };
    struct NoInterrupt {
        void operator()(std::uint64_t, std::string_view) const noexcept {}
    };
    template <class F, class P> struct CallBox {
        F on_result;
        P on_progress;
    };
    template <class F, class I> struct RegisterBox {
        F on_invocation;
        I on_interrupt;
    };

    template <class F, class P>
    Call start_call(const std::string &procedure, const Payload &payload, const CallOptions &options, F on_result,
                    P on_progress) const {
        static_assert(std::is_invocable_v<F &, const CallResult &>,
                      "on_result must be callable as on_result(const zerowamp::CallResult &)");
        using Box = CallBox<F, P>;
        zw_payload c_payload = payload.c_payload();
        zw_call_options c_options = options.c_options();
        if constexpr (!std::is_same_v<P, NoProgress>) {
            c_options.receive_progress = true;
            c_options.on_progress = &Client::call_progress<Box>;
        }
        auto box = std::make_unique<Box>(Box{std::move(on_result), std::move(on_progress)});
        zw_call_handle *call = nullptr;
        // From here the library owns the box: it frees it exactly once, also when zw_call fails.
        detail::check(zw_call(client_.get(), procedure.c_str(), &c_payload, &c_options, &Client::call_result<Box>,
                              box.release(), &detail::finalize<Box>, &call));
        return Call(call);
    }

    template <class F, class I>
    Registration start_registration(const std::string &procedure, const RegisterOptions &options, F on_invocation,
                                    I on_interrupt) const {
        static_assert(std::is_invocable_v<F &, Invocation &&>,
                      "on_invocation must be callable as on_invocation(zerowamp::Invocation &&)");
        using Box = RegisterBox<F, I>;
        zw_register_options c_options = options.c_options();
        if constexpr (!std::is_same_v<I, NoInterrupt>) c_options.on_interrupt = &Client::interrupt<Box>;
        auto box = std::make_unique<Box>(Box{std::move(on_invocation), std::move(on_interrupt)});
        zw_registration *registration = nullptr;
        detail::check(zw_register(client_.get(), procedure.c_str(), &c_options, &Client::invocation<Box>,
                                  box.release(), &detail::finalize<Box>, &registration));
        return Registration(registration);
    }

    // The trampolines: C calls these; nothing thrown gets past them.

    template <class F> static void deliver(F &callback, zw_result status, const zw_message *message,
                                           const char *what) noexcept {
        try {
            std::optional<MessageView::Lent> lent;
            if (message) lent.emplace(message);
            const CallResult result(status, lent ? &lent->view() : nullptr);
            callback(result);
        } catch (...) {
            detail::report_callback_exception(what);
        }
    }
    template <class Box> static void call_result(void *userdata, zw_result status, const zw_message *message) noexcept {
        deliver(static_cast<Box *>(userdata)->on_result, status, message, "a call's result callback");
    }
    template <class Box>
    static void call_progress(void *userdata, zw_result status, const zw_message *message) noexcept {
        deliver(static_cast<Box *>(userdata)->on_progress, status, message, "a call's progress callback");
    }
    template <class F> static void event(void *userdata, const zw_message *event) noexcept {
        try {
            MessageView::Lent lent(event);
            (*static_cast<F *>(userdata))(lent.view());
        } catch (...) {
            detail::report_callback_exception("an event callback");
        }
    }
    template <class Box> static void invocation(void *userdata, zw_invocation *handle) noexcept {
        try {
            Invocation invocation(handle);
            try {
                static_cast<Box *>(userdata)->on_invocation(std::move(invocation));
            } catch (...) {
                detail::report_callback_exception("an invocation callback");
                // Still ours (the callback took it by reference): the caller learns why.
                if (invocation)
                    invocation.error("wamp.error.runtime_error",
                                     Payload::json("[" + detail::json_string(detail::current_exception_text()) + "]"));
            }
        } catch (...) {
            detail::report_callback_exception("answering an invocation");
        }
    }
    template <class Box>
    static void interrupt(void *userdata, std::uint64_t invocation_id, const char *mode) noexcept {
        try {
            static_cast<Box *>(userdata)->on_interrupt(invocation_id, std::string_view(mode ? mode : ""));
        } catch (...) {
            detail::report_callback_exception("an interrupt callback");
        }
    }

    std::unique_ptr<zw_client, detail::Free<zw_client_free>> client_;
};

} // inline namespace checked_views / unchecked_views
} // namespace zerowamp

#endif // ZEROWAMP_HPP
