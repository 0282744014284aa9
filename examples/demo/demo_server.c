/* The data plane from C, the server half of `make demo`: an embedded WAMP router, an LMDB
 * environment of FlatBuffers records, and one call that serves the table over WAMP — each
 * answer is the record's bytes sent straight out of LMDB's memory map, no user code in the
 * path. Every committed write is published as a change event.
 *
 * Usage: demo_server SCHEMA.bfbs DIR RECORDS
 *
 * It prints "ready <rawsocket-url> <websocket-url>" once it serves, then reads commands on
 * stdin: "write N" writes N more records in one transaction (their change events go out after
 * the commit) and prints "wrote FIRST LAST"; end of input stops everything and exits. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_record.h"
#include "zerowamp.h"

#define PROCEDURE "com.example.record.get"
#define RANGE_PROCEDURE "com.example.record.range"
#define TOPIC "com.example.record.changed"

static void check(zw_result rc, const char *what) {
    if (rc == ZW_OK) return;
    char detail[512];
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "demo_server: %s: %s — %s\n", what, zw_strerror(rc), detail);
    exit(1);
}

/* Writes records first..last (keys are their ids) in one transaction. */
static void write_records(zw_env *env, zw_table *records, uint64_t first, uint64_t last) {
    zw_txn *txn;
    check(zw_txn_begin_write(env, &txn), "begin a write");
    uint8_t rec[REC_SAMPLE_MAX];
    for (uint64_t id = first; id <= last; id++) {
        size_t len = rec_build_sample(rec, id);
        zw_key_part part = {ZW_KEY_U64, id, {NULL, 0}};
        uint8_t key[8];
        size_t key_len;
        check(zw_table_encode_key(records, &part, 1, key, sizeof key, &key_len), "encode a key");
        zw_slice k = {key, key_len}, v = {rec, len};
        check(zw_txn_put(txn, records, k, v, 0), "put");
    }
    check(zw_txn_commit(txn), "commit");
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs DIR RECORDS\n", argv[0]);
        return 2;
    }
    static uint8_t bfbs[1 << 16];
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    size_t bfbs_len = fread(bfbs, 1, sizeof bfbs, f);
    fclose(f);
    uint64_t count = strtoull(argv[3], NULL, 10);

    /* The router: in this process, on ephemeral loopback ports. */
    zw_router *router;
    check(zw_router_start(NULL, NULL, &router), "start the router");
    const char *rs_url, *ws_url;
    check(zw_router_listen(router, "rs://127.0.0.1:0", &rs_url), "listen (RawSocket)");
    check(zw_router_listen(router, "ws://127.0.0.1:0/ws", &ws_url), "listen (WebSocket)");

    /* The data: records verified against zerowamp.sample.Record as they are written. */
    zw_env *env;
    check(zw_env_open(argv[2], NULL, &env), "open the environment");
    zw_slice schema = {bfbs, bfbs_len};
    check(zw_env_register_schema(env, schema), "register the schema");
    zw_table_options topts;
    zw_table_options_init(&topts);
    topts.key_codec = ZW_KEY_U64;
    topts.root_type = "zerowamp.sample.Record";
    zw_table *records;
    check(zw_table_open(env, "records", &topts, &records), "open the table");
    write_records(env, records, 1, count);

    /* The serving session: MessagePack over RawSocket, the path with no user-space copy. */
    zw_client_options copts;
    zw_client_options_init(&copts);
    copts.serializer = ZW_SERIALIZER_MSGPACK;
    zw_client *client;
    check(zw_client_connect(rs_url, "realm1", &copts, &client), "connect");
    zw_registration *get, *range;
    zw_serve_options sopts;
    zw_serve_options_init(&sopts);
    check(zw_serve_table(client, records, PROCEDURE, &sopts, &get), "serve the table");
    sopts.range = true;
    check(zw_serve_table(client, records, RANGE_PROCEDURE, &sopts, &range), "serve ranges");
    zw_change_feed *feed;
    check(zw_table_publish_changes(records, client, TOPIC, &feed), "publish changes");

    printf("ready %s %s\n", rs_url, ws_url);
    fflush(stdout);

    char line[128];
    uint64_t next = count + 1;
    while (fgets(line, sizeof line, stdin)) {
        unsigned long long n;
        if (sscanf(line, "write %llu", &n) == 1 && n > 0) {
            write_records(env, records, next, next + n - 1);
            printf("wrote %llu %llu\n", (unsigned long long)next, (unsigned long long)(next + n - 1));
            fflush(stdout);
            next += n;
        } else {
            fprintf(stderr, "demo_server: unknown command: %s", line);
        }
    }

    /* Stop in reverse order: the feed, the registrations, the session, the data, the router. */
    zw_change_feed_free(feed);
    zw_registration_free(range);
    zw_registration_free(get);
    check(zw_client_leave(client), "leave");
    zw_client_free(client);
    zw_table_free(records);
    zw_env_close(env);
    zw_router_free(router);
    return 0;
}
