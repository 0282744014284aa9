/* Serving a table over WAMP from C: zw_serve_table (key calls answered with the stored bytes,
 * missing and bad keys as WAMP errors, ranges as progressive results, zero copies of a large
 * record on RawSocket with MessagePack) and zw_table_publish_changes (puts, deletes, aborted
 * transactions, a stopped feed). Run under valgrind by `make test-c`: no error, no leak.
 *
 * Usage: test_wamp_serve SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include "wamp_support.h"

#define GET "test.records.get"
#define RANGE "test.records.range"
#define CHANGES "test.records.changed"
enum { RECORDS = 10, BIG_KEY = 1000, BIG_LEN = 64 * 1024 };

/* Record `id`: 40 + id bytes, each a function of id and position. */
static size_t record_of(uint64_t id, uint8_t *buf) {
    size_t len = 40 + (size_t)id;
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(id * 13 + i);
    return len;
}

static void key_of(uint64_t id, uint8_t key[8]) {
    for (int i = 0; i < 8; i++) key[i] = (uint8_t)(id >> (56 - 8 * i));
}

static void put(zw_txn *w, zw_table *t, uint64_t id, const uint8_t *value, size_t len) {
    uint8_t key[8];
    key_of(id, key);
    CHECK_OK(zw_txn_put(w, t, (zw_slice){key, 8}, (zw_slice){value, len}, 0));
}

/* Calls `procedure` with JSON args; returns the outcome, `*out` the message (to free). */
static zw_result call_json(zw_client *c, const char *procedure, const char *args, zw_message **out) {
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, args, NULL};
    *out = NULL;
    return zw_call_wait(c, procedure, &p, NULL, out);
}

/* The message is a passthru record equal to record `id`. */
static int is_record(const zw_message *m, uint64_t id) {
    uint8_t want[64];
    size_t len = record_of(id, want);
    zw_slice got;
    const char *scheme = NULL, *serializer = NULL;
    return m && zw_message_payload_kind(m) == ZW_PAYLOAD_RECORD && zw_message_binary(m, &got) == ZW_OK &&
           got.len == len && memcmp(got.data, want, len) == 0 &&
           zw_message_passthru(m, &scheme, &serializer) == ZW_OK && strcmp(scheme, "x_zerowamp") == 0;
}

static int error_is(const zw_message *m, const char *uri) {
    const char *got = NULL;
    return m && zw_message_error_uri(m, &got) == ZW_OK && strcmp(got, uri) == 0;
}

