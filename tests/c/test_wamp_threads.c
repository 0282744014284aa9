/* The WAMP C ABI across threads and lifetimes: four threads calling and publishing through one
 * client at once; a caller-driven client (poll on zw_client_fd, zw_client_dispatch); every
 * free_userdata called exactly once (calls, subscriptions, registrations, failures, the client
 * freed with everything still open, the client freed inside its own callback); handles that
 * outlive their client. Run under valgrind by `make test-c`: no error, no leak.
 *
 * Usage: test_wamp_threads SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>

#include "wamp_support.h"

/* Answers with its arguments. */
static void on_echo(void *userdata, zw_invocation *inv) {
    if (userdata) atomic_fetch_add(&((counted *)userdata)->called, 1);
    const zw_message *m = zw_invocation_message(inv);
    zw_payload p;
    memset(&p, 0, sizeof p);
    p.kind = ZW_PAYLOAD_JSON;
    zw_message_args_json(m, &p.args_json);
    zw_invocation_yield(inv, &p);
}

static void on_count_event(void *userdata, const zw_message *m) {
    (void)m;
    atomic_fetch_add(&((counted *)userdata)->called, 1);
}

static void on_count_result(void *userdata, zw_result status, const zw_message *m) {
    (void)m;
    counted *c = userdata;
    if (status == ZW_OK) atomic_fetch_add(&c->called, 1);
}

/* ---- four threads through one client -------------------------------------------------------- */

#define PER_THREAD 50

typedef struct {
    zw_client *client;
    int index;
    atomic_int *failures;
    counted *async_results;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    char args[64], buf[64];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(args, sizeof args, "[%d,%d]", w->index, i);
        zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, args, NULL};
        zw_message *m = NULL;
        if (zw_call_wait(w->client, "test.echo", &p, NULL, &m) != ZW_OK ||
            strcmp(args_of(m, buf, sizeof buf), args) != 0)
            atomic_fetch_add(w->failures, 1);
        zw_message_free(m);
        if (zw_publish(w->client, "test.threads", &p, NULL, NULL) != ZW_OK) atomic_fetch_add(w->failures, 1);
        if (zw_call(w->client, "test.echo", &p, NULL, on_count_result, w->async_results, counted_free, NULL) != ZW_OK)
            atomic_fetch_add(w->failures, 1);
    }
    return NULL;
}

static void test_four_threads(const test_router *tr) {
    zw_client *callee = connect_with(tr->rs_url, ZW_SERIALIZER_CBOR, false);
    zw_client *sub_c = connect_with(tr->ws_url, ZW_SERIALIZER_MSGPACK, false);
    zw_client *shared = connect_with(tr->rs_url, ZW_SERIALIZER_MSGPACK, false);
    if (!callee || !sub_c || !shared) return;
    counted echo_ud = {0, 0}, events = {0, 0};
    zw_registration *reg = NULL;
    zw_subscription *sub = NULL;
    CHECK_OK(zw_register(callee, "test.echo", NULL, on_echo, &echo_ud, counted_free, &reg));
    CHECK_OK(zw_subscribe(sub_c, "test.threads", NULL, on_count_event, &events, counted_free, &sub));
    atomic_int failures = 0;
    /* One userdata for all async calls of all threads: freed once per call. */
    counted async_results = {0, 0};
    worker workers[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (worker){shared, i, &failures, &async_results};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&failures) == 0);
    WAIT_FOR(atomic_load(&events.called) == 4 * PER_THREAD && atomic_load(&async_results.freed) == 4 * PER_THREAD);
    CHECK(atomic_load(&events.called) == 4 * PER_THREAD);
    CHECK(atomic_load(&async_results.called) == 4 * PER_THREAD);
    CHECK(atomic_load(&async_results.freed) == 4 * PER_THREAD);
    CHECK(atomic_load(&echo_ud.called) == 2 * 4 * PER_THREAD);
    zw_client_free(shared);
    zw_registration_free(reg);
    zw_subscription_free(sub);
    zw_client_free(callee);
    zw_client_free(sub_c);
    CHECK(atomic_load(&echo_ud.freed) == 1 && atomic_load(&events.freed) == 1);
}

