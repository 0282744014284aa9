/* The WAMP C ABI, PubSub side: publish and subscribe with options (acknowledge, exclude_me,
 * exclude/eligible, prefix and wildcard matching), unsubscribe, blocking calls refused inside
 * callbacks, and the zero-copy path: a record published straight out of LMDB with its read
 * transaction ended at once, received byte for byte, with the copies counted. Run under
 * valgrind by `make test-c`: no error, no leak.
 *
 * Usage: test_wamp_pubsub SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include "wamp_support.h"

/* What a subscription saw: the count, and the last event's arguments, details and bytes. */
typedef struct {
    pthread_mutex_t lock;
    atomic_int events;
    atomic_int freed;
    char args[256];
    char kwargs[256];
    char details[256];
    uint64_t publication;
    uint32_t kind;
    uint8_t *bytes;
    size_t len;
    char scheme[32];
    char serializer[32];
} seen;

static void seen_init(seen *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

static void seen_done(seen *s) {
    free(s->bytes);
    pthread_mutex_destroy(&s->lock);
}

static void seen_free(void *userdata) { atomic_fetch_add(&((seen *)userdata)->freed, 1); }

static void on_event(void *userdata, const zw_message *m) {
    seen *s = userdata;
    pthread_mutex_lock(&s->lock);
    args_of(m, s->args, sizeof s->args);
    const char *text = NULL;
    if (zw_message_kwargs_json(m, &text) == ZW_OK) strncpy(s->kwargs, text, sizeof s->kwargs - 1);
    if (zw_message_details_json(m, &text) == ZW_OK) strncpy(s->details, text, sizeof s->details - 1);
    s->publication = zw_message_request_id(m);
    s->kind = zw_message_payload_kind(m);
    zw_slice b;
    if (zw_message_binary(m, &b) == ZW_OK) {
        free(s->bytes);
        s->bytes = malloc(b.len ? b.len : 1);
        memcpy(s->bytes, b.data, b.len);
        s->len = b.len;
    }
    const char *scheme = NULL, *ser = NULL;
    if (zw_message_passthru(m, &scheme, &ser) == ZW_OK) {
        strncpy(s->scheme, scheme, sizeof s->scheme - 1);
        strncpy(s->serializer, ser ? ser : "", sizeof s->serializer - 1);
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->events, 1);
}

static zw_subscription *subscribe(zw_client *c, const char *topic, uint32_t match, seen *s) {
    zw_subscribe_options o;
    CHECK_OK(zw_subscribe_options_init(&o));
    o.match = match;
    zw_subscription *sub = NULL;
    CHECK_OK(zw_subscribe(c, topic, &o, on_event, s, seen_free, &sub));
    return sub;
}

static void publish_json(zw_client *c, const char *topic, const char *args, const zw_publish_options *o) {
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, args, NULL};
    CHECK_OK(zw_publish(c, topic, &p, o, NULL));
}

