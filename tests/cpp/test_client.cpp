// Exercises the WAMP classes of zerowamp.hpp against a Router embedded in the test: RPC (blocking,
// async, progressive, canceled), errors as exceptions with their URI, PubSub, invocations answered
// from other threads, records sent straight out of a read transaction, caller-driven dispatch, and
// the lifetime of every callable handed to the library (each destroyed exactly once). Run under
// valgrind by `make test-cpp`: no error, no leak.
//
// Usage: test_client SCHEMA.bfbs SCRATCH_DIR
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "record_generated.h"
#include "zerowamp.hpp"

namespace zw = zerowamp;
namespace sample = zerowamp::sample;
using namespace std::chrono_literals;

namespace {

// Under valgrind everything is ~50 times slower: waits are generous, and only fail the test when
// what they wait for never happens.
constexpr auto kPatience = 20s;

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

/// Polls `done` until it holds or kPatience passed; says whether it held.
template <class P> bool eventually(P done) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

/// Counts the callables handed to the library: every Tracker that is not moved from must be
/// destroyed exactly once. A copy is a new one to destroy.
struct Tracker {
    static inline std::atomic<int> made{0};
    static inline std::atomic<int> destroyed{0};

    Tracker() noexcept { made++; }
    Tracker(const Tracker &other) noexcept : live(other.live) {
        if (live) made++;
    }
    Tracker(Tracker &&other) noexcept : live(other.live) { other.live = false; }
    Tracker &operator=(const Tracker &) = delete;
    Tracker &operator=(Tracker &&) = delete;
    ~Tracker() {
        if (live) destroyed++;
    }
    static int alive() noexcept { return made.load() - destroyed.load(); }

