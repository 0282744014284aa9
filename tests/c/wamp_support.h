/* Helpers of the WAMP C tests: an embedded router listening on RawSocket and WebSocket, waiting
 * for what callbacks report, and userdata that counts its frees.
 *
 * Callbacks run on the clients' I/O threads: they only record what they saw (atomics, or
 * under a mutex); the CHECKs run on the main thread (check.h's counters are not atomic). */
#ifndef ZEROWAMP_WAMP_SUPPORT_H
#define ZEROWAMP_WAMP_SUPPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static inline void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to 30 s (valgrind is slow) for `cond` to hold. */
#define WAIT_FOR(cond)                                                  \
    do {                                                                \
        for (int wait_i_ = 0; !(cond) && wait_i_ < 30000; wait_i_++)    \
            sleep_ms(1);                                                \
    } while (0)

/* The realm "realm1", open to anonymous clients, on RawSocket and WebSocket. */
typedef struct {
    zw_router *router;
    const char *rs_url;
    const char *ws_url;
} test_router;

static inline void router_start(test_router *r) {
    memset(r, 0, sizeof *r);
    CHECK_OK(zw_router_start(NULL, NULL, &r->router));
    CHECK_OK(zw_router_listen(r->router, "rs://127.0.0.1:0", &r->rs_url));
    CHECK_OK(zw_router_listen(r->router, "ws://127.0.0.1:0", &r->ws_url));
    CHECK(r->rs_url && strncmp(r->rs_url, "rs://127.0.0.1:", 15) == 0);
    CHECK(r->ws_url && strncmp(r->ws_url, "ws://127.0.0.1:", 15) == 0);
}

/* Connects with `serializer`, failing the test (and returning NULL) if it cannot. */
static inline zw_client *connect_with(const char *url, uint32_t serializer, bool caller_driven) {
    zw_client_options o;
    CHECK_OK(zw_client_options_init(&o));
    o.serializer = serializer;
    o.caller_driven = caller_driven;
    o.call_timeout_ms = 20000;
    o.request_timeout_ms = 20000;
    o.connect_timeout_ms = 20000;
    zw_client *c = NULL;
    CHECK_OK(zw_client_connect(url, "realm1", &o, &c));
    return c;
}

/* Waits until `c` has written more than `octets` message octets, then fills `out` with its
 * stats. A peer can receive a message before the sender's I/O thread has counted its write. */
static inline void stats_after_sending(zw_client *c, uint64_t octets, zw_clientstats *out) {
    zw_clientstats now;
    memset(&now, 0, sizeof now);
    WAIT_FOR(zw_client_stats(c, &now) == ZW_OK && now.octets_sent > octets);
    CHECK_OK(zw_client_stats(c, out));
}

/* A userdata that counts how often it was freed (must end at exactly 1). */
typedef struct {
    atomic_int freed;
    atomic_int called;
} counted;

static inline void counted_free(void *userdata) {
    atomic_fetch_add(&((counted *)userdata)->freed, 1);
}

/* The text of a message's JSON accessor, or "" (copied into `buf`). */
static inline const char *args_of(const zw_message *m, char *buf, size_t len) {
    const char *text = NULL;
    buf[0] = 0;
    if (zw_message_args_json(m, &text) == ZW_OK && text) {
        strncpy(buf, text, len - 1);
        buf[len - 1] = 0;
    }
    return buf;
}

#endif
