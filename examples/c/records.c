/* The smallest zerowamp program, in C: open a table, put FlatBuffers records, read them back in
 * place. examples/cpp/records.cpp is the same program in C++; both print the same lines.
 *
 * Build: cc records.c -I../../tests/c $(pkg-config --cflags --libs zerowamp)
 * Usage: records SCHEMA.bfbs DIR      (schemas/bfbs/record.bfbs; DIR must exist) */
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

static zw_slice key_of(const zw_table *table, uint64_t id, uint8_t buf[ZW_MAX_KEY_SIZE]) {
    zw_key_part part = {ZW_KEY_U64, id, {NULL, 0}};
    size_t len = 0;
    check(zw_table_encode_key(table, &part, 1, buf, ZW_MAX_KEY_SIZE, &len), "encode a key");
    zw_slice key = {buf, len};
    return key;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs DIR\n", argv[0]);
        return 2;
    }
    if (zw_abi_version() != ZW_ABI_VERSION) {
        fprintf(stderr, "libzerowamp %s has C ABI %u, this program was built for %u\n", zw_version(),
                (unsigned)zw_abi_version(), (unsigned)ZW_ABI_VERSION);
        return 1;
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

    /* Put: every record is verified against its schema before it is written. */
    zw_txn *txn;
    check(zw_txn_begin_write(env, &txn), "begin a write");
    for (uint64_t id = 1; id <= RECORDS; id++) {
        char name[32], email[48];
        uint8_t payload[PAYLOAD], rec[256], key[ZW_MAX_KEY_SIZE];
        snprintf(name, sizeof name, "user-%llu", (unsigned long long)id);
        snprintf(email, sizeof email, "user-%llu@example.com", (unsigned long long)id);
        for (int i = 0; i < PAYLOAD; i++) payload[i] = (uint8_t)(id + (uint64_t)i);
        zw_slice value = {rec, rec_build(rec, id, 1700000000000000000ull + id, (double)id / 4, (int)(id & 1), name,
                                         email, payload, PAYLOAD)};
        check(zw_txn_put(txn, records, key_of(records, id, key), value, 0), "put");
    }
    check(zw_txn_commit(txn), "commit");
    printf("zerowamp %s: wrote %d records\n", zw_version(), RECORDS);

    /* Read: values point into LMDB's memory map, valid until the transaction ends. */
    check(zw_txn_begin_read(env, &txn), "begin a read");
    zw_cursor *cursor;
    check(zw_cursor_open(txn, records, NULL, &cursor), "open a cursor");
    zw_slice key, value;
    zw_result rc;
    while ((rc = zw_cursor_next(cursor, &key, &value)) == ZW_OK) {
        uint32_t name_len, email_len;
        const char *name = rec_string(value.data, REC_NAME, &name_len);
        const char *email = rec_string(value.data, REC_EMAIL, &email_len);
        double score;
        memcpy(&score, rec_field(value.data, REC_SCORE), sizeof score);
        printf("record %llu: %.*s <%.*s> score %.2f\n", (unsigned long long)rec_id(value.data), (int)name_len, name,
               (int)email_len, email, score);
    }
    if (rc != ZW_NOT_FOUND) check(rc, "walk the table");
    zw_cursor_free(cursor);
    uint8_t buf[ZW_MAX_KEY_SIZE];
    check(zw_txn_get(txn, records, key_of(records, 3, buf), &value), "get 3");
    printf("get 3: id %llu\n", (unsigned long long)rec_id(value.data));
    rc = zw_txn_get(txn, records, key_of(records, 9, buf), &value);
    printf("get 9: %s\n", rc == ZW_NOT_FOUND ? "not found" : zw_strerror(rc));
    zw_txn_abort(txn);
    zw_table_free(records);
    zw_env_close(env);
    return 0;
}