    bool live = true;
};

/// The sample record for `id`, with a payload of `payload_size` bytes.
std::vector<std::uint8_t> make_record(std::uint64_t id, std::size_t payload_size) {
    flatbuffers::FlatBufferBuilder fbb(payload_size + 256);
    std::vector<std::uint8_t> payload(payload_size);
    for (std::size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<std::uint8_t>(id * 31 + i);
    std::string name = "user-" + std::to_string(id);
    std::string email = name + "@example.com";
    sample::FinishRecordBuffer(fbb, sample::CreateRecordDirect(fbb, id, 1700000000000000000ull + id,
                                                               static_cast<double>(id) / 4.0, (id & 1) != 0,
                                                               name.c_str(), email.c_str(), &payload));
    return std::vector<std::uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

/// A received record verifies (alignment check off: a frame promises no alignment) and is `id`'s.
bool is_record(zw::View bytes, std::uint64_t id, std::size_t payload_size) {
    flatbuffers::Verifier::Options options;
    options.check_alignment = false;
    flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
    if (!sample::VerifyRecordBuffer(verifier)) return false;
    const sample::Record *record = sample::GetRecord(bytes.data());
    if (record->id() != id || !record->name() || record->name()->str() != "user-" + std::to_string(id)) return false;
    const flatbuffers::Vector<std::uint8_t> *payload = record->payload();
    if (!payload || payload->size() != payload_size) return false;
    for (flatbuffers::uoffset_t i = 0; i < payload->size(); i++) {
        if (payload->Get(i) != static_cast<std::uint8_t>(id * 31 + i)) return false;
    }
    return true;
}

/// The two integers of a JSON array "[a, b]".
bool two_ints(std::string_view json, long long &a, long long &b) {
    std::string text(json);
    return std::sscanf(text.c_str(), " [ %lld , %lld ]", &a, &b) == 2;
}

/// A value one thread sets and another waits for.
template <class T> class Slot {
public:
    void set(T value) {
        std::lock_guard<std::mutex> lock(mutex_);
        value_ = std::move(value);
        ready_.notify_all();
    }
    /// Takes the value once it is set (std::nullopt after kPatience).
    std::optional<T> wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait_for(lock, kPatience, [&] { return value_.has_value(); });
        std::optional<T> taken = std::move(value_);
        value_.reset(); // a second wait waits for a second set
        return taken;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::optional<T> value_;
};

/// Threads started by invocation handlers, joined at the end of a test.
class Workers {
public:
    template <class F> void spawn(F work) {
        std::lock_guard<std::mutex> lock(mutex_);
        threads_.emplace_back(std::move(work));
    }
    void join() {
        std::vector<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            threads.swap(threads_);
        }
        for (std::thread &thread : threads) thread.join();
    }
    ~Workers() { join(); }

private:
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

zw::ClientOptions quick() {
    return zw::ClientOptions().connect_timeout(10s).call_timeout(30s).request_timeout(30s);
}

void test_router_and_connect(const std::string &url) {
    CHECK(url.rfind("rs://127.0.0.1:", 0) == 0 && url != "rs://127.0.0.1:0");
    zw::Client client = zw::Client::connect(url, "realm1", quick());
    CHECK(client.session_id() != 0);
    client.leave();
    CHECK_THROWS(client.call("test.nothing"), ZW_ERR_CLOSED);

    // Nobody listens on port 1: the error says so, no reconnecting forever.
    CHECK_THROWS(zw::Client::connect("rs://127.0.0.1:1", "realm1", quick().reconnect(false).connect_timeout(2s)),
                 ZW_ERR_CONNECT);
    CHECK_THROWS(zw::Router::from_config("this is = not [toml"), ZW_ERR_INVALID_ARGUMENT);

    zw::Client moved_from;
    CHECK(!moved_from);
    CHECK_THROWS(moved_from.call("test.nothing"), ZW_ERR_NULL_ARGUMENT);
}

/// A router from a config file that refuses anonymous sessions: the ClientOptions credentials.
void test_auth(const std::string &scratch) {
    const std::string path = scratch + "/router.toml";
    std::ofstream(path) << R"(
[[realms]]
name = "private"

[[realms.roles]]
name = "user"
permissions = [{ uri = "", match = "prefix", call = true, register = true, publish = true, subscribe = true }]

[[realms.principals]]
authid = "alice"
authrole = "user"
ticket = "alice-ticket"

[[realms.principals]]
authid = "bob"
authrole = "user"
wampcra = { secret = "bob-secret" }
)";
    zw::Router router = zw::Router::from_file(path);
    const std::string url = router.listen("rs://127.0.0.1:0");
    zw::Client alice = zw::Client::connect(url, "private", quick().authid("alice").ticket("alice-ticket"));
    zw::Client bob = zw::Client::connect(url, "private", quick().authid("bob").wampcra_secret("bob-secret"));
    CHECK(alice.session_id() != bob.session_id());
    zw::Registration hello = bob.register_procedure("private.hello", [](zw::Invocation &&inv) {
        inv.yield(zw::Payload::json("[\"hello\"]"));
    });
    CHECK(alice.call("private.hello").args_json() == "[\"hello\"]");

    const zw::ClientOptions once = quick().reconnect(false);
    CHECK_THROWS(zw::Client::connect(url, "private", zw::ClientOptions(once).authid("alice").ticket("wrong")),
                 ZW_ERR_CONNECT);
    CHECK_THROWS(zw::Client::connect(url, "private", once), ZW_ERR_CONNECT);
    CHECK_THROWS(zw::Client::connect(url, "realm1", zw::ClientOptions(once).authid("alice").ticket("alice-ticket")),
                 ZW_ERR_CONNECT);
    CHECK_THROWS(zw::Router::from_file(scratch + "/missing.toml"), ZW_ERR_INVALID_ARGUMENT);
}

void test_rpc(zw::Client &callee, zw::Client &caller) {
    zw::Registration add = callee.register_procedure("test.add", [](zw::Invocation &&inv) {
        long long a = 0, b = 0;
        if (!two_ints(inv.message().args_json(), a, b)) return inv.error("wamp.error.invalid_argument");
        inv.yield(zw::Payload::json("[" + std::to_string(a + b) + "]", "{\"op\":\"add\"}"));
    });
    zw::Message sum = caller.call("test.add", zw::Payload::json("[2, 40]"));
    CHECK(sum.kind() == zw::PayloadKind::json);
    CHECK(sum.args_json() == "[42]");
    CHECK(sum.kwargs_json() == "{\"op\":\"add\"}");
    CHECK(!sum.binary() && !sum.error_uri() && !sum.passthru());

    // A Message moves; its view stays valid in the new owner.
    zw::Message moved = std::move(sum);
    CHECK(moved && !sum);
    CHECK(moved.args_json() == "[42]");

    // Binary in, binary out: args = [bytes] both ways.
    zw::Registration echo = callee.register_procedure("test.echo", [](zw::Invocation &&inv) {
        std::optional<zw::View> bytes = inv.message().binary();
        if (!bytes) return inv.error("test.error.not_binary", zw::Payload::json("[\"send bytes\"]"));
        inv.yield(zw::Payload::binary(*bytes));
    });
    std::string blob(1000, '\0');
    for (std::size_t i = 0; i < blob.size(); i++) blob[i] = static_cast<char>(i * 7);
    zw::Message echoed = caller.call("test.echo", zw::Payload::binary(blob));
    CHECK(echoed.kind() == zw::PayloadKind::binary);
    CHECK(echoed.binary() && *echoed.binary() == zw::View(blob));
    CHECK(echoed.args_json().find("$bytes") != std::string_view::npos);

    // Async: the result callback runs once, on the client's thread.
    Slot<std::string> async_result;
    zw::Call call = caller.call_async("test.add", zw::Payload::json("[1, 2]"), [&](const zw::CallResult &result) {
        async_result.set(result ? std::string(result.value().args_json()) : "failed");
    });
    CHECK(call);
    CHECK(async_result.wait() == std::optional<std::string>("[3]"));

    // Invalid JSON is refused before anything is sent, naming the field.
    CHECK_THROWS(caller.call("test.add", zw::Payload::json("[1, 2")), ZW_ERR_INVALID_ARGUMENT);
    CHECK_THROWS(caller.call("test.add", zw::Payload::json("[]", "[not an object]")), ZW_ERR_INVALID_ARGUMENT);
}

void test_errors(zw::Client &callee, zw::Client &caller) {
    // No such procedure: a WampError with the URI.
    try {
        caller.call("test.missing");
        CHECK(!"test.missing answered");
    } catch (const zw::WampError &e) {
        CHECK(e.code() == ZW_ERR_WAMP);
        CHECK(e.uri() == "wamp.error.no_such_procedure");
        CHECK(std::string(e.what()).find("wamp.error.no_such_procedure") != std::string::npos);
    }
    // The callee's own error, with arguments.
    zw::Registration fails = callee.register_procedure("test.fails", [](zw::Invocation inv) {
        inv.error("test.error.custom", zw::Payload::json("[\"why\", 7]", "{\"detail\":true}"));
    });
    try {
        caller.call("test.fails");
        CHECK(!"test.fails answered");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "test.error.custom");
        CHECK(e.args_json() == "[\"why\",7]");
        CHECK(e.kwargs_json() == "{\"detail\":true}");
    }
    // Async: the callback gets the ERROR message, and value() throws it.
    Slot<std::string> uri;
    caller.call_async("test.fails", zw::Payload(), [&](const zw::CallResult &result) {
        CHECK(!result && result.status() == ZW_ERR_WAMP && result.message());
        try {
            result.value();
        } catch (const zw::WampError &e) {
            uri.set(e.uri());
        }
    });
    CHECK(uri.wait() == std::optional<std::string>("test.error.custom"));

    // A handler that throws: the caller gets wamp.error.runtime_error, with the text when the
    // handler took the Invocation by reference (it is still the trampoline's to answer).
    zw::Registration throws = callee.register_procedure("test.throws", [](zw::Invocation &&) {
        throw std::runtime_error("expected: \"quoted\"");
    });
    try {
        caller.call("test.throws");
        CHECK(!"test.throws answered");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "wamp.error.runtime_error");
        CHECK(e.args_json() == "[\"expected: \\\"quoted\\\"\"]");
    }
    zw::Registration throws_by_value = callee.register_procedure("test.throws_by_value", [](zw::Invocation) {
        throw 42; // not even a std::exception
    });
    try {
        caller.call("test.throws_by_value");
        CHECK(!"test.throws_by_value answered");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "wamp.error.runtime_error");
    }
    // A handler that never answers: dropping the Invocation answers for it.
    zw::Registration forgets = callee.register_procedure("test.forgets", [](zw::Invocation &&) {});
    try {
        caller.call("test.forgets");
        CHECK(!"test.forgets answered");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "wamp.error.runtime_error");
    }
    // A result callback that throws is reported on stderr; the client goes on.
    Slot<bool> thrown;
    caller.call_async("test.add", zw::Payload::json("[1, 1]"), [&](const zw::CallResult &) {
        thrown.set(true);
        throw std::logic_error("expected: a throwing result callback");
    });
    CHECK(thrown.wait());
    CHECK(caller.call("test.add", zw::Payload::json("[1, 1]")).args_json() == "[2]");
}