static void test_argument_errors(zw_client *c, zw_table *t) {
    zw_registration *r = NULL;
    zw_change_feed *f = NULL;
    zw_serve_options o;
    CHECK_RC(zw_serve_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_serve_options_init(&o));
    CHECK(!o.range && o.max_range == 0 && o.reg.match == ZW_MATCH_EXACT && o.reg.on_interrupt == NULL);
    CHECK_RC(zw_serve_table(NULL, t, GET, NULL, &r), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_serve_table(c, NULL, GET, NULL, &r), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_serve_table(c, t, NULL, NULL, &r), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_serve_table(c, t, GET, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    o.reg.invoke = 99;
    CHECK_RC(zw_serve_table(c, t, GET, &o, &r), ZW_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_RC(zw_table_publish_changes(NULL, c, CHANGES, &f), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_publish_changes(t, NULL, CHANGES, &f), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_publish_changes(t, c, NULL, &f), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_publish_changes(t, c, "not a topic", &f), ZW_ERR_INVALID_ARGUMENT);
    CHECK(f == NULL);
    zw_change_feed_free(NULL);
}

static void test_keys(zw_client *caller) {
    zw_message *m = NULL;
    CHECK_OK(call_json(caller, GET, "[3]", &m));
    CHECK(is_record(m, 3));
    zw_message_free(m);

    /* The key as stored (8 bytes, big-endian) works too: a binary argument. */
    uint8_t key[8];
    key_of(7, key);
    zw_payload p = {ZW_PAYLOAD_BINARY, {key, 8}, NULL, NULL, NULL};
    CHECK_OK(zw_call_wait(caller, GET, &p, NULL, &m));
    CHECK(is_record(m, 7));
    zw_message_free(m);

    CHECK_RC(call_json(caller, GET, "[99]", &m), ZW_ERR_WAMP);
    CHECK(error_is(m, "zerowamp.error.not_found"));
    zw_message_free(m);
    CHECK_RC(call_json(caller, GET, "[\"seven\"]", &m), ZW_ERR_WAMP);
    CHECK(error_is(m, "wamp.error.invalid_argument"));
    zw_message_free(m);
    CHECK_RC(call_json(caller, GET, "[]", &m), ZW_ERR_WAMP);
    CHECK(error_is(m, "wamp.error.invalid_argument"));
    zw_message_free(m);
}

/* What a range call delivered: the ids of its progressive results, and the final count. */
typedef struct {
    pthread_mutex_t lock;
    uint64_t ids[RECORDS];
    int progress;
    int bad;
    char final_args[64];
    atomic_int done;
    atomic_int freed;
} range_seen;

static void on_range_progress(void *userdata, zw_result status, const zw_message *m) {
    range_seen *s = userdata;
    pthread_mutex_lock(&s->lock);
    zw_slice b;
    if (status == ZW_OK && zw_message_binary(m, &b) == ZW_OK && b.len >= 40 && s->progress < RECORDS) {
        uint64_t id = b.len - 40;
        s->ids[s->progress++] = id;
        if (!is_record(m, id)) s->bad++;
    } else {
        s->bad++;
    }
    pthread_mutex_unlock(&s->lock);
}

static void on_range_result(void *userdata, zw_result status, const zw_message *m) {
    range_seen *s = userdata;
    pthread_mutex_lock(&s->lock);
    if (status == ZW_OK) args_of(m, s->final_args, sizeof s->final_args);
    else s->bad++;
    pthread_mutex_unlock(&s->lock);
    atomic_store(&s->done, 1);
}

static void range_free(void *userdata) { atomic_fetch_add(&((range_seen *)userdata)->freed, 1); }

static void test_range(zw_client *caller) {
    range_seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    zw_call_options o;
    CHECK_OK(zw_call_options_init(&o));
    o.receive_progress = true;
    o.on_progress = on_range_progress;
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[2, 6]", NULL};
    CHECK_OK(zw_call(caller, RANGE, &p, &o, on_range_result, &s, range_free, NULL));
    WAIT_FOR(atomic_load(&s.done) && atomic_load(&s.freed));
    pthread_mutex_lock(&s.lock);
    CHECK(s.bad == 0);
    CHECK(s.progress == 4);
    for (int i = 0; i < s.progress; i++) CHECK(s.ids[i] == (uint64_t)(2 + i));
    CHECK(strcmp(s.final_args, "[4]") == 0);
    pthread_mutex_unlock(&s.lock);
    CHECK(atomic_load(&s.freed) == 1);
    pthread_mutex_destroy(&s.lock);

    /* Without progressive results a range call is refused, not answered with everything. */
    zw_message *m = NULL;
    CHECK_RC(call_json(caller, RANGE, "[null, null]", &m), ZW_ERR_WAMP);
    CHECK(error_is(m, "wamp.error.invalid_argument"));
    zw_message_free(m);
}

/* The change feed as a subscriber sees it. */
typedef struct {
    pthread_mutex_t lock;
    atomic_int events;
    atomic_int freed;
    int records;      /* puts: passthru records */
    uint64_t last_put; /* the id of the last put */
    int deletes;      /* deletes: kwargs {"deleted": true} */
    int bad;
} feed_seen;

static void on_change(void *userdata, const zw_message *m) {
    feed_seen *s = userdata;
    pthread_mutex_lock(&s->lock);
    zw_slice b;
    const char *kwargs = NULL;
    if (zw_message_payload_kind(m) == ZW_PAYLOAD_RECORD && zw_message_binary(m, &b) == ZW_OK && b.len >= 40) {
        s->records++;
        s->last_put = b.len - 40;
        if (!is_record(m, s->last_put)) s->bad++;
    } else if (zw_message_kwargs_json(m, &kwargs) == ZW_OK && strstr(kwargs, "\"deleted\":true")) {
        s->deletes++;
    } else {
        s->bad++;
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->events, 1);
}

static void feed_free(void *userdata) { atomic_fetch_add(&((feed_seen *)userdata)->freed, 1); }

static void test_change_feed(zw_env *env, zw_table *t, zw_client *server, zw_client *subscriber) {
    feed_seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    zw_subscription *sub = NULL;
    CHECK_OK(zw_subscribe(subscriber, CHANGES, NULL, on_change, &s, feed_free, &sub));
    zw_change_feed *feed = NULL;
    CHECK_OK(zw_table_publish_changes(t, server, CHANGES, &feed));
    if (!sub || !feed) return;

    /* One transaction: a put and a delete, two events after the commit. */
    uint8_t rec[64];
    zw_txn *w = NULL;
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, t, 11, rec, record_of(11, rec));
    uint8_t key[8];
    key_of(1, key);
    CHECK_OK(zw_txn_delete(w, t, (zw_slice){key, 8}));
    CHECK(atomic_load(&s.events) == 0); /* nothing before the commit */
    CHECK_OK(zw_txn_commit(w));
    WAIT_FOR(atomic_load(&s.events) == 2);

    /* An aborted transaction publishes nothing; the next commit's event comes alone. */
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, t, 12, rec, record_of(12, rec));
    zw_txn_abort(w);
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, t, 13, rec, record_of(13, rec));
    CHECK_OK(zw_txn_commit(w));
    WAIT_FOR(atomic_load(&s.events) == 3);
    pthread_mutex_lock(&s.lock);
    CHECK(s.records == 2 && s.deletes == 1 && s.bad == 0);
    CHECK(s.last_put == 13);
    pthread_mutex_unlock(&s.lock);

    /* A stopped feed is silent. */
    zw_change_feed_free(feed);
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, t, 14, rec, record_of(14, rec));
    CHECK_OK(zw_txn_commit(w));
    sleep_ms(300);
    CHECK(atomic_load(&s.events) == 3);

    CHECK_OK(zw_subscription_unsubscribe(sub));
    zw_subscription_free(sub);
    CHECK(atomic_load(&s.freed) == 1);
    pthread_mutex_destroy(&s.lock);
}