static void test_argument_errors(zw_client *c) {
    seen s;
    seen_init(&s);
    zw_subscription *sub = NULL;
    zw_subscribe_options so;
    CHECK_RC(zw_subscribe_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_subscribe_options_init(&so));
    CHECK(so.match == ZW_MATCH_EXACT);
    /* Every failure frees the userdata before it returns. */
    CHECK_RC(zw_subscribe(NULL, "t.a", NULL, on_event, &s, seen_free, &sub), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_subscribe(c, NULL, NULL, on_event, &s, seen_free, &sub), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_subscribe(c, "t.a", NULL, NULL, &s, seen_free, &sub), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_subscribe(c, "t.a", NULL, on_event, &s, seen_free, NULL), ZW_ERR_NULL_ARGUMENT);
    so.match = 7;
    CHECK_RC(zw_subscribe(c, "t.a", &so, on_event, &s, seen_free, &sub), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_subscribe(c, "bad..uri", NULL, on_event, &s, seen_free, &sub), ZW_ERR_INVALID_ARGUMENT);
    CHECK(atomic_load(&s.freed) == 6 && sub == NULL);
    CHECK_OK(zw_subscribe(c, "t.a", NULL, on_event, &s, NULL, &sub));
    CHECK_RC(zw_subscription_unsubscribe(sub), ZW_OK);
    CHECK_RC(zw_subscription_unsubscribe(sub), ZW_ERR_CLOSED);
    CHECK_RC(zw_subscription_unsubscribe(NULL), ZW_ERR_NULL_ARGUMENT);
    zw_subscription_free(sub);
    zw_subscription_free(NULL);

    zw_publish_options po;
    CHECK_RC(zw_publish_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_publish_options_init(&po));
    CHECK(po.exclude_me && !po.acknowledge && po.exclude == NULL && po.eligible == NULL);
    CHECK_RC(zw_publish(NULL, "t.a", NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_publish(c, NULL, NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_publish(c, "bad..uri", NULL, NULL, NULL), ZW_ERR_INVALID_ARGUMENT);
    po.exclude_len = 2; /* with a NULL array */
    CHECK_RC(zw_publish(c, "t.a", NULL, &po, NULL), ZW_ERR_NULL_ARGUMENT);
    zw_payload bad = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[1", NULL};
    CHECK_RC(zw_publish(c, "t.a", &bad, NULL, NULL), ZW_ERR_INVALID_ARGUMENT);
    seen_done(&s);
}

static void test_pubsub(const test_router *tr) {
    zw_client *sub_c = connect_with(tr->ws_url, ZW_SERIALIZER_CBOR, false);
    zw_client *pub_c = connect_with(tr->rs_url, ZW_SERIALIZER_JSON, false);
    if (!sub_c || !pub_c) return;
    test_argument_errors(pub_c);
    uint64_t sub_session = 0, pub_session = 0;
    CHECK_OK(zw_client_session_id(sub_c, &sub_session));
    CHECK_OK(zw_client_session_id(pub_c, &pub_session));
    CHECK(sub_session != pub_session);

    /* Exact, acknowledged: the publication id matches the event's. */
    seen news;
    seen_init(&news);
    zw_subscription *s_news = subscribe(sub_c, "test.news", ZW_MATCH_EXACT, &news);
    zw_publish_options po;
    zw_publish_options_init(&po);
    po.acknowledge = true;
    po.disclose_me = true;
    uint64_t publication = 0;
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[\"hello\", 42]", "{\"lang\": \"en\"}"};
    CHECK_OK(zw_publish(pub_c, "test.news", &p, &po, &publication));
    CHECK(publication != 0);
    WAIT_FOR(atomic_load(&news.events) == 1);
    CHECK(strcmp(news.args, "[\"hello\",42]") == 0 && strcmp(news.kwargs, "{\"lang\":\"en\"}") == 0);
    CHECK(news.publication == publication && news.kind == ZW_PAYLOAD_JSON);
    char want[64];
    snprintf(want, sizeof want, "\"publisher\":%llu", (unsigned long long)pub_session);
    CHECK(strstr(news.details, want) != NULL);

    /* exclude / eligible, then a marker that must be the only one seen. */
    zw_publish_options_init(&po);
    po.exclude = &sub_session;
    po.exclude_len = 1;
    publish_json(pub_c, "test.news", "[\"excluded\"]", &po);
    zw_publish_options_init(&po);
    po.eligible = &pub_session;
    po.eligible_len = 1;
    publish_json(pub_c, "test.news", "[\"not eligible\"]", &po);
    zw_publish_options_init(&po);
    po.eligible = &sub_session;
    po.eligible_len = 1;
    publish_json(pub_c, "test.news", "[\"eligible\"]", &po);
    WAIT_FOR(atomic_load(&news.events) == 2);
    sleep_ms(100);
    CHECK(atomic_load(&news.events) == 2 && strcmp(news.args, "[\"eligible\"]") == 0);

    /* Own events: left out by default, delivered with exclude_me = false. */
    seen own;
    seen_init(&own);
    zw_subscription *s_own = subscribe(pub_c, "test.own", ZW_MATCH_EXACT, &own);
    publish_json(pub_c, "test.own", "[\"default\"]", NULL);
    zw_publish_options_init(&po);
    po.exclude_me = false;
    publish_json(pub_c, "test.own", "[\"mine\"]", &po);
    WAIT_FOR(atomic_load(&own.events) == 1);
    sleep_ms(100);
    CHECK(atomic_load(&own.events) == 1 && strcmp(own.args, "[\"mine\"]") == 0);

    /* Prefix and wildcard patterns: the topic published to is in the details. */
    seen prefix, wild;
    seen_init(&prefix);
    seen_init(&wild);
    zw_subscription *s_prefix = subscribe(sub_c, "test.pre.", ZW_MATCH_PREFIX, &prefix);
    zw_subscription *s_wild = subscribe(sub_c, "test..x", ZW_MATCH_WILDCARD, &wild);
    publish_json(pub_c, "test.pre.a.b", "[1]", NULL);
    publish_json(pub_c, "test.w.y", "[2]", NULL);
    publish_json(pub_c, "test.w.x", "[3]", NULL);
    WAIT_FOR(atomic_load(&prefix.events) == 1 && atomic_load(&wild.events) == 1);
    sleep_ms(100);
    CHECK(atomic_load(&prefix.events) == 1 && strstr(prefix.details, "\"topic\":\"test.pre.a.b\"") != NULL);
    CHECK(atomic_load(&wild.events) == 1 && strcmp(wild.args, "[3]") == 0);
    CHECK(strstr(wild.details, "\"topic\":\"test.w.x\"") != NULL);

    /* A binary argument, and no arguments. */
    const uint8_t bin[3] = {0, 0x80, 0xff};
    zw_payload b = {ZW_PAYLOAD_BINARY, {bin, 3}, NULL, NULL, NULL};
    CHECK_OK(zw_publish(pub_c, "test.news", &b, NULL, NULL));
    WAIT_FOR(atomic_load(&news.events) == 3);
    CHECK(news.kind == ZW_PAYLOAD_BINARY && news.len == 3 && memcmp(news.bytes, bin, 3) == 0);
    CHECK_OK(zw_publish(pub_c, "test.news", NULL, NULL, NULL));
    WAIT_FOR(atomic_load(&news.events) == 4);
    CHECK(news.kind == ZW_PAYLOAD_NONE && strcmp(news.args, "[]") == 0);

    /* Unsubscribe: free_userdata has run when it returns, and no event comes after. */
    CHECK(atomic_load(&news.freed) == 0);
    CHECK_OK(zw_subscription_unsubscribe(s_news));
    CHECK(atomic_load(&news.freed) == 1);
    publish_json(pub_c, "test.news", "[\"late\"]", NULL);
    publish_json(pub_c, "test.pre.marker", "[\"marker\"]", NULL);
    WAIT_FOR(atomic_load(&prefix.events) == 2);
    CHECK(atomic_load(&news.events) == 4);

    /* Freeing a handle does not unsubscribe; freeing the client frees every userdata. */
    zw_subscription_free(s_news);
    zw_subscription_free(s_prefix);
    zw_subscription_free(s_wild);
    zw_subscription_free(s_own);
    zw_client_free(sub_c);
    CHECK(atomic_load(&prefix.freed) == 1 && atomic_load(&wild.freed) == 1);
    zw_client_free(pub_c);
    CHECK(atomic_load(&own.freed) == 1 && atomic_load(&news.freed) == 1);
    seen_done(&news);
    seen_done(&own);
    seen_done(&prefix);
    seen_done(&wild);
}

/* ---- blocking functions inside a callback -------------------------------------------------- */

typedef struct {
    zw_client *client;
    zw_subscription *self;
    atomic_int ran;
    zw_result call_wait, subscribe, unsubscribe, ack_publish, publish, async_call, leave, dispatch;
} reentry;

static void on_result_ignore(void *userdata, zw_result status, const zw_message *msg) {
    (void)userdata;
    (void)status;
    (void)msg;
}

static void on_reentry(void *userdata, const zw_message *m) {
    (void)m;
    reentry *r = userdata;
    zw_message *out = NULL;
    r->call_wait = zw_call_wait(r->client, "test.none", NULL, NULL, &out);
    zw_subscription *sub = NULL;
    r->subscribe = zw_subscribe(r->client, "test.other", NULL, on_event, NULL, NULL, &sub);
    r->unsubscribe = zw_subscription_unsubscribe(r->self);
    zw_publish_options po;
    zw_publish_options_init(&po);
    po.acknowledge = true;
    r->ack_publish = zw_publish(r->client, "test.other", NULL, &po, NULL);
    r->publish = zw_publish(r->client, "test.other", NULL, NULL, NULL);
    r->async_call = zw_call(r->client, "test.none", NULL, NULL, on_result_ignore, NULL, NULL, NULL);
    r->leave = zw_client_leave(r->client);
    r->dispatch = zw_client_dispatch(r->client, 10, NULL);
    atomic_store(&r->ran, 1);
}

static void test_blocking_in_callback(const test_router *tr) {
    zw_client *c = connect_with(tr->rs_url, ZW_SERIALIZER_MSGPACK, false);
    if (!c) return;
    reentry r;
    memset(&r, 0, sizeof r);
    r.client = c;
    CHECK_OK(zw_subscribe(c, "test.reentry", NULL, on_reentry, &r, NULL, &r.self));
    zw_publish_options po;
    zw_publish_options_init(&po);
    po.exclude_me = false;
    CHECK_OK(zw_publish(c, "test.reentry", NULL, &po, NULL));
    WAIT_FOR(atomic_load(&r.ran) == 1);
    CHECK(r.call_wait == ZW_ERR_IN_CALLBACK && r.subscribe == ZW_ERR_IN_CALLBACK);
    CHECK(r.unsubscribe == ZW_ERR_IN_CALLBACK && r.ack_publish == ZW_ERR_IN_CALLBACK);
    CHECK(r.leave == ZW_ERR_IN_CALLBACK);
    CHECK(r.publish == ZW_OK && r.async_call == ZW_OK && r.dispatch == ZW_OK);
    /* The subscription stayed: unsubscribing works from here. */
    CHECK_OK(zw_subscription_unsubscribe(r.self));
    zw_subscription_free(r.self);
    zw_client_free(c);
}

/* ---- the zero-copy path --------------------------------------------------------------------- */

#define RECORD_LEN 4096

static void test_record_from_lmdb(const test_router *tr, const char *scratch) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/env", scratch);
    mkdir(dir, 0700);
    zw_env_options eo;
    CHECK_OK(zw_env_options_init(&eo));
    zw_env *env = NULL;
    CHECK_OK(zw_env_open(dir, &eo, &env));
    zw_table_options to;
    CHECK_OK(zw_table_options_init(&to));
    to.key_codec = ZW_KEY_U64;
    zw_table *table = NULL;
    CHECK_OK(zw_table_open(env, "records", &to, &table));
    if (!env || !table) return;
    static uint8_t record[RECORD_LEN];
    for (size_t i = 0; i < RECORD_LEN; i++) record[i] = (uint8_t)(i * 31 + 7);
    uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    zw_txn *w = NULL;
    CHECK_OK(zw_txn_begin_write(env, &w));
    CHECK_OK(zw_txn_put(w, table, (zw_slice){key, 8}, (zw_slice){record, RECORD_LEN}, 0));
    zw_slice in_write;
    CHECK_OK(zw_txn_get(w, table, (zw_slice){key, 8}, &in_write));
    zw_client *pub_c = connect_with(tr->rs_url, ZW_SERIALIZER_MSGPACK, false);
    zw_client *sub_c = connect_with(tr->rs_url, ZW_SERIALIZER_MSGPACK, false);
    if (!pub_c || !sub_c) return;
    /* A write transaction cannot pin: its values move when it writes. */
    zw_payload p = {ZW_PAYLOAD_RECORD, in_write, w, NULL, NULL};
    CHECK_RC(zw_publish(pub_c, "test.record", &p, NULL, NULL), ZW_ERR_INVALID_ARGUMENT);
    CHECK_OK(zw_txn_commit(w));

    seen got;
    seen_init(&got);
    zw_subscription *sub = subscribe(sub_c, "test.record", ZW_MATCH_EXACT, &got);
    zw_clientstats before, after;
    CHECK_RC(zw_client_stats(NULL, &before), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_client_stats(pub_c, &before));

    /* Published straight from the map; the transaction ends as soon as zw_publish returns. */
    zw_txn *r = NULL;
    CHECK_OK(zw_txn_begin_read(env, &r));
    zw_slice value;
    CHECK_OK(zw_txn_get(r, table, (zw_slice){key, 8}, &value));
    p = (zw_payload){ZW_PAYLOAD_RECORD, value, r, NULL, NULL};
    CHECK_OK(zw_publish(pub_c, "test.record", &p, NULL, NULL));
    zw_txn_abort(r);
    WAIT_FOR(atomic_load(&got.events) == 1);
    CHECK(got.kind == ZW_PAYLOAD_RECORD && got.len == RECORD_LEN);
    CHECK(got.bytes && memcmp(got.bytes, record, RECORD_LEN) == 0);
    CHECK(strcmp(got.scheme, "x_zerowamp") == 0 && strcmp(got.serializer, "flatbuffers") == 0);
    stats_after_sending(pub_c, before.octets_sent + RECORD_LEN, &after);
    /* MessagePack leaves the record out of the envelope and RawSocket writes both with writev:
     * not one octet of the record was copied. */
    CHECK(after.payload_octets_copied_by_serializer == before.payload_octets_copied_by_serializer);
    CHECK(after.octets_copied_by_transport == 0 && after.octets_encrypted == 0);
    CHECK(after.messages_sent > before.messages_sent);
    CHECK(after.octets_sent - before.octets_sent > RECORD_LEN);

    /* Reset with the record still pinned: the handle detaches, renew begins a new snapshot. */
    CHECK_OK(zw_txn_begin_read(env, &r));
    CHECK_OK(zw_txn_get(r, table, (zw_slice){key, 8}, &value));
    p = (zw_payload){ZW_PAYLOAD_BINARY, value, r, NULL, NULL};
    CHECK_OK(zw_publish(pub_c, "test.record", &p, NULL, NULL));
    CHECK_OK(zw_txn_reset(r));
    CHECK_RC(zw_txn_get(r, table, (zw_slice){key, 8}, &value), ZW_ERR_TXN_RESET);
    p.data = (zw_slice){record, 16};
    CHECK_RC(zw_publish(pub_c, "test.record", &p, NULL, NULL), ZW_ERR_TXN_RESET);
    CHECK_OK(zw_txn_renew(r));
    CHECK_OK(zw_txn_get(r, table, (zw_slice){key, 8}, &value));
    /* Bytes that are not in the transaction's map cannot be pinned to it. */
    p.data = (zw_slice){record, 16};
    CHECK_RC(zw_publish(pub_c, "test.record", &p, NULL, NULL), ZW_ERR_INVALID_ARGUMENT);
    WAIT_FOR(atomic_load(&got.events) == 2);
    CHECK(got.kind == ZW_PAYLOAD_BINARY && got.len == RECORD_LEN && memcmp(got.bytes, record, RECORD_LEN) == 0);
    zw_txn_abort(r);

    /* JSON over WebSocket: the serializer copies the record (base64), masking copies the frame. */
    zw_client *json_c = connect_with(tr->ws_url, ZW_SERIALIZER_JSON, false);
    if (json_c) {
        CHECK_OK(zw_txn_begin_read(env, &r));
        CHECK_OK(zw_txn_get(r, table, (zw_slice){key, 8}, &value));
        p = (zw_payload){ZW_PAYLOAD_RECORD, value, r, NULL, NULL};
        CHECK_OK(zw_publish(json_c, "test.record", &p, NULL, NULL));
        zw_txn_abort(r);
        WAIT_FOR(atomic_load(&got.events) == 3);
        CHECK(got.kind == ZW_PAYLOAD_RECORD && got.len == RECORD_LEN && memcmp(got.bytes, record, RECORD_LEN) == 0);
        stats_after_sending(json_c, RECORD_LEN, &after);
        CHECK(after.payload_octets_copied_by_serializer == RECORD_LEN);
        CHECK(after.octets_copied_by_transport >= after.octets_sent - 1024 && after.octets_copied_by_transport > RECORD_LEN);
        zw_client_free(json_c);
    }

    CHECK_OK(zw_subscription_unsubscribe(sub));
    zw_subscription_free(sub);
    zw_client_free(sub_c);
    zw_client_free(pub_c);
    seen_done(&got);
    zw_table_free(table);
    zw_env_close(env);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    test_router tr;
    router_start(&tr);
    test_pubsub(&tr);
    test_blocking_in_callback(&tr);
    test_record_from_lmdb(&tr, argv[1]);
    zw_router_free(tr.router);
    return check_summary("test_wamp_pubsub");
}