void test_timeouts_and_progress(zw::Client &callee, zw::Client &caller, Workers &workers) {
    // Progressive results from another thread, then the final one.
    zw::Registration countdown = callee.register_procedure("test.countdown", [&](zw::Invocation inv) {
        workers.spawn([inv = std::move(inv)]() mutable {
            if (!inv.wants_progress()) return inv.error("test.error.progress_expected");
            for (int i = 3; i > 0; i--) inv.progress(zw::Payload::json("[" + std::to_string(i) + "]"));
            inv.yield(zw::Payload::json("[\"liftoff\"]"));
        });
    });
    std::mutex mutex;
    std::vector<std::string> progress;
    Slot<std::string> final_result;
    caller.call_progressive(
        "test.countdown", zw::Payload(),
        [&](const zw::CallResult &result) { final_result.set(std::string(result.value().args_json())); },
        [&](const zw::CallResult &result) {
            std::lock_guard<std::mutex> lock(mutex);
            progress.emplace_back(result.value().args_json());
        });
    CHECK(final_result.wait() == std::optional<std::string>("[\"liftoff\"]"));
    {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK((progress == std::vector<std::string>{"[3]", "[2]", "[1]"}));
    }
    // A callee answering after the call's timeout: the caller gets ZW_ERR_TIMEOUT.
    Slot<zw::Invocation> parked;
    zw::Registration late =
        callee.register_procedure("test.late", [&](zw::Invocation inv) { parked.set(std::move(inv)); });
    CHECK_THROWS(caller.call("test.late", zw::Payload(), zw::CallOptions().timeout(200ms)), ZW_ERR_TIMEOUT);
    std::optional<zw::Invocation> late_inv = parked.wait();
    CHECK(late_inv && *late_inv);
    if (late_inv) late_inv->yield(); // the caller is gone: answered into the void, no error
    workers.join();
}