/* A 64 KiB record answered over RawSocket with MessagePack: the serving client copies none of it. */
static void test_zero_copy(zw_env *env, zw_table *t, zw_client *server, zw_client *caller) {
    static uint8_t big[BIG_LEN];
    for (size_t i = 0; i < BIG_LEN; i++) big[i] = (uint8_t)(i * 7 + 3);
    zw_txn *w = NULL;
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, t, BIG_KEY, big, BIG_LEN);
    CHECK_OK(zw_txn_commit(w));
    zw_clientstats before, after;
    CHECK_OK(zw_client_stats(server, &before));
    zw_message *m = NULL;
    CHECK_OK(call_json(caller, GET, "[1000]", &m));
    zw_slice got;
    CHECK(m && zw_message_binary(m, &got) == ZW_OK && got.len == BIG_LEN && memcmp(got.data, big, BIG_LEN) == 0);
    zw_message_free(m);
    stats_after_sending(server, before.octets_sent + BIG_LEN, &after);
    CHECK(after.octets_sent - before.octets_sent > BIG_LEN);
    CHECK(after.payload_octets_copied_by_serializer == before.payload_octets_copied_by_serializer);
    CHECK(after.octets_copied_by_transport == before.octets_copied_by_transport);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/env", argv[1]);
    mkdir(dir, 0700);
    zw_env *env = NULL;
    CHECK_OK(zw_env_open(dir, NULL, &env));
    zw_table_options to;
    CHECK_OK(zw_table_options_init(&to));
    to.key_codec = ZW_KEY_U64;
    zw_table *table = NULL;
    CHECK_OK(zw_table_open(env, "records", &to, &table));
    if (!env || !table) return check_summary("test_wamp_serve");
    uint8_t rec[64];
    zw_txn *w = NULL;
    CHECK_OK(zw_txn_begin_write(env, &w));
    for (uint64_t id = 1; id <= RECORDS; id++) put(w, table, id, rec, record_of(id, rec));
    CHECK_OK(zw_txn_commit(w));

    test_router tr;
    router_start(&tr);
    zw_client *server = connect_with(tr.rs_url, ZW_SERIALIZER_MSGPACK, false);
    zw_client *caller = connect_with(tr.ws_url, ZW_SERIALIZER_CBOR, false);
    zw_client *json_caller = connect_with(tr.rs_url, ZW_SERIALIZER_JSON, false);
    if (!server || !caller || !json_caller) return check_summary("test_wamp_serve");
    test_argument_errors(server, table);

    zw_registration *get = NULL, *range = NULL;
    zw_serve_options o;
    CHECK_OK(zw_serve_options_init(&o));
    CHECK_OK(zw_serve_table(server, table, GET, &o, &get));
    o.range = true;
    CHECK_OK(zw_serve_table(server, table, RANGE, &o, &range));
    /* The same procedure cannot be served twice (the dealer refuses). */
    zw_registration *again = NULL;
    CHECK_RC(zw_serve_table(server, table, GET, NULL, &again), ZW_ERR_WAMP);
    CHECK(again == NULL);
    /* The dealer's ERROR itself, not only its text. */
    zw_message *refusal = NULL;
    CHECK_OK(zw_last_wamp_error(&refusal));
    CHECK(error_is(refusal, "wamp.error.procedure_already_exists"));
    zw_message_free(refusal);
    CHECK_RC(zw_last_wamp_error(NULL), ZW_ERR_NULL_ARGUMENT);
    /* That failure replaced it: the last one was not a WAMP ERROR. */
    refusal = NULL;
    CHECK_RC(zw_last_wamp_error(&refusal), ZW_NOT_FOUND);
    CHECK(refusal == NULL);

    test_keys(caller);
    test_keys(json_caller);
    test_range(caller);
    test_change_feed(env, table, server, caller);
    test_zero_copy(env, table, server, caller);

    /* Unregistered: no longer served. */
    CHECK_OK(zw_registration_unregister(get));
    zw_registration_free(get);
    zw_message *m = NULL;
    CHECK_RC(call_json(caller, GET, "[3]", &m), ZW_ERR_WAMP);
    CHECK(error_is(m, "wamp.error.no_such_procedure"));
    zw_message_free(m);

    /* A feed still running when its client is freed stops with it; its handle is freed after. */
    zw_change_feed *late = NULL;
    CHECK_OK(zw_table_publish_changes(table, server, CHANGES, &late));
    zw_client_free(server);
    CHECK_OK(zw_txn_begin_write(env, &w));
    put(w, table, 15, rec, record_of(15, rec));
    CHECK_OK(zw_txn_commit(w));
    zw_change_feed_free(late);
    zw_registration_free(range);

    zw_client_free(caller);
    zw_client_free(json_caller);
    zw_table_free(table);
    zw_env_close(env);
    zw_router_free(tr.router);
    return check_summary("test_wamp_serve");
}
