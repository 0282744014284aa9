/* The store demo: put a few thousand FlatBuffers records into LMDB through the C ABI, then read
 * them back zero-copy — each value is a pointer into LMDB's memory map, read in place.
 *
 * Usage: store_demo SCHEMA.bfbs DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sample_record.h"
#include "zerowamp.h"

enum { RECORDS = 5000, READS = 1000000 };

static void check(zw_result rc, const char *what) {
    if (rc == ZW_OK) return;
    char detail[512];
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s: %s — %s\n", what, zw_strerror(rc), detail);
    exit(1);
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs DIR\n", argv[0]);
        return 2;
    }
    static uint8_t bfbs[1 << 16];
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    size_t bfbs_len = fread(bfbs, 1, sizeof bfbs, f);
    fclose(f);

    printf("zerowamp %s — store demo in %s\n", zw_version(), argv[2]);
    zw_env *env;
    check(zw_env_open(argv[2], NULL, &env), "open the environment");
    zw_slice schema = {bfbs, bfbs_len};
    check(zw_env_register_schema(env, schema), "register the schema");
    zw_table_options opts;
    zw_table_options_init(&opts);
    opts.key_codec = ZW_KEY_U64;
    opts.root_type = "zerowamp.sample.Record";
    zw_table *records;
    check(zw_table_open(env, "records", &opts, &records), "open the table");

    /* Write: each record is verified against zerowamp.sample.Record before it is stored. */
    double t0 = seconds();
    size_t record_len = 0;
    zw_txn *txn;
    check(zw_txn_begin_write(env, &txn), "begin a write");
    uint8_t rec[REC_SAMPLE_MAX];
    for (uint64_t id = 1; id <= RECORDS; id++) {
        size_t len = rec_build_sample(rec, id);
        zw_key_part part = {ZW_KEY_U64, id, {NULL, 0}};
        uint8_t key[8];
        size_t key_len;
        check(zw_table_encode_key(records, &part, 1, key, sizeof key, &key_len), "encode a key");
        zw_slice k = {key, key_len}, v = {rec, len};
        check(zw_txn_put(txn, records, k, v, 0), "put");
        record_len = len;
    }
    check(zw_txn_commit(txn), "commit");
    printf("wrote %d verified records (%zu bytes each) in %.1f ms\n", RECORDS, record_len,
           (seconds() - t0) * 1e3);

    /* A garbage value is refused, and the table is left as it was. */
    check(zw_txn_begin_write(env, &txn), "begin a write");
    zw_slice k0 = {(const uint8_t *)"\0\0\0\0\0\0\0\1", 8}, junk = {(const uint8_t *)"not a flatbuffer", 16};
    zw_result rc = zw_txn_put(txn, records, k0, junk, 0);
    char detail[256];
    zw_last_error_message(detail, sizeof detail);
    printf("a put of garbage gives %s: %s\n", zw_strerror(rc), detail);
    zw_txn_abort(txn);

    /* Read: zw_txn_get hands out a slice into the map; the fields are read in place. */
    check(zw_txn_begin_read(env, &txn), "begin a read");
    zw_cursor *cursor;
    zw_range first_three = {{NULL, 0}, {NULL, 0}, 0, 3};
    check(zw_cursor_open(txn, records, &first_three, &cursor), "open a cursor");
    zw_slice key, value;
    while (zw_cursor_next(cursor, &key, &value) == ZW_OK) {
        uint32_t name_len, email_len;
        const char *n = rec_string(value.data, REC_NAME, &name_len);
        const char *e = rec_string(value.data, REC_EMAIL, &email_len);
        printf("  id %llu: %.*s <%.*s>, %zu bytes at %p in the map\n", (unsigned long long)rec_id(value.data),
               (int)name_len, n, (int)email_len, e, value.len, (const void *)value.data);
    }
    zw_cursor_free(cursor);

    /* Keys in a random order, encoded up front (u64 keys are 8 bytes big-endian). */
    static uint8_t keys[READS][8];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < READS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t id = 1 + x % RECORDS;
        for (int b = 0; b < 8; b++) keys[i][b] = (uint8_t)(id >> (56 - 8 * b));
    }
    uint64_t sum = 0;
    t0 = seconds();
    for (int i = 0; i < READS; i++) {
        zw_slice k = {keys[i], 8};
        check(zw_txn_get(txn, records, k, &value), "get");
        sum += rec_id(value.data);
    }
    double elapsed = seconds() - t0;
    printf("read %d random records zero-copy (lookup + one field): %.0f ns each, %.1f M reads/s"
           " (checksum %llu)\n", READS, elapsed * 1e9 / READS, READS / elapsed / 1e6, (unsigned long long)sum);
    zw_txn_abort(txn);
    zw_table_free(records);
    zw_env_close(env);
    return 0;
}