void test_cancel(zw::Client &callee, zw::Client &caller) {
    Slot<zw::Invocation> parked;
    Slot<std::string> interrupted;
    zw::Registration slow = callee.register_procedure(
        "test.slow", [&](zw::Invocation inv) { parked.set(std::move(inv)); },
        [&](std::uint64_t, std::string_view mode) { interrupted.set(std::string(mode)); });
    Slot<zw_result> status;
    zw::Call call =
        caller.call_async("test.slow", zw::Payload(),
                          [&](const zw::CallResult &result) { status.set(result.status()); });
    std::optional<zw::Invocation> inv = parked.wait();
    CHECK(inv.has_value());
    call.cancel(zw::CancelMode::killnowait);
    CHECK(status.wait() == std::optional<zw_result>(ZW_ERR_CANCELED));
    CHECK(interrupted.wait() == std::optional<std::string>("killnowait"));
    CHECK(inv && eventually([&] { return inv->is_interrupted(); }));
    if (inv) {
        try {
            inv->error("wamp.error.canceled");
        } catch (const zw::Error &e) {
            CHECK(e.code() == ZW_ERR_INVOCATION_GONE); // allowed: the router dropped the invocation
        }
        CHECK(!*inv);
    }
}

void test_pubsub(zw::Client &subscriber, zw::Client &publisher) {
    std::mutex mutex;
    std::vector<std::string> events;
    zw::Subscription sub = subscriber.subscribe("test.topic", [&](const zw::MessageView &event) {
        std::lock_guard<std::mutex> lock(mutex);
        events.emplace_back(event.args_json());
    });
    auto received = [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return events.size();
    };
    std::optional<std::uint64_t> id =
        publisher.publish("test.topic", zw::Payload::json("[1]"), zw::PublishOptions().acknowledge());
    CHECK(id && *id != 0);
    CHECK(!publisher.publish("test.topic", zw::Payload::json("[2]")));
    CHECK(eventually([&] { return received() == 2; }));

    // exclude_me(false): a client receives its own events when subscribed.
    zw::Subscription self = publisher.subscribe("test.topic", [&](const zw::MessageView &) {
        std::lock_guard<std::mutex> lock(mutex);
        events.emplace_back("self");
    });
    publisher.publish("test.topic", zw::Payload::json("[3]"), zw::PublishOptions().acknowledge().exclude_me(false));
    CHECK(eventually([&] { return received() == 4; }));
    self.unsubscribe();

    // Prefix subscriptions; an event callback that throws does not stop the next events.
    std::atomic<int> prefixed{0};
    zw::Subscription prefix = subscriber.subscribe(
        "test.prefix.",
        [&](const zw::MessageView &) {
            if (prefixed++ == 0) throw std::runtime_error("expected: a throwing event callback");
        },
        zw::SubscribeOptions().match(zw::Match::prefix));
    publisher.publish("test.prefix.a", zw::Payload(), zw::PublishOptions().acknowledge());
    publisher.publish("test.prefix.b", zw::Payload(), zw::PublishOptions().acknowledge());
    CHECK(eventually([&] { return prefixed == 2; }));

    sub.unsubscribe();
    publisher.publish("test.topic", zw::Payload::json("[4]"), zw::PublishOptions().acknowledge());
    std::this_thread::sleep_for(50ms);
    CHECK(received() == 4);
    {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK(std::count(events.begin(), events.end(), "self") == 1);
        CHECK(std::find(events.begin(), events.end(), "[3]") != events.end());
    }
    CHECK_THROWS(sub.unsubscribe(), ZW_ERR_CLOSED); // once only
}

