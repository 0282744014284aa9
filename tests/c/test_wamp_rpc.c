/* The WAMP C ABI, RPC side: the embedded router, connecting, calls (blocking and with a
 * callback), payload kinds both ways, errors, timeouts, progressive results, cancel and
 * interrupts, invocations answered from another thread, a lost session. Run under valgrind by
 * `make test-c`: no error, no leak.
 *
 * Usage: test_wamp_rpc */
#define _POSIX_C_SOURCE 200809L
#include "wamp_support.h"

/* ---- callees ------------------------------------------------------------------------------ */

/* Answers with the payload it got, of the same kind (JSON as JSON, bytes as bytes). */
static void echo_answer(zw_invocation *inv) {
    const zw_message *m = zw_invocation_message(inv);
    zw_payload p;
    memset(&p, 0, sizeof p);
    p.kind = zw_message_payload_kind(m);
    if (p.kind == ZW_PAYLOAD_RECORD || p.kind == ZW_PAYLOAD_BINARY) {
        zw_message_binary(m, &p.data);
    } else if (p.kind == ZW_PAYLOAD_JSON) {
        zw_message_args_json(m, &p.args_json);
        zw_message_kwargs_json(m, &p.kwargs_json);
    }
    zw_invocation_yield(inv, &p);
}

static void on_echo(void *userdata, zw_invocation *inv) {
    atomic_fetch_add(&((counted *)userdata)->called, 1);
    echo_answer(inv);
}

/* Answers with the error com.example.error.bad, args ["why"]. */
static void on_fail(void *userdata, zw_invocation *inv) {
    (void)userdata;
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[\"why\"]", NULL};
    zw_invocation_error(inv, "com.example.error.bad", &p);
}

/* Frees the invocation unanswered: the caller gets wamp.error.runtime_error. */
static void on_drop(void *userdata, zw_invocation *inv) {
    (void)userdata;
    zw_invocation_free(inv);
}

/* Keeps the invocation (one at a time) for the test to answer later, from its own thread. */
typedef struct {
    pthread_mutex_t lock;
    zw_invocation *held;
    atomic_int interrupts;
    char mode[16];
    uint64_t interrupted_id;
    atomic_int wanted_progress;
} keeper;

static void on_keep(void *userdata, zw_invocation *inv) {
    keeper *k = userdata;
    pthread_mutex_lock(&k->lock);
    if (k->held) zw_invocation_free(k->held);
    k->held = inv;
    pthread_mutex_unlock(&k->lock);
}

static void on_interrupt(void *userdata, uint64_t id, const char *mode) {
    keeper *k = userdata;
    pthread_mutex_lock(&k->lock);
    k->interrupted_id = id;
    strncpy(k->mode, mode, sizeof k->mode - 1);
    pthread_mutex_unlock(&k->lock);
    atomic_fetch_add(&k->interrupts, 1);
}

static zw_invocation *take_held(keeper *k) {
    zw_invocation *inv = NULL;
    WAIT_FOR(__atomic_load_n(&k->held, __ATOMIC_SEQ_CST) != NULL);
    pthread_mutex_lock(&k->lock);
    inv = k->held;
    k->held = NULL;
    pthread_mutex_unlock(&k->lock);
    return inv;
}

/* ---- the caller's side of a call with a callback ------------------------------------------ */

typedef struct {
    atomic_int done;
    atomic_int progress;
    zw_result status;
    char args[256];
    char progress_args[4][64];
    uint32_t progress_kind[4];
    char error_uri[128];
    uint64_t request_id;
    atomic_int freed;
} outcome;

static void on_result(void *userdata, zw_result status, const zw_message *msg) {
    outcome *o = userdata;
    o->status = status;
    if (msg) {
        args_of(msg, o->args, sizeof o->args);
        o->request_id = zw_message_request_id(msg);
        const char *uri = NULL;
        if (zw_message_error_uri(msg, &uri) == ZW_OK) strncpy(o->error_uri, uri, sizeof o->error_uri - 1);
    } else {
        /* The detail of a failure without a message is this thread's last error now. */
        zw_last_error_message(o->args, sizeof o->args);
    }
    atomic_store(&o->done, 1);
}

