/* Records over WAMP, in C: open a table, put FlatBuffers records, serve the table as an RPC
 * procedure with one call, and call it. The records go out of LMDB's memory map without a copy
 * (Payload Passthru Mode, the read snapshot pinned until they are written) and are read in place
 * from the received frame. examples/cpp/serve_records.cpp and examples/python/serve_records.py
 * are the same program; all three print the same lines.
 *
 * Build: cc serve_records.c -I../../tests/c $(pkg-config --cflags --libs zerowamp)
 * Usage: serve_records SCHEMA.bfbs DIR      (schemas/bfbs/record.bfbs; DIR must exist) */
#include <stdio.h>
#include <stdlib.h>

#include "sample_record.h" /* builds and reads zerowamp.sample.Record by hand */
#include "zerowamp.h"

enum { RECORDS = 5, PAYLOAD = 16 };

static void check(zw_result rc, const char *what) {
    if (rc == ZW_OK) return;
    char detail[512];
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s: %s\n", what, detail);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs DIR\n", argv[0]);
        return 2;
    }
    static uint8_t bfbs[1 << 16];
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    zw_slice schema = {bfbs, fread(bfbs, 1, sizeof bfbs, f)};
    fclose(f);

    zw_env *env;
    check(zw_env_open(argv[2], NULL, &env), "open the environment");
    check(zw_env_register_schema(env, schema), "register the schema");
    zw_table_options opts;
    check(zw_table_options_init(&opts), "table options");
    opts.key_codec = ZW_KEY_U64;
    opts.root_type = "zerowamp.sample.Record";
    zw_table *records;
    check(zw_table_open(env, "records", &opts, &records), "open the table");
    zw_txn *txn;
    check(zw_txn_begin_write(env, &txn), "begin a write");
    for (uint64_t id = 1; id <= RECORDS; id++) {
        char name[32], email[48];
        uint8_t payload[PAYLOAD], rec[256], key[ZW_MAX_KEY_SIZE];
        snprintf(name, sizeof name, "user-%llu", (unsigned long long)id);
        snprintf(email, sizeof email, "user-%llu@example.com", (unsigned long long)id);
        for (int i = 0; i < PAYLOAD; i++) payload[i] = (uint8_t)id;
        zw_slice value = {rec, rec_build(rec, id, 1700000000000000000ull + id, (double)id / 4, (int)(id & 1), name,
                                         email, payload, PAYLOAD)};
        zw_key_part part = {ZW_KEY_U64, id, {NULL, 0}};
        size_t key_len;
        check(zw_table_encode_key(records, &part, 1, key, sizeof key, &key_len), "encode a key");
        check(zw_txn_put(txn, records, (zw_slice){key, key_len}, value, 0), "put");
    }
    check(zw_txn_commit(txn), "commit");
    printf("zerowamp %s: wrote %d records\n", zw_version(), RECORDS);

    /* A router in this process, on a port the system picks. */
    zw_router *router;
    check(zw_router_start(NULL, NULL, &router), "start a router");
    const char *url;
    check(zw_router_listen(router, "rs://127.0.0.1:0", &url), "listen");

    /* The server: example.records.get(id) answers the record, with no code of ours in the path. */
    zw_client *server;
    check(zw_client_connect(url, "realm1", NULL, &server), "connect the server");
    zw_registration *get;
    check(zw_serve_table(server, records, "example.records.get", NULL, &get), "serve the table");
    printf("serving example.records.get\n");

    /* The caller: each record arrives as passthru bytes, read in place. */
    zw_client *caller;
    check(zw_client_connect(url, "realm1", NULL, &caller), "connect the caller");
    const uint64_t ids[] = {1, 3, 5, 9};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char args[32];
        snprintf(args, sizeof args, "[%llu]", (unsigned long long)ids[i]);
        zw_payload p = {ZW_PAYLOAD_JSON, {NULL, 0}, NULL, args, NULL};
        zw_message *result = NULL;
        zw_result rc = zw_call_wait(caller, "example.records.get", &p, NULL, &result);
        zw_slice bytes;
        const char *uri;
        if (rc == ZW_OK && zw_message_binary(result, &bytes) == ZW_OK) {
            uint32_t name_len, email_len;
            const char *name = rec_string(bytes.data, REC_NAME, &name_len);
            const char *email = rec_string(bytes.data, REC_EMAIL, &email_len);
            double score;
            memcpy(&score, rec_field(bytes.data, REC_SCORE), sizeof score);
            printf("get %llu: %.*s <%.*s> score %.2f\n", (unsigned long long)rec_id(bytes.data), (int)name_len, name,
                   (int)email_len, email, score);
        } else if (rc == ZW_ERR_WAMP && zw_message_error_uri(result, &uri) == ZW_OK) {
            printf("get %llu: %s\n", (unsigned long long)ids[i], uri);
        } else {
            check(rc, "call example.records.get");
        }
        zw_message_free(result);
    }

    zw_client_free(caller);
    zw_registration_free(get);
    zw_client_free(server);
    zw_router_free(router);
    zw_table_free(records);
    zw_env_close(env);
    return 0;
}
