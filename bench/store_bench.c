/* make bench-store, the C side: random point reads of 100,000 sample records (~200 bytes) with
 * one field read, through the C API and through a bare mdb_get loop on the same LMDB build (the
 * floor), in one run; then a full scan through a zw_cursor against a bare MDB_cursor walk.
 *
 * Usage: store_bench SCHEMA.bfbs SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmdb.h"
#include "sample_record.h"
#include "zerowamp.h"

enum { RECORDS = 100000, READS = 2000000, ROUNDS = 7 };

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, int rc) {
    char detail[512] = "";
    zw_last_error_message(detail, sizeof detail);
    fprintf(stderr, "store_bench: %s failed: %d (%s)\n", what, rc, detail);
    exit(1);
}

static void be64(uint64_t v, uint8_t out[8]) {
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static uint8_t keys[READS][8];
static volatile uint64_t sink;

/* Opens the environment at `dir` with `env_flags` and its "records" table of sample records. */
static zw_table *open_records(const char *dir, const uint8_t *bfbs, size_t bfbs_len, uint32_t env_flags,
                              zw_env **env) {
    zw_env_options opts;
    zw_env_options_init(&opts);
    opts.map_size = (size_t)1 << 30;
    opts.flags = env_flags;
    zw_result rc;
    if ((rc = zw_env_open(dir, &opts, env))) die("zw_env_open", rc);
    zw_slice schema = {bfbs, bfbs_len};
    if ((rc = zw_env_register_schema(*env, schema))) die("zw_env_register_schema", rc);
    zw_table_options topts;
    zw_table_options_init(&topts);
    topts.key_codec = ZW_KEY_U64;
    topts.root_type = "zerowamp.sample.Record";
    topts.create = !(env_flags & ZW_ENV_READ_ONLY);
    zw_table *table;
    if ((rc = zw_table_open(*env, "records", &topts, &table))) die("zw_table_open", rc);
    return table;
}

static void load(const char *dir, const uint8_t *bfbs, size_t bfbs_len) {
    zw_env *env;
    zw_table *table = open_records(dir, bfbs, bfbs_len, ZW_ENV_NO_SYNC, &env);
    zw_result rc;
    zw_txn *txn;
    if ((rc = zw_txn_begin_write(env, &txn))) die("zw_txn_begin_write", rc);
    uint8_t rec[REC_SAMPLE_MAX], key[8];
    for (uint64_t id = 0; id < RECORDS; id++) {
        size_t len = rec_build_sample(rec, id);
        be64(id, key);
        zw_slice k = {key, 8}, v = {rec, len};
        if ((rc = zw_txn_put(txn, table, k, v, 0))) die("zw_txn_put", rc);
    }
    if ((rc = zw_txn_commit(txn))) die("zw_txn_commit", rc);
    zw_table_free(table);
    zw_env_close(env);
}

/* The floor: LMDB's own API, the same reads, the same field access. */
static void bare(const char *dir, double *get_ns, double *scan_ns) {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    int rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0644);
    if (rc) die(mdb_strerror(rc), rc);
    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if ((rc = mdb_dbi_open(txn, "records", 0, &dbi))) die("mdb_dbi_open", rc);
    double rounds[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t sum = 0;
        double t0 = now_ns();
        for (int i = 0; i < READS; i++) {
            MDB_val k = {8, keys[i]}, v;
            if (mdb_get(txn, dbi, &k, &v)) die("mdb_get", 1);
            sum += rec_id(v.mv_data);
        }
        rounds[r] = (now_ns() - t0) / READS;
        sink = sum;
    }
    *get_ns = median(rounds, ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
        MDB_cursor *cur;
        MDB_val k, v;
        uint64_t sum = 0;
        double t0 = now_ns();
        mdb_cursor_open(txn, dbi, &cur);
        while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) sum += rec_id(v.mv_data);
        mdb_cursor_close(cur);
        rounds[r] = (now_ns() - t0) / RECORDS;
        sink = sum;
    }
    *scan_ns = median(rounds, ROUNDS);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

static void through_c_api(const char *dir, const uint8_t *bfbs, size_t bfbs_len, double *get_ns, double *scan_ns) {
    zw_env *env;
    zw_table *table = open_records(dir, bfbs, bfbs_len, ZW_ENV_READ_ONLY, &env);
    zw_result rc;
    zw_txn *txn;
    if ((rc = zw_txn_begin_read(env, &txn))) die("zw_txn_begin_read", rc);
    double rounds[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t sum = 0;
        double t0 = now_ns();
        for (int i = 0; i < READS; i++) {
            zw_slice k = {keys[i], 8}, v;
            if (zw_txn_get(txn, table, k, &v)) die("zw_txn_get", 1);
            sum += rec_id(v.data);
        }
        rounds[r] = (now_ns() - t0) / READS;
        sink = sum;
    }
    *get_ns = median(rounds, ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
        zw_cursor *cur;
        zw_slice k, v;
        uint64_t sum = 0;
        double t0 = now_ns();
        if ((rc = zw_cursor_open(txn, table, NULL, &cur))) die("zw_cursor_open", rc);
        while (zw_cursor_next(cur, &k, &v) == ZW_OK) sum += rec_id(v.data);
        zw_cursor_free(cur);
        rounds[r] = (now_ns() - t0) / RECORDS;
        sink = sum;
    }
    *scan_ns = median(rounds, ROUNDS);
    zw_txn_abort(txn);
    zw_table_free(table);
    zw_env_close(env);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) die(argv[1], 2);
    static uint8_t bfbs[1 << 16];
    size_t bfbs_len = fread(bfbs, 1, sizeof bfbs, f);
    fclose(f);

    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < READS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        be64(x % RECORDS, keys[i]);
    }
    load(argv[2], bfbs, bfbs_len);
    double bare_get, bare_scan, api_get, api_scan;
    bare(argv[2], &bare_get, &bare_scan);
    through_c_api(argv[2], bfbs, bfbs_len, &api_get, &api_scan);
    bare(argv[2], &bare_get, &bare_scan); /* again, so neither side is favoured by a warm cache */

    printf("store, C: %d records, %d random point reads + one field, median of %d rounds\n", RECORDS, READS, ROUNDS);
    printf("  %-34s %8.1f ns/read\n", "bare mdb_get loop (floor)", bare_get);
    printf("  %-34s %8.1f ns/read   %.3fx the floor (target <= 1.15x)\n", "C API zw_txn_get", api_get, api_get / bare_get);
    printf("  %-34s %8.1f ns/record\n", "bare MDB_cursor scan (floor)", bare_scan);
    printf("  %-34s %8.1f ns/record %.3fx the floor\n", "C API zw_cursor scan", api_scan, api_scan / bare_scan);
    return 0;
}