static void on_progress(void *userdata, zw_result status, const zw_message *msg) {
    outcome *o = userdata;
    int i = atomic_load(&o->progress);
    if (status == ZW_OK && i < 4) {
        args_of(msg, o->progress_args[i], sizeof o->progress_args[i]);
        o->progress_kind[i] = zw_message_payload_kind(msg);
    }
    atomic_fetch_add(&o->progress, 1);
}

static void outcome_free(void *userdata) { atomic_fetch_add(&((outcome *)userdata)->freed, 1); }

/* ---- tests -------------------------------------------------------------------------------- */

static void test_codes(void) {
    CHECK(ZW_ERR_WAMP == 7200 && ZW_ERR_INVOCATION_GONE == 7209);
    CHECK(strstr(zw_strerror(ZW_ERR_TIMEOUT), "timed out") != NULL);
    CHECK(strcmp(zw_strerror(ZW_ERR_WAMP), zw_strerror(ZW_ERR_PROTOCOL)) != 0);
}

static void test_router_errors(void) {
    zw_router *r = NULL;
    char msg[512];
    CHECK_RC(zw_router_start(NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_router_start("[[realms]]\nname = 3\n", NULL, &r), ZW_ERR_INVALID_ARGUMENT);
    zw_last_error_message(msg, sizeof msg);
    CHECK(strstr(msg, ":2:") != NULL && strstr(msg, "<config_toml>") != NULL);
    CHECK(r == NULL);
    CHECK_RC(zw_router_start("", "/nonexistent.toml", &r), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_router_start(NULL, "/nonexistent/zerowamp.toml", &r), ZW_ERR_INVALID_ARGUMENT);
    zw_last_error_message(msg, sizeof msg);
    CHECK(strstr(msg, "/nonexistent/zerowamp.toml") != NULL);
    CHECK_OK(zw_router_start("[[realms]]\nname = \"other\"\n", NULL, &r));
    CHECK_RC(zw_router_listen(NULL, "rs://127.0.0.1:0", NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_router_listen(r, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_router_listen(r, "nope://x", NULL), ZW_ERR_INVALID_ARGUMENT);
    const char *url = NULL;
    CHECK_OK(zw_router_listen(r, "rs://127.0.0.1:0", &url));
    /* An unknown realm: the router refuses the session. */
    zw_client *c = NULL;
    CHECK_RC(zw_client_connect(url, "realm1", NULL, &c), ZW_ERR_CONNECT);
    zw_last_error_message(msg, sizeof msg);
    CHECK(strstr(msg, "no_such_realm") != NULL || strstr(msg, "refused") != NULL);
    CHECK(c == NULL);
    zw_router_free(r);
    zw_router_free(NULL);
}

static void test_connect_errors(const test_router *tr) {
    zw_client *c = NULL;
    zw_client_options o;
    CHECK_RC(zw_client_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_client_options_init(&o));
    CHECK(o.reconnect && o.call_timeout_ms == 30000 && o.connect_timeout_ms == 10000 && !o.caller_driven);
    CHECK_RC(zw_client_connect(NULL, "realm1", NULL, &c), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_client_connect(tr->rs_url, NULL, NULL, &c), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_client_connect(tr->rs_url, "realm1", NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_client_connect("bogus", "realm1", NULL, &c), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_client_connect("rs://127.0.0.1:1", "realm1", NULL, &c), ZW_ERR_CONNECT);
    o.serializer = 99;
    CHECK_RC(zw_client_connect(tr->rs_url, "realm1", &o, &c), ZW_ERR_INVALID_ARGUMENT);
    CHECK_OK(zw_client_options_init(&o));
    o.cryptosign_seed_hex = "xyz";
    CHECK_RC(zw_client_connect(tr->rs_url, "realm1", &o, &c), ZW_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    zw_client_free(NULL);
}

/* A blocking call of test.echo with `p`; returns the RESULT (owned) or NULL. */
static zw_message *echo(zw_client *c, const zw_payload *p) {
    zw_message *m = NULL;
    CHECK_OK(zw_call_wait(c, "test.echo", p, NULL, &m));
    return m;
}

static void check_payload_kinds(zw_client *c) {
    char buf[256];
    const char *text = NULL;
    /* JSON both ways. */
    zw_payload json = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[1, -2, 2.5, \"a\", {\"k\": [true, null]}]",
                       "{\"x\": \"y\"}"};
    zw_message *m = echo(c, &json);
    CHECK(zw_message_payload_kind(m) == ZW_PAYLOAD_JSON);
    CHECK(strcmp(args_of(m, buf, sizeof buf), "[1,-2,2.5,\"a\",{\"k\":[true,null]}]") == 0);
    CHECK_OK(zw_message_kwargs_json(m, &text));
    CHECK(strcmp(text, "{\"x\":\"y\"}") == 0);
    const char *again = NULL;
    CHECK_OK(zw_message_kwargs_json(m, &again));
    CHECK(again == text); /* rendered once, cached */
    CHECK_OK(zw_message_details_json(m, &text));
    CHECK(text[0] == '{');
    CHECK(zw_message_request_id(m) != 0);
    zw_slice s;
    CHECK_RC(zw_message_binary(m, &s), ZW_NOT_FOUND);
    const char *scheme = NULL, *ser = NULL;
    CHECK_RC(zw_message_passthru(m, &scheme, &ser), ZW_NOT_FOUND);
    CHECK_RC(zw_message_error_uri(m, &text), ZW_NOT_FOUND);
    zw_message_free(m);

    /* No arguments. */
    m = echo(c, NULL);
    CHECK(zw_message_payload_kind(m) == ZW_PAYLOAD_NONE);
    CHECK(strcmp(args_of(m, buf, sizeof buf), "[]") == 0);
    CHECK_OK(zw_message_kwargs_json(m, &text));
    CHECK(strcmp(text, "{}") == 0);
    zw_message_free(m);

    /* One binary argument. */
    const uint8_t bin[5] = {0, 1, 2, 0xfe, 0xff};
    zw_payload binary = {ZW_PAYLOAD_BINARY, {bin, sizeof bin}, NULL, NULL, NULL};
    m = echo(c, &binary);
    CHECK(zw_message_payload_kind(m) == ZW_PAYLOAD_BINARY);
    CHECK_OK(zw_message_binary(m, &s));
    CHECK(s.len == sizeof bin && memcmp(s.data, bin, sizeof bin) == 0);
    CHECK(strcmp(args_of(m, buf, sizeof buf), "[{\"$bytes\":\"AAEC/v8=\"}]") == 0);
    CHECK_RC(zw_message_passthru(m, &scheme, &ser), ZW_NOT_FOUND);
    zw_message_free(m);

    /* A record, in passthru mode. */
    uint8_t rec[64];
    for (size_t i = 0; i < sizeof rec; i++) rec[i] = (uint8_t)(i * 7);
    zw_payload record = {ZW_PAYLOAD_RECORD, {rec, sizeof rec}, NULL, NULL, NULL};
    m = echo(c, &record);
    CHECK(zw_message_payload_kind(m) == ZW_PAYLOAD_RECORD);
    CHECK_OK(zw_message_binary(m, &s));
    CHECK(s.len == sizeof rec && memcmp(s.data, rec, sizeof rec) == 0);
    CHECK_OK(zw_message_passthru(m, &scheme, &ser));
    CHECK(strcmp(scheme, "x_zerowamp") == 0 && ser && strcmp(ser, "flatbuffers") == 0);
    zw_message_free(m);
}

static void test_calls(const test_router *tr) {
    const char *urls[2] = {tr->rs_url, tr->ws_url};
    uint32_t serializers[4] = {ZW_SERIALIZER_JSON, ZW_SERIALIZER_MSGPACK, ZW_SERIALIZER_CBOR,
                               ZW_SERIALIZER_FLATBUFFERS};
    zw_client *callee = connect_with(tr->rs_url, ZW_SERIALIZER_DEFAULT, false);
    if (!callee) return;
    counted echo_ud = {0, 0};
    zw_registration *reg = NULL;
    CHECK_OK(zw_register(callee, "test.echo", NULL, on_echo, &echo_ud, counted_free, &reg));
    for (int u = 0; u < 2; u++) {
        for (int s = 0; s < 4; s++) {
            zw_client *c = connect_with(urls[u], serializers[s], false);
            if (!c) continue;
            check_payload_kinds(c);
            zw_client_free(c);
        }
    }
    CHECK(atomic_load(&echo_ud.called) == 8 * 4);

    zw_client *c = connect_with(tr->ws_url, ZW_SERIALIZER_DEFAULT, false);
    zw_message *m = NULL;
    char msg[256];
    /* NULL arguments and bad payloads. */
    CHECK_RC(zw_call_wait(NULL, "test.echo", NULL, NULL, &m), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_call_wait(c, NULL, NULL, NULL, &m), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_call_wait(c, "test.echo", NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    zw_payload bad = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[1,\n 2,,]", NULL};
    CHECK_RC(zw_call_wait(c, "test.echo", &bad, NULL, &m), ZW_ERR_INVALID_ARGUMENT);
    zw_last_error_message(msg, sizeof msg);
    CHECK(strstr(msg, "payload->args_json") != NULL && strstr(msg, "line 2") != NULL);
    bad.args_json = "{}";
    CHECK_RC(zw_call_wait(c, "test.echo", &bad, NULL, &m), ZW_ERR_INVALID_ARGUMENT);
    bad.args_json = NULL;
    bad.kwargs_json = "[]";
    CHECK_RC(zw_call_wait(c, "test.echo", &bad, NULL, &m), ZW_ERR_INVALID_ARGUMENT);
    zw_last_error_message(msg, sizeof msg);
    CHECK(strstr(msg, "kwargs_json") != NULL);
    bad.kind = 42;
    CHECK_RC(zw_call_wait(c, "test.echo", &bad, NULL, &m), ZW_ERR_INVALID_ARGUMENT);
    zw_payload nodata = {ZW_PAYLOAD_BINARY, {NULL, 3}, NULL, NULL, NULL};
    CHECK_RC(zw_call_wait(c, "test.echo", &nodata, NULL, &m), ZW_ERR_NULL_ARGUMENT);
    CHECK(m == NULL);
    zw_call_options co;
    CHECK_RC(zw_call_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_call_options_init(&co));
    co.receive_progress = true;
    co.on_progress = on_progress;
    CHECK_RC(zw_call_wait(c, "test.echo", NULL, &co, &m), ZW_ERR_INVALID_ARGUMENT);

    /* Unknown procedure: ZW_ERR_WAMP with the ERROR as *out. */
    CHECK_RC(zw_call_wait(c, "test.nope", NULL, NULL, &m), ZW_ERR_WAMP);
    const char *uri = NULL;
    CHECK(m != NULL);
    CHECK_OK(zw_message_error_uri(m, &uri));
    CHECK(uri && strcmp(uri, "wamp.error.no_such_procedure") == 0);
    CHECK(zw_message_request_id(m) == 0);
    zw_message_free(m);
    m = NULL;

    /* An application error, with arguments. */
    zw_registration *fail_reg = NULL, *drop_reg = NULL;
    CHECK_OK(zw_register(callee, "test.fail", NULL, on_fail, NULL, NULL, &fail_reg));
    CHECK_OK(zw_register(callee, "test.drop", NULL, on_drop, NULL, NULL, &drop_reg));
    CHECK_RC(zw_call_wait(c, "test.fail", NULL, NULL, &m), ZW_ERR_WAMP);
    CHECK_OK(zw_message_error_uri(m, &uri));
    CHECK(strcmp(uri, "com.example.error.bad") == 0);
    CHECK(strcmp(args_of(m, msg, sizeof msg), "[\"why\"]") == 0);
    CHECK(zw_message_payload_kind(m) == ZW_PAYLOAD_JSON);
    zw_message_free(m);
    CHECK_RC(zw_call_wait(c, "test.drop", NULL, NULL, &m), ZW_ERR_WAMP);
    CHECK_OK(zw_message_error_uri(m, &uri));
    CHECK(strcmp(uri, "wamp.error.runtime_error") == 0);
    zw_message_free(m);

    /* With a callback: the result, then free_userdata, exactly once each. */
    outcome o;
    memset(&o, 0, sizeof o);
    zw_payload one = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[\"hi\"]", NULL};
    zw_call_handle *h = NULL;
    CHECK_OK(zw_call(c, "test.echo", &one, NULL, on_result, &o, outcome_free, &h));
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(atomic_load(&o.done) == 1 && o.status == ZW_OK && strcmp(o.args, "[\"hi\"]") == 0);
    CHECK(o.request_id != 0);
    CHECK_OK(zw_call_cancel(h, ZW_CANCEL_SKIP)); /* finished: nothing happens */
    CHECK_RC(zw_call_cancel(h, 9), ZW_ERR_INVALID_ARGUMENT);
    zw_call_free(h);
    zw_call_free(NULL);
    CHECK(atomic_load(&o.freed) == 1);

    /* An ERROR to the callback, with its request id. */
    memset(&o, 0, sizeof o);
    CHECK_OK(zw_call(c, "test.nope", NULL, NULL, on_result, &o, outcome_free, NULL));
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(o.status == ZW_ERR_WAMP && strcmp(o.error_uri, "wamp.error.no_such_procedure") == 0);
    CHECK(o.request_id != 0);

    /* zw_call failing: free_userdata before it returns, the callback never. */
    memset(&o, 0, sizeof o);
    bad.kind = ZW_PAYLOAD_JSON;
    bad.args_json = "nope";
    bad.kwargs_json = NULL;
    CHECK_RC(zw_call(c, "test.echo", &bad, NULL, on_result, &o, outcome_free, NULL), ZW_ERR_INVALID_ARGUMENT);
    CHECK(atomic_load(&o.freed) == 1 && atomic_load(&o.done) == 0);
    CHECK_RC(zw_call(c, "test.echo", NULL, NULL, NULL, &o, outcome_free, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_call(NULL, "test.echo", NULL, NULL, on_result, &o, outcome_free, NULL), ZW_ERR_NULL_ARGUMENT);
    co.on_progress = NULL; /* receive_progress without on_progress */
    CHECK_RC(zw_call(c, "test.echo", NULL, &co, on_result, &o, outcome_free, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK(atomic_load(&o.freed) == 4 && atomic_load(&o.done) == 0);

    CHECK_OK(zw_registration_unregister(fail_reg));
    CHECK_OK(zw_registration_unregister(drop_reg));
    CHECK_RC(zw_registration_unregister(drop_reg), ZW_ERR_CLOSED);
    zw_registration_free(fail_reg);
    zw_registration_free(drop_reg);
    CHECK_OK(zw_registration_unregister(reg));
    CHECK(atomic_load(&echo_ud.freed) == 1);
    zw_registration_free(reg);
    CHECK_RC(zw_call_wait(c, "test.echo", NULL, NULL, &m), ZW_ERR_WAMP);
    zw_message_free(m);
    zw_client_free(c);
    zw_client_free(callee);
}

/* Answers a kept invocation with three progressive results and a final one, from its own thread. */
static void *answer_progressively(void *arg) {
    keeper *k = arg;
    zw_invocation *inv = take_held(k);
    if (!inv) return NULL;
    atomic_store(&k->wanted_progress, zw_invocation_wants_progress(inv) ? 1 : 0);
    /* A record first (passthru progressive result), then JSON. */
    const uint8_t rec[4] = {9, 8, 7, 6};
    zw_payload first = {ZW_PAYLOAD_RECORD, {rec, 4}, NULL, NULL, NULL};
    zw_invocation_progress(inv, &first);
    const char *chunks[2] = {"[1]", "[2]"};
    for (int i = 0; i < 2; i++) {
        zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, chunks[i], NULL};
        if (zw_invocation_progress(inv, &p) != ZW_OK) break;
    }
    zw_payload last = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[\"done\"]", NULL};
    zw_invocation_yield(inv, &last);
    return NULL;
}

static void test_slow_callee(const test_router *tr) {
    zw_client *callee = connect_with(tr->rs_url, ZW_SERIALIZER_CBOR, false);
    zw_client *c = connect_with(tr->rs_url, ZW_SERIALIZER_MSGPACK, false);
    if (!callee || !c) return;
    keeper k;
    memset(&k, 0, sizeof k);
    pthread_mutex_init(&k.lock, NULL);
    zw_register_options ro;
    CHECK_RC(zw_register_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_register_options_init(&ro));
    ro.on_interrupt = on_interrupt;
    ro.disclose_caller = true;
    zw_registration *reg = NULL;
    CHECK_OK(zw_register(callee, "test.slow", &ro, on_keep, &k, NULL, &reg));

    /* Timeout: the callee never answers in time. */
    zw_call_options co;
    zw_call_options_init(&co);
    co.timeout_ms = 300;
    zw_message *m = NULL;
    CHECK_RC(zw_call_wait(c, "test.slow", NULL, &co, &m), ZW_ERR_TIMEOUT);
    CHECK(m == NULL);
    zw_invocation *inv = take_held(&k);
    CHECK(inv != NULL);
    WAIT_FOR(atomic_load(&k.interrupts) == 1); /* the session cancels a call that timed out */
    CHECK(zw_invocation_is_interrupted(inv));
    CHECK(strcmp(k.mode, "killnowait") == 0);
    zw_invocation_free(inv);

    /* Invocation details: the caller disclosed. */
    uint64_t caller_session = 0;
    CHECK_OK(zw_client_session_id(c, &caller_session));
    outcome o;
    memset(&o, 0, sizeof o);
    zw_call_handle *h = NULL;
    CHECK_OK(zw_call(c, "test.slow", NULL, NULL, on_result, &o, outcome_free, &h));
    inv = take_held(&k);
    const char *details = NULL;
    CHECK_OK(zw_message_details_json(zw_invocation_message(inv), &details));
    char want[64];
    snprintf(want, sizeof want, "\"caller\":%llu", (unsigned long long)caller_session);
    CHECK(details && strstr(details, want) != NULL);
    CHECK(zw_invocation_id(inv) != 0 && zw_invocation_id(inv) == zw_message_request_id(zw_invocation_message(inv)));
    CHECK(!zw_invocation_wants_progress(inv) && !zw_invocation_is_interrupted(inv));

    /* Cancel (kill): the callee is interrupted and answers wamp.error.canceled. */
    CHECK_OK(zw_call_cancel(h, ZW_CANCEL_KILL));
    WAIT_FOR(atomic_load(&k.interrupts) == 2);
    CHECK(strcmp(k.mode, "kill") == 0 && k.interrupted_id == zw_invocation_id(inv));
    CHECK(zw_invocation_is_interrupted(inv));
    CHECK_OK(zw_invocation_error(inv, "wamp.error.canceled", NULL));
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(o.status == ZW_ERR_CANCELED && atomic_load(&o.done) == 1);
    zw_call_free(h);

    /* Cancel (skip): the caller is told at once; the callee's late answer goes nowhere. */
    memset(&o, 0, sizeof o);
    CHECK_OK(zw_call(c, "test.slow", NULL, NULL, on_result, &o, outcome_free, &h));
    inv = take_held(&k);
    CHECK_OK(zw_call_cancel(h, ZW_CANCEL_SKIP));
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(o.status == ZW_ERR_CANCELED);
    zw_invocation_yield(inv, NULL);
    zw_call_free(h);

    /* Progressive results, answered from another thread. */
    memset(&o, 0, sizeof o);
    zw_call_options_init(&co);
    co.receive_progress = true;
    co.on_progress = on_progress;
    pthread_t answerer;
    pthread_create(&answerer, NULL, answer_progressively, &k);
    CHECK_OK(zw_call(c, "test.slow", NULL, &co, on_result, &o, outcome_free, NULL));
    pthread_join(answerer, NULL);
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(atomic_load(&o.progress) == 3 && o.status == ZW_OK);
    CHECK(atomic_load(&k.wanted_progress) == 1);
    CHECK(o.progress_kind[0] == ZW_PAYLOAD_RECORD && strcmp(o.progress_args[0], "[{\"$bytes\":\"CQgHBg==\"}]") == 0);
    CHECK(o.progress_kind[1] == ZW_PAYLOAD_JSON && strcmp(o.progress_args[2], "[2]") == 0);
    CHECK(strcmp(o.args, "[\"done\"]") == 0);

    /* Answers on a consumed or NULL invocation. */
    CHECK_RC(zw_invocation_yield(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_invocation_error(NULL, "x.y", NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_invocation_progress(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK(zw_invocation_message(NULL) == NULL && zw_invocation_id(NULL) == 0);
    zw_invocation_free(NULL);

    /* A record cannot be an error's payload; the invocation is consumed anyway. */
    memset(&o, 0, sizeof o);
    CHECK_OK(zw_call(c, "test.slow", NULL, NULL, on_result, &o, outcome_free, NULL));
    inv = take_held(&k);
    uint8_t rec[4] = {1, 2, 3, 4};
    zw_payload record = {ZW_PAYLOAD_RECORD, {rec, 4}, NULL, NULL, NULL};
    CHECK_RC(zw_invocation_error(inv, "x.error", &record), ZW_ERR_INVALID_ARGUMENT);
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(o.status == ZW_ERR_WAMP && strcmp(o.error_uri, "wamp.error.runtime_error") == 0);

    /* Invocations of a session that ended cannot be answered. */
    memset(&o, 0, sizeof o);
    CHECK_OK(zw_call(c, "test.slow", NULL, NULL, on_result, &o, outcome_free, NULL));
    inv = take_held(&k);
    CHECK_OK(zw_client_leave(callee));
    CHECK_RC(zw_invocation_yield(inv, NULL), ZW_ERR_INVOCATION_GONE);
    WAIT_FOR(atomic_load(&o.freed) == 1);
    /* The dealer tells the caller its callee went away: wamp.error.canceled. */
    CHECK(o.status == ZW_ERR_CANCELED && strstr(o.args, "callee left") != NULL);
    uint64_t sid = 0;
    CHECK_RC(zw_client_session_id(callee, &sid), ZW_ERR_CLOSED);
    CHECK_RC(zw_call_wait(callee, "test.echo", NULL, NULL, &m), ZW_ERR_CLOSED);
    CHECK_RC(zw_publish(callee, "test.topic", NULL, NULL, NULL), ZW_ERR_CLOSED);
    CHECK_OK(zw_client_leave(callee)); /* twice is fine */
    zw_registration_free(reg);
    zw_client_free(callee);
    zw_client_free(c);
    pthread_mutex_destroy(&k.lock);
}

/* The router goes away: the client reconnects, meanwhile requests fail at once. */
static void test_lost_session(void) {
    zw_router *r = NULL;
    const char *url = NULL;
    CHECK_OK(zw_router_start(NULL, NULL, &r));
    CHECK_OK(zw_router_listen(r, "rs://127.0.0.1:0", &url));
    zw_client *c = connect_with(url, ZW_SERIALIZER_DEFAULT, false);
    if (!c) return;
    outcome o;
    memset(&o, 0, sizeof o);
    keeper k;
    memset(&k, 0, sizeof k);
    pthread_mutex_init(&k.lock, NULL);
    zw_registration *reg = NULL;
    CHECK_OK(zw_register(c, "test.hang", NULL, on_keep, &k, NULL, &reg));
    CHECK_OK(zw_call(c, "test.hang", NULL, NULL, on_result, &o, outcome_free, NULL));
    zw_invocation *inv = take_held(&k);
    zw_router_free(r);
    WAIT_FOR(atomic_load(&o.freed) == 1);
    CHECK(o.status == ZW_ERR_SESSION_LOST);
    uint64_t sid = 0;
    zw_result rc = zw_client_session_id(c, &sid);
    CHECK(rc == ZW_ERR_NOT_CONNECTED);
    zw_message *m = NULL;
    CHECK_RC(zw_call_wait(c, "test.hang", NULL, NULL, &m), ZW_ERR_NOT_CONNECTED);
    CHECK(zw_invocation_is_interrupted(inv));
    CHECK_RC(zw_invocation_yield(inv, NULL), ZW_ERR_INVOCATION_GONE);
    zw_registration_free(reg);
    zw_client_free(c);
    pthread_mutex_destroy(&k.lock);
}

int main(void) {
    test_codes();
    test_router_errors();
    test_router tr;
    router_start(&tr);
    test_connect_errors(&tr);
    test_calls(&tr);
    test_slow_callee(&tr);
    zw_router_free(tr.router);
    test_lost_session();
    return check_summary("test_wamp_rpc");
}