/// Records go out straight from a read transaction, which ends right after the call; a writer then
/// replaces them. What arrives is the record as it was, whole.
void test_records(const std::string &dir, const std::string &bfbs, zw::Client &callee, zw::Client &caller) {
    const std::size_t big = 200000; // several pages of the map, more than one socket write
    zw::Env env = zw::Env::open(dir, zw::EnvOptions().map_size(64u << 20));
    env.register_schema(bfbs);
    zw::Table records =
        env.open_table("records", zw::TableOptions().key(zw::KeyCodec::u64).root_type("zerowamp.sample.Record"));
    auto put = [&](std::uint64_t id, std::size_t payload) {
        zw::WriteTxn txn = env.begin_write();
        txn.put(records, zw::Key::u64(id), make_record(id, payload));
        txn.commit();
    };
    put(1, big);
    put(2, 100);

    std::mutex mutex;
    std::vector<bool> intact;
    std::vector<std::string> schemes;
    zw::Subscription sub = caller.subscribe("test.records", [&](const zw::MessageView &event) {
        std::optional<zw::View> bytes = event.binary();
        std::optional<zw::MessageView::Passthru> ppt = event.passthru();
        std::lock_guard<std::mutex> lock(mutex);
        intact.push_back(event.kind() == zw::PayloadKind::record && bytes && is_record(*bytes, 1, big));
        schemes.push_back(ppt ? std::string(ppt->scheme) + "/" + std::string(ppt->serializer.value_or("-")) : "none");
    });
    const zw_clientstats before = callee.stats();
    for (int round = 0; round < 3; round++) {
        {
            zw::ReadTxn txn = env.begin_read();
            callee.publish("test.records", zw::Payload::record(*txn.get(records, zw::Key::u64(1)), txn));
        } // the transaction ends here, the record is still on its way
        put(1, big - 1000);
        put(1, big);
    }
    CHECK(eventually([&] {
        std::lock_guard<std::mutex> lock(mutex);
        return intact.size() == 3;
    }));
    {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK(std::count(intact.begin(), intact.end(), true) == 3);
        CHECK(std::count(schemes.begin(), schemes.end(), "x_zerowamp/flatbuffers") == 3);
    }
    // Zero copy, measured: the publisher's serializer (its default, a binary one) and RawSocket
    // copied none of the records' octets.
    // The subscriber can have an event before the publisher's I/O thread has counted its write.
    CHECK(eventually([&] { return callee.stats().octets_sent - before.octets_sent > 3 * big; }));
    zw_clientstats after = callee.stats();
    CHECK(after.payload_octets_copied_by_serializer == before.payload_octets_copied_by_serializer);
    CHECK(after.octets_copied_by_transport == 0);
    CHECK(after.octets_sent - before.octets_sent > 3 * big);
    sub.unsubscribe();

    // RPC: a callee serving records from its own read transaction.
    zw::Registration get = callee.register_procedure("test.get", [&](zw::Invocation &&inv) {
        long long id = 0, unused = 0;
        std::string args(inv.message().args_json());
        if (std::sscanf(args.c_str(), " [ %lld ]", &id) != 1) (void)two_ints(args, id, unused);
        zw::ReadTxn txn = env.begin_read();
        std::optional<zw::View> value = txn.get(records, zw::Key::u64(static_cast<std::uint64_t>(id)));
        if (!value) return inv.error("zerowamp.error.not_found");
        inv.yield(zw::Payload::record(*value, txn));
    });
    // Progressive results carry records too (what a range query streams).
    zw::Registration both = callee.register_procedure("test.both", [&](zw::Invocation &&inv) {
        zw::ReadTxn txn = env.begin_read();
        for (zw::Entry entry : txn.cursor(records)) inv.progress(zw::Payload::record(entry.value, txn));
        inv.yield(zw::Payload::json("[2]"));
    });
    std::vector<bool> streamed;
    Slot<std::string> count;
    caller.call_progressive(
        "test.both", zw::Payload(),
        [&](const zw::CallResult &result) { count.set(std::string(result.value().args_json())); },
        [&](const zw::CallResult &result) {
            std::optional<zw::View> bytes = result.value().binary();
            streamed.push_back(result.value().kind() == zw::PayloadKind::record && bytes &&
                               is_record(*bytes, streamed.size() + 1, streamed.empty() ? big : 100));
        });
    CHECK(count.wait() == std::optional<std::string>("[2]"));
    CHECK((streamed == std::vector<bool>{true, true}));
    both.unregister();

    zw::Message one = caller.call("test.get", zw::Payload::json("[1]"));
    CHECK(one.kind() == zw::PayloadKind::record);
    CHECK(one.binary() && is_record(*one.binary(), 1, big));
    zw::Message two = caller.call("test.get", zw::Payload::json("[2]"));
    CHECK(two.binary() && is_record(*two.binary(), 2, 100));
    try {
        caller.call("test.get", zw::Payload::json("[3]"));
        CHECK(!"record 3 exists");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "zerowamp.error.not_found");
    }
    // A record a callee sends back unchanged (copied: no pin), and one of a write transaction
    // refused as a pin (the type system already refuses WriteTxn: here through the C handle).
    zw::Registration forward = callee.register_procedure("test.forward", [&](zw::Invocation &&inv) {
        std::optional<zw::View> bytes = inv.message().binary();
        inv.yield(bytes ? zw::Payload::record(*bytes) : zw::Payload());
    });
    zw::ReadTxn txn = env.begin_read();
    zw::Message forwarded = caller.call("test.forward", zw::Payload::record(*txn.get(records, zw::Key::u64(2)), txn));
    txn.abort();
    CHECK(forwarded.binary() && is_record(*forwarded.binary(), 2, 100));

    zw::WriteTxn writer = env.begin_write();
    zw_payload pinned_to_writer{};
    pinned_to_writer.kind = ZW_PAYLOAD_RECORD;
    pinned_to_writer.data = writer.get(records, zw::Key::u64(2))->c_slice();
    pinned_to_writer.pin = writer.c_handle();
    CHECK(zw_publish(caller.c_handle(), "test.records", &pinned_to_writer, nullptr, nullptr) ==
          ZW_ERR_INVALID_ARGUMENT);
    writer.abort();
    get.unregister();
    forward.unregister();

    // The same through the library: serve_table answers keys and ranges, publish_changes follows
    // commits (a put as the record, a delete as its key).
    zw::Registration served = callee.serve_table(records, "test.served");
    zw::Registration ranges = callee.serve_table(records, "test.ranges", zw::ServeOptions().range());
    zw::Message served_two = caller.call("test.served", zw::Payload::json("[2]"));
    CHECK(served_two.kind() == zw::PayloadKind::record && served_two.binary() &&
          is_record(*served_two.binary(), 2, 100));
    try {
        caller.call("test.served", zw::Payload::json("[3]"));
        CHECK(!"record 3 exists");
    } catch (const zw::WampError &e) {
        CHECK(e.uri() == "zerowamp.error.not_found");
    }
    std::vector<std::uint64_t> ranged;
    Slot<std::string> ranged_count;
    caller.call_progressive(
        "test.ranges", zw::Payload::json("[null, null]"),
        [&](const zw::CallResult &result) { ranged_count.set(std::string(result.value().args_json())); },
        [&](const zw::CallResult &result) {
            std::optional<zw::View> bytes = result.value().binary();
            ranged.push_back(bytes && is_record(*bytes, ranged.size() + 1, ranged.empty() ? big : 100)
                                 ? ranged.size() + 1
                                 : 0);
        });
    CHECK(ranged_count.wait() == std::optional<std::string>("[2]"));
    CHECK((ranged == std::vector<std::uint64_t>{1, 2}));

    Slot<std::string> put_seen, delete_seen; // one Slot per event: a Slot is filled once
    std::atomic<int> changes{0};
    zw::Subscription feed_sub = caller.subscribe("test.changes", [&](const zw::MessageView &event) {
        int n = ++changes;
        std::optional<zw::View> bytes = event.binary();
        if (n == 1) put_seen.set(bytes && is_record(*bytes, 4, 100) ? "put 4" : "wrong put");
        if (n == 2) delete_seen.set(std::string(event.kwargs_json()));
    });
    {
        zw::ChangeFeed feed = callee.publish_changes(records, "test.changes");
        CHECK(feed);
        put(4, 100);
        CHECK(put_seen.wait() == std::optional<std::string>("put 4"));
        zw::WriteTxn txn = env.begin_write();
        CHECK(txn.erase(records, zw::Key::u64(4)));
        txn.commit();
        CHECK(delete_seen.wait() == std::optional<std::string>("{\"deleted\":true}"));
    } // the feed stops here
    put(5, 100);
    std::this_thread::sleep_for(200ms);
    CHECK(changes.load() == 2);
    feed_sub.unsubscribe();
    served.unregister();
    ranges.unregister();
}