/* ---- caller-driven -------------------------------------------------------------------------- */

typedef struct {
    zw_client *client;
    pthread_t main_thread;
    atomic_int results;
    atomic_int events;
    atomic_int off_thread;
    zw_result nested_dispatch;
} driven;

static void on_driven_result(void *userdata, zw_result status, const zw_message *m) {
    (void)m;
    driven *d = userdata;
    if (!pthread_equal(pthread_self(), d->main_thread)) atomic_fetch_add(&d->off_thread, 1);
    d->nested_dispatch = zw_client_dispatch(d->client, 1, NULL);
    if (status == ZW_OK) atomic_fetch_add(&d->results, 1);
}

static void on_driven_event(void *userdata, const zw_message *m) {
    (void)m;
    driven *d = userdata;
    if (!pthread_equal(pthread_self(), d->main_thread)) atomic_fetch_add(&d->off_thread, 1);
    atomic_fetch_add(&d->events, 1);
}

/* Polls the client's descriptor and dispatches until `cond` holds (or 30 s pass). */
#define DRIVE_UNTIL(client, fd, cond)                                                  \
    do {                                                                               \
        for (int drive_i_ = 0; !(cond) && drive_i_ < 3000; drive_i_++) {               \
            struct pollfd pfd = {fd, POLLIN, 0};                                       \
            if (poll(&pfd, 1, 10) > 0) CHECK_OK(zw_client_dispatch(client, 64, NULL)); \
        }                                                                              \
    } while (0)

static void test_caller_driven(const test_router *tr) {
    zw_client *callee = connect_with(tr->rs_url, ZW_SERIALIZER_JSON, false);
    zw_client *c = connect_with(tr->ws_url, ZW_SERIALIZER_CBOR, true);
    if (!callee || !c) return;
    int fd = -1;
    CHECK_RC(zw_client_fd(callee, &fd), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_client_fd(NULL, &fd), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_client_fd(c, &fd));
    CHECK(fd >= 0);
    size_t ran = 99;
    CHECK_OK(zw_client_dispatch(callee, 10, &ran));
    CHECK(ran == 0);
    CHECK_RC(zw_client_dispatch(NULL, 10, &ran), ZW_ERR_NULL_ARGUMENT);
    zw_registration *reg = NULL;
    CHECK_OK(zw_register(callee, "test.echo", NULL, on_echo, NULL, NULL, &reg));

    driven d;
    memset(&d, 0, sizeof d);
    d.client = c;
    d.main_thread = pthread_self();
    counted freed = {0, 0};
    /* Blocking requests work without a loop: they dispatch while they wait. */
    zw_subscription *sub = NULL;
    CHECK_OK(zw_subscribe(c, "test.driven", NULL, on_driven_event, &d, NULL, &sub));
    zw_message *m = NULL;
    zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[7]", NULL};
    CHECK_OK(zw_call_wait(c, "test.echo", &p, NULL, &m));
    zw_message_free(m);

    /* A callback runs only in zw_client_dispatch, on this thread. */
    CHECK_OK(zw_call(c, "test.echo", &p, NULL, on_driven_result, &d, counted_free, NULL));
    zw_payload e = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, "[\"event\"]", NULL};
    CHECK_OK(zw_publish(callee, "test.driven", &e, NULL, NULL));
    sleep_ms(200);
    CHECK(atomic_load(&d.results) == 0 && atomic_load(&d.events) == 0);
    DRIVE_UNTIL(c, fd, atomic_load(&d.results) == 1 && atomic_load(&d.events) == 1);
    CHECK(atomic_load(&d.results) == 1 && atomic_load(&d.events) == 1);
    CHECK(atomic_load(&d.off_thread) == 0);
    CHECK(d.nested_dispatch == ZW_ERR_IN_CALLBACK);
    (void)freed;

    CHECK_OK(zw_subscription_unsubscribe(sub));
    zw_subscription_free(sub);
    zw_registration_free(reg);
    zw_client_free(c);
    zw_client_free(callee);
}

/* ---- every free_userdata exactly once ------------------------------------------------------- */

