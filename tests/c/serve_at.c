/* A C program serving an existing table of zerowamp.sample.Record through any WAMP router: the
 * C half of tests/serve_crossbar.rs, where crossbar routes and autobahn-python calls.
 *
 * Usage: serve_at URL SERIALIZER DIR SCHEMA.bfbs GET_PROCEDURE RANGE_PROCEDURE
 *   SERIALIZER: json, msgpack or cbor; DIR: an environment holding the u64-keyed table "records".
 * Prints "ready" once both procedures are registered, serves until its stdin ends, then leaves
 * and exits 0 (non-zero, with the library's message on stderr, on any failure). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zerowamp.h"

static void check(zw_result rc, const char *what) {
    if (rc == ZW_OK) return;
    char detail[512];
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "serve_at: %s: %s — %s\n", what, zw_strerror(rc), detail);
    exit(1);
}

static uint32_t serializer_named(const char *name) {
    if (strcmp(name, "json") == 0) return ZW_SERIALIZER_JSON;
    if (strcmp(name, "msgpack") == 0) return ZW_SERIALIZER_MSGPACK;
    if (strcmp(name, "cbor") == 0) return ZW_SERIALIZER_CBOR;
    fprintf(stderr, "serve_at: unknown serializer %s\n", name);
    exit(2);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s URL SERIALIZER DIR SCHEMA.bfbs GET_PROCEDURE RANGE_PROCEDURE\n", argv[0]);
        return 2;
    }
    static uint8_t bfbs[1 << 16];
    FILE *f = fopen(argv[4], "rb");
    if (!f) { perror(argv[4]); return 1; }
    zw_slice schema = {bfbs, fread(bfbs, 1, sizeof bfbs, f)};
    fclose(f);

    zw_env *env;
    check(zw_env_open(argv[3], NULL, &env), "open the environment");
    check(zw_env_register_schema(env, schema), "register the schema");
    zw_table_options topts;
    check(zw_table_options_init(&topts), "table options");
    topts.key_codec = ZW_KEY_U64;
    topts.root_type = "zerowamp.sample.Record";
    topts.create = false;
    zw_table *records;
    check(zw_table_open(env, "records", &topts, &records), "open the table");

    zw_client_options copts;
    check(zw_client_options_init(&copts), "client options");
    copts.serializer = serializer_named(argv[2]);
    zw_client *client;
    check(zw_client_connect(argv[1], "realm1", &copts, &client), "connect");
    zw_registration *get, *range;
    zw_serve_options sopts;
    check(zw_serve_options_init(&sopts), "serve options");
    check(zw_serve_table(client, records, argv[5], &sopts, &get), "serve keys");
    sopts.range = true;
    check(zw_serve_table(client, records, argv[6], &sopts, &range), "serve ranges");
    printf("ready\n");
    fflush(stdout);

    char line[64];
    while (fgets(line, sizeof line, stdin)) {
    }

    zw_registration_free(range);
    zw_registration_free(get);
    check(zw_client_leave(client), "leave");
    zw_client_free(client);
    zw_table_free(records);
    zw_env_close(env);
    return 0;
}