/// Every callable handed over is destroyed exactly once: after its last call, when its
/// registration fails, at unsubscribe/unregister, or with its client.
void test_callable_lifetimes(const std::string &url) {
    const int before = Tracker::alive();
    zw::Subscription outlives;
    zw::Call finished;
    {
        zw::Client callee = zw::Client::connect(url, "realm1", quick());
        zw::Client caller = zw::Client::connect(url, "realm1", quick());

        zw::Registration reg = callee.register_procedure(
            "test.tracked", [t = Tracker()](zw::Invocation &&inv) { inv.yield(); },
            [t = Tracker()](std::uint64_t, std::string_view) {});
        CHECK(Tracker::alive() == before + 2);
        caller.call("test.tracked");

        // A failing registration (the procedure is taken) frees its callables before it throws.
        try {
            caller.register_procedure("test.tracked", [t = Tracker()](zw::Invocation &&) {});
            CHECK(!"a second registration of test.tracked succeeded");
        } catch (const zw::WampError &e) {
            CHECK(e.uri() == "wamp.error.procedure_already_exists");
        }
        CHECK(Tracker::alive() == before + 2);

        // A call's callables go once the result is in.
        Slot<bool> done;
        caller.call_progressive(
            "test.tracked", zw::Payload(), [&, t = Tracker()](const zw::CallResult &) { done.set(true); },
            [t = Tracker()](const zw::CallResult &) {});
        finished = caller.call_async("test.tracked", zw::Payload(), [&](const zw::CallResult &) {});
        CHECK(done.wait());
        CHECK(eventually([&] { return Tracker::alive() == before + 2; }));
        // ...also when the call cannot even start.
        CHECK_THROWS(caller.call_async("test.tracked", zw::Payload::json("{not json"),
                                       [t = Tracker()](const zw::CallResult &) {}),
                     ZW_ERR_INVALID_ARGUMENT);
        CHECK(Tracker::alive() == before + 2);

        // Unsubscribing frees the event callable; a subscription left alone lives until the client goes.
        zw::Subscription gone = caller.subscribe("test.tracked.topic", [t = Tracker()](const zw::MessageView &) {});
        zw::Subscription kept = caller.subscribe("test.tracked.topic", [t = Tracker()](const zw::MessageView &) {});
        CHECK(Tracker::alive() == before + 4);
        gone.unsubscribe();
        CHECK(eventually([&] { return Tracker::alive() == before + 3; }));
        reg.unregister();
        CHECK(eventually([&] { return Tracker::alive() == before + 1; }));

        // A client that left refuses new callables and frees them at once.
        callee.leave();
        CHECK_THROWS(callee.subscribe("test.tracked.topic", [t = Tracker()](const zw::MessageView &) {}),
                     ZW_ERR_CLOSED);
        CHECK(Tracker::alive() == before + 1);
        // The handles may go first: the library keeps what it needs.
        gone = zw::Subscription();
        outlives = std::move(kept);
        reg = zw::Registration();
        CHECK(Tracker::alive() == before + 1);
    }
    CHECK(Tracker::alive() == before);
    CHECK(Tracker::made.load() > 0);
    // Handles that outlive their client say so.
    CHECK_THROWS(outlives.unsubscribe(), ZW_ERR_CLOSED);
    CHECK_THROWS(finished.cancel(), ZW_ERR_CLOSED);
}