typedef struct {
    zw_client *client;
    counted *own;
    atomic_int done;
} self_freeing;

/* Frees its own client, inside the client's callback: deferred until the callback returns. */
static void on_free_own_client(void *userdata, const zw_message *m) {
    (void)m;
    self_freeing *s = userdata;
    if (atomic_exchange(&s->done, 1) == 0) {
        zw_client_free(s->client);
        /* Still inside the callback: its own userdata is not freed yet. */
        if (atomic_load(&s->own->freed) != 0) atomic_store(&s->done, 2);
    }
}

static void self_freeing_free(void *userdata) {
    self_freeing *s = userdata;
    atomic_fetch_add(&s->own->freed, 1);
}

static void hold_invocation(void *userdata, zw_invocation *inv) {
    zw_invocation **slot = userdata;
    __atomic_store_n(slot, inv, __ATOMIC_SEQ_CST);
}

static void test_userdata(const test_router *tr) {
    zw_client *other = connect_with(tr->rs_url, ZW_SERIALIZER_DEFAULT, false);
    zw_client *c = connect_with(tr->rs_url, ZW_SERIALIZER_DEFAULT, false);
    if (!other || !c) return;
    counted call_ok = {0, 0}, call_fail = {0, 0}, call_open = {0, 0};
    counted sub_gone = {0, 0}, sub_open = {0, 0}, sub_fail = {0, 0};
    counted reg_gone = {0, 0}, reg_open = {0, 0}, reg_fail = {0, 0}, reg_held = {0, 0};

    zw_registration *echo_reg = NULL, *hold_reg = NULL;
    CHECK_OK(zw_register(other, "test.echo", NULL, on_echo, NULL, NULL, &echo_reg));
    zw_invocation *held = NULL;
    CHECK_OK(zw_register(other, "test.hold", NULL, hold_invocation, &held, NULL, &hold_reg));

    /* Calls: finished, failed to start, still open when the client goes. */
    CHECK_OK(zw_call(c, "test.echo", NULL, NULL, on_count_result, &call_ok, counted_free, NULL));
    CHECK_RC(zw_call(c, "bad..uri", NULL, NULL, on_count_result, &call_fail, counted_free, NULL), ZW_ERR_INVALID_ARGUMENT);
    CHECK(atomic_load(&call_fail.freed) == 1);
    zw_call_handle *open_call = NULL;
    CHECK_OK(zw_call(c, "test.hold", NULL, NULL, on_count_result, &call_open, counted_free, &open_call));
    WAIT_FOR(atomic_load(&call_ok.freed) == 1 && __atomic_load_n(&held, __ATOMIC_SEQ_CST) != NULL);

    /* Subscriptions: unsubscribed, still open, refused. */
    zw_subscription *s1 = NULL, *s2 = NULL, *s3 = NULL;
    CHECK_OK(zw_subscribe(c, "test.u1", NULL, on_count_event, &sub_gone, counted_free, &s1));
    CHECK_OK(zw_subscribe(c, "test.u2", NULL, on_count_event, &sub_open, counted_free, &s2));
    CHECK_RC(zw_subscribe(c, "bad..uri", NULL, on_count_event, &sub_fail, counted_free, &s3), ZW_ERR_INVALID_ARGUMENT);
    CHECK_OK(zw_subscription_unsubscribe(s1));
    CHECK(atomic_load(&sub_gone.freed) == 1 && atomic_load(&sub_fail.freed) == 1);

    /* Registrations: unregistered, still open, refused (taken already), one with an open invocation. */
    zw_registration *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
    CHECK_OK(zw_register(c, "test.r1", NULL, on_echo, &reg_gone, counted_free, &r1));
    CHECK_OK(zw_register(c, "test.r2", NULL, on_echo, &reg_open, counted_free, &r2));
    CHECK_RC(zw_register(c, "test.echo", NULL, on_echo, &reg_fail, counted_free, &r3), ZW_ERR_WAMP);
    zw_invocation *mine = NULL;
    CHECK_OK(zw_register(c, "test.r4", NULL, hold_invocation, &mine, NULL, &r4));
    CHECK_OK(zw_registration_unregister(r1));
    CHECK(atomic_load(&reg_gone.freed) == 1 && atomic_load(&reg_fail.freed) == 1);
    (void)reg_held;

    /* An invocation of c's the application still holds when c is freed. */
    counted mine_result = {0, 0};
    CHECK_OK(zw_call(other, "test.r4", NULL, NULL, on_count_result, &mine_result, counted_free, NULL));
    WAIT_FOR(__atomic_load_n(&mine, __ATOMIC_SEQ_CST) != NULL);

    /* Everything still open goes with the client, before zw_client_free returns. */
    zw_client_free(c);
    CHECK(atomic_load(&call_open.freed) == 1 && atomic_load(&call_open.called) == 0);
    CHECK(atomic_load(&sub_open.freed) == 1 && atomic_load(&reg_open.freed) == 1);
    CHECK(atomic_load(&call_ok.freed) == 1 && atomic_load(&call_ok.called) == 1);
    CHECK(atomic_load(&sub_gone.freed) == 1 && atomic_load(&reg_gone.freed) == 1);
    /* Handles that outlived their client: ZW_ERR_CLOSED, and they are still freed. */
    CHECK_RC(zw_call_cancel(open_call, ZW_CANCEL_KILL), ZW_ERR_CLOSED);
    CHECK_RC(zw_subscription_unsubscribe(s2), ZW_ERR_CLOSED);
    CHECK_RC(zw_registration_unregister(r2), ZW_ERR_CLOSED);
    CHECK_RC(zw_invocation_yield(mine, NULL), ZW_ERR_INVOCATION_GONE);
    zw_call_free(open_call);
    zw_subscription_free(s1);
    zw_subscription_free(s2);
    zw_registration_free(r1);
    zw_registration_free(r2);
    zw_registration_free(r4);
    WAIT_FOR(atomic_load(&mine_result.freed) == 1);
    zw_invocation_free(held);

    /* A client freed inside its own callback. */
    zw_client *d = connect_with(tr->rs_url, ZW_SERIALIZER_DEFAULT, false);
    counted own = {0, 0}, bystander = {0, 0};
    self_freeing s = {d, &own, 0};
    zw_subscription *sd = NULL, *sb = NULL;
    CHECK_OK(zw_subscribe(d, "test.selffree", NULL, on_free_own_client, &s, self_freeing_free, &sd));
    CHECK_OK(zw_subscribe(d, "test.bystander", NULL, on_count_event, &bystander, counted_free, &sb));
    zw_subscription_free(sb);
    CHECK_OK(zw_publish(other, "test.selffree", NULL, NULL, NULL));
    WAIT_FOR(atomic_load(&own.freed) == 1 && atomic_load(&bystander.freed) == 1);
    CHECK(atomic_load(&s.done) == 1);
    CHECK(atomic_load(&own.freed) == 1 && atomic_load(&bystander.freed) == 1);
    CHECK_RC(zw_subscription_unsubscribe(sd), ZW_ERR_CLOSED);
    zw_subscription_free(sd);
    sleep_ms(200); /* the deferred stop finishes on a thread of its own */

    /* A client that left: requests are refused, and their userdata is still freed. */
    zw_client *left = connect_with(tr->rs_url, ZW_SERIALIZER_DEFAULT, false);
    counted after_leave = {0, 0};
    CHECK_OK(zw_client_leave(left));
    zw_subscription *sl = NULL;
    CHECK_RC(zw_subscribe(left, "test.late", NULL, on_count_event, &after_leave, counted_free, &sl), ZW_ERR_CLOSED);
    CHECK_RC(zw_call(left, "test.echo", NULL, NULL, on_count_result, &after_leave, counted_free, NULL), ZW_ERR_CLOSED);
    CHECK(atomic_load(&after_leave.freed) == 2);
    zw_client_free(left);

    zw_registration_free(echo_reg);
    zw_registration_free(hold_reg);
    zw_client_free(other);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    test_router tr;
    router_start(&tr);
    test_four_threads(&tr);
    test_caller_driven(&tr);
    test_userdata(&tr);
    zw_router_free(tr.router);
    return check_summary("test_wamp_threads");
}