/// Caller-driven: callbacks run inside dispatch(), on this thread, once fd() polls readable.
void test_caller_driven(const std::string &url, zw::Client &publisher) {
    zw::Client client = zw::Client::connect(url, "realm1", quick().caller_driven());
    const std::thread::id me = std::this_thread::get_id();
    int on_my_thread = 0, elsewhere = 0;
    zw_result nested = ZW_OK;
    zw::Subscription sub = client.subscribe("test.driven", [&](const zw::MessageView &) {
        (std::this_thread::get_id() == me ? on_my_thread : elsewhere)++;
        try {
            client.call("test.add", zw::Payload::json("[1, 1]"));
        } catch (const zw::Error &e) {
            nested = e.code();
        }
    });
    publisher.publish("test.driven", zw::Payload(), zw::PublishOptions().acknowledge());
    publisher.publish("test.driven", zw::Payload(), zw::PublishOptions().acknowledge());
    int fd = client.fd();
    CHECK(fd >= 0);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (on_my_thread + elsewhere < 2 && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) client.dispatch();
    }
    CHECK(on_my_thread == 2 && elsewhere == 0);
    CHECK(nested == ZW_ERR_IN_CALLBACK);
    CHECK(client.dispatch(1) == 0); // nothing left
    CHECK_THROWS(publisher.fd(), ZW_ERR_INVALID_ARGUMENT);
}

#if ZEROWAMP_CHECK_VIEWS
/// Runs `touch` in a child process and says whether it died of SIGABRT (the checks' verdict). The
/// child makes no library call: the check fires before any.
template <class F> bool aborts(F touch) {
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        std::fclose(stderr);
        touch();
        std::_Exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/// A message lent to a callback, and the Views it gave, die when the callback returns; a Message's
/// when it is destroyed; an Invocation's when it is answered.
void test_message_checks(zw::Client &callee, zw::Client &caller) {
    Slot<bool> seen;
    std::optional<zw::MessageView> kept;
    std::optional<zw::View> kept_bytes;
    zw::Subscription sub = caller.subscribe("test.checks", [&](const zw::MessageView &event) {
        kept = event;
        kept_bytes = event.binary();
        seen.set(true);
    });
    callee.publish("test.checks", zw::Payload::binary("bytes"), zw::PublishOptions().acknowledge());
    CHECK(seen.wait());
    sub.unsubscribe();
    CHECK(kept && kept_bytes);
    if (kept) CHECK(aborts([&] { (void)kept->kind(); }));
    if (kept_bytes) CHECK(aborts([&] { (void)kept_bytes->data(); }));

    Slot<bool> answered_checked;
    zw::Registration echo = callee.register_procedure("test.checks.echo", [&](zw::Invocation &&inv) {
        zw::MessageView args = inv.message();
        std::optional<zw::View> bytes = args.binary();
        inv.yield(zw::Payload::binary(bytes ? *bytes : zw::View()));
        // Answered: its message is gone.
        answered_checked.set(aborts([&] { (void)args.request_id(); }));
    });
    std::optional<zw::View> bytes;
    {
        zw::Message result = caller.call("test.checks.echo", zw::Payload::binary("abc"));
        bytes = result.binary();
        CHECK(bytes && *bytes == zw::View("abc"));
        CHECK(!aborts([&] { (void)bytes->data(); }));
    }
    CHECK(aborts([&] { (void)bytes->data(); }));
    CHECK(answered_checked.wait() == std::optional<bool>(true));
    echo.unregister();
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
        zw::Router router = zw::Router::start();
        std::string url = router.listen("rs://127.0.0.1:0");
        test_router_and_connect(url);
        test_auth(scratch);
        {
            zw::Client callee = zw::Client::connect(url, "realm1", quick());
            zw::Client caller = zw::Client::connect(url, "realm1", quick().serializer(zw::Serializer::msgpack));
            Workers workers;
            test_rpc(callee, caller);
            test_errors(callee, caller);
            test_timeouts_and_progress(callee, caller, workers);
            test_cancel(callee, caller);
            test_pubsub(caller, callee);
            std::string records_dir = scratch + "/records";
            mkdir(records_dir.c_str(), 0700);
            test_records(records_dir, bfbs, callee, caller);
            test_caller_driven(url, callee);
#if ZEROWAMP_CHECK_VIEWS
            test_message_checks(callee, caller);
#else
            check::fail(__FILE__, __LINE__, "ZEROWAMP_CHECK_VIEWS", "this test is built with View checks on");
#endif
        }
        test_callable_lifetimes(url);
    } catch (const std::exception &e) {
        check::fail(__FILE__, __LINE__, "unexpected exception", e.what());
    }
    return check::summary("test_client (C++)");
}
