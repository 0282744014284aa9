/* Exercises every exported store function of the C ABI: environments, tables, transactions,
 * cursors, errors. Run under valgrind by `make test-c`: no error, no leak.
 *
 * Usage: test_store SCHEMA.bfbs SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "sample_record.h"

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static zw_slice bytes(const void *data, size_t len) {
    zw_slice s = {(const uint8_t *)data, len};
    return s;
}

static void be64(uint64_t v, uint8_t out[8]) {
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void test_versions(void) {
    CHECK(zw_abi_version() == ZW_ABI_VERSION);
    CHECK(strlen(zw_version()) >= 5);
    CHECK(strcmp(zw_strerror(ZW_OK), "success") == 0);
    CHECK(strcmp(zw_strerror(ZW_ERR_VERIFY), zw_strerror(ZW_ERR_MAP_FULL)) != 0);
    CHECK(strstr(zw_strerror(12345), "unknown") != NULL);
}

static void test_null_arguments(void) {
    zw_env *env = NULL;
    CHECK_RC(zw_env_open(NULL, NULL, &env), ZW_ERR_NULL_ARGUMENT);
    CHECK(env == NULL);
    char msg[128];
    size_t n = zw_last_error_message(msg, sizeof msg);
    CHECK(n > 0 && strstr(msg, "path") != NULL);
    CHECK(zw_last_error_message(NULL, 0) == n);
    CHECK_RC(zw_env_open("/tmp", NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_options_init(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_stat(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_info(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_sync(NULL, true), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_copy(NULL, "/tmp/x", false), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_set_map_size(NULL, 1 << 20), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_register_schema(NULL, bytes(NULL, 0)), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_env_drop_table(NULL, "t"), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_open(NULL, "t", NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_table_count(NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_begin_read(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_begin_write(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_commit(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_reset(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_renew(NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_get(NULL, NULL, bytes(NULL, 0), NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_put(NULL, NULL, bytes(NULL, 0), bytes(NULL, 0), 0), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_delete(NULL, NULL, bytes(NULL, 0)), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_txn_truncate(NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_cursor_open(NULL, NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    CHECK_RC(zw_cursor_next(NULL, NULL, NULL), ZW_ERR_NULL_ARGUMENT);
    /* Destructors accept NULL. */
    zw_env_close(NULL);
    zw_table_free(NULL);
    zw_txn_abort(NULL);
    zw_cursor_free(NULL);
}

static void test_missing_path(const char *scratch) {
    char path[512];
    snprintf(path, sizeof path, "%s/does/not/exist", scratch);
    zw_env *env = NULL;
    CHECK_RC(zw_env_open(path, NULL, &env), ZW_ERR_PATH_NOT_FOUND);
    CHECK(env == NULL);
}

static zw_env *open_env(const char *dir, size_t map_size, uint32_t flags) {
    mkdir(dir, 0700);
    zw_env_options opts;
    CHECK_OK(zw_env_options_init(&opts));
    CHECK(opts.map_size > 0 && opts.max_tables > 0 && opts.max_readers > 0 && opts.flags == ZW_ENV_AUTO_GROW);
    if (map_size) opts.map_size = map_size;
    opts.flags = flags;
    zw_env *env = NULL;
    CHECK_OK(zw_env_open(dir, &opts, &env));
    return env;
}

static zw_table *open_records(zw_env *env, const char *name) {
    zw_table_options opts;
    CHECK_OK(zw_table_options_init(&opts));
    opts.key_codec = ZW_KEY_U64;
    opts.root_type = "zerowamp.sample.Record";
    zw_table *table = NULL;
    CHECK_OK(zw_table_open(env, name, &opts, &table));
    return table;
}

static void put_records(zw_env *env, zw_table *table, uint64_t first, uint64_t n) {
    zw_txn *txn = NULL;
    CHECK_OK(zw_txn_begin_write(env, &txn));
    uint8_t rec[REC_SAMPLE_MAX], key[8];
    for (uint64_t id = first; id < first + n; id++) {
        size_t len = rec_build_sample(rec, id);
        be64(id, key);
        CHECK_OK(zw_txn_put(txn, table, bytes(key, 8), bytes(rec, len), 0));
    }
    CHECK_OK(zw_txn_commit(txn));
}

static void test_tables_and_transactions(const char *dir, const uint8_t *bfbs, size_t bfbs_len) {
    zw_env *env = open_env(dir, 0, 0);
    CHECK_RC(zw_env_register_schema(env, bytes("not a schema", 12)), ZW_ERR_INVALID_ARGUMENT);
    CHECK_OK(zw_env_register_schema(env, bytes(bfbs, bfbs_len)));

    /* Unknown root type, unknown codec, missing table without create. */
    zw_table_options opts;
    zw_table *table = NULL;
    CHECK_OK(zw_table_options_init(&opts));
    opts.root_type = "zerowamp.sample.Nope";
    CHECK_RC(zw_table_open(env, "bad", &opts, &table), ZW_ERR_UNKNOWN_ROOT_TYPE);
    CHECK_OK(zw_table_options_init(&opts));
    opts.key_codec = 99;
    CHECK_RC(zw_table_open(env, "bad", &opts, &table), ZW_ERR_INVALID_ARGUMENT);
    CHECK_OK(zw_table_options_init(&opts));
    opts.create = false;
    CHECK_RC(zw_table_open(env, "missing", &opts, &table), ZW_ERR_UNKNOWN_TABLE);
    CHECK(table == NULL);

    zw_table *records = open_records(env, "records");
    put_records(env, records, 1, 100);

    zw_txn *txn = NULL;
    CHECK_OK(zw_txn_begin_read(env, &txn));
    uint64_t count = 0;
    CHECK_OK(zw_table_count(records, txn, &count));
    CHECK(count == 100);

    /* Point reads borrow from the map. */
    uint8_t key[8];
    zw_slice value = {NULL, 0};
    be64(42, key);
    CHECK_OK(zw_txn_get(txn, records, bytes(key, 8), &value));
    CHECK(value.data != NULL && rec_id(value.data) == 42);
    uint32_t name_len = 0;
    const char *name = rec_string(value.data, REC_NAME, &name_len);
    CHECK(name_len == 13 && memcmp(name, "user-00000042", 13) == 0);
    be64(4242, key);
    zw_slice untouched = value;
    CHECK_RC(zw_txn_get(txn, records, bytes(key, 8), &value), ZW_NOT_FOUND);
    CHECK(value.data == untouched.data);
    CHECK_RC(zw_txn_get(txn, records, bytes(key, 7), &value), ZW_ERR_INVALID_KEY);

    /* A read transaction cannot write. */
    uint8_t rec[REC_SAMPLE_MAX];
    size_t len = rec_build_sample(rec, 7);
    CHECK_RC(zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len), 0), ZW_ERR_READ_ONLY);

    /* Cursors: whole table, bounded, reversed, limited. */
    zw_cursor *cursor = NULL;
    CHECK_OK(zw_cursor_open(txn, records, NULL, &cursor));
    zw_slice k, v;
    uint64_t seen = 0, last = 0;
    int ordered = 1;
    while (zw_cursor_next(cursor, &k, &v) == ZW_OK) {
        uint64_t id = rec_id(v.data);
        if (id <= last) ordered = 0;
        last = id;
        seen++;
    }
    CHECK(seen == 100 && ordered);
    CHECK_RC(zw_cursor_next(cursor, &k, &v), ZW_NOT_FOUND);
    zw_cursor_free(cursor);

    uint8_t from[8], to[8];
    be64(10, from);
    be64(20, to);
    zw_range range = {bytes(from, 8), bytes(to, 8), ZW_RANGE_REVERSE | ZW_RANGE_TO_INCLUSIVE, 3};
    CHECK_OK(zw_cursor_open(txn, records, &range, &cursor));
    uint64_t ids[4] = {0};
    int got = 0;
    while (got < 4 && zw_cursor_next(cursor, NULL, &v) == ZW_OK) ids[got++] = rec_id(v.data);
    CHECK(got == 3 && ids[0] == 20 && ids[1] == 19 && ids[2] == 18);
    range.flags = 42;
    zw_cursor *bad = NULL;
    CHECK_RC(zw_cursor_open(txn, records, &range, &bad), ZW_ERR_INVALID_ARGUMENT);

    /* Reset closes the cursor and the snapshot; renew takes a fresh one. */
    CHECK_OK(zw_txn_reset(txn));
    CHECK_RC(zw_cursor_next(cursor, NULL, &v), ZW_ERR_CLOSED);
    be64(42, key);
    CHECK_RC(zw_txn_get(txn, records, bytes(key, 8), &value), ZW_ERR_TXN_RESET);
    CHECK_OK(zw_txn_renew(txn));
    CHECK_OK(zw_txn_get(txn, records, bytes(key, 8), &value));
    zw_cursor_free(cursor);
    zw_txn_abort(txn);

    /* Writes: no-overwrite, delete, invalid values leave the table as it was, truncate. */
    CHECK_OK(zw_txn_begin_write(env, &txn));
    CHECK_RC(zw_txn_reset(txn), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_txn_renew(txn), ZW_ERR_INVALID_ARGUMENT);
    len = rec_build_sample(rec, 42);
    CHECK_RC(zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len), ZW_PUT_NO_OVERWRITE), ZW_ERR_KEY_EXISTS);
    CHECK_RC(zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len), 0x80), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len / 2), 0), ZW_ERR_VERIFY);
    CHECK(zw_last_error_message(NULL, 0) > 0);
    CHECK_RC(zw_txn_put(txn, records, bytes(key, 8), bytes("garbage!garbage!", 16), 0), ZW_ERR_VERIFY);
    CHECK_OK(zw_txn_get(txn, records, bytes(key, 8), &value));
    CHECK(rec_id(value.data) == 42);
    CHECK_OK(zw_txn_delete(txn, records, bytes(key, 8)));
    CHECK_RC(zw_txn_delete(txn, records, bytes(key, 8)), ZW_NOT_FOUND);
    CHECK_OK(zw_cursor_open(txn, records, NULL, &cursor));
    CHECK_OK(zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len), 0));
    CHECK_RC(zw_cursor_next(cursor, &k, &v), ZW_ERR_CLOSED); /* a write closes the cursors */
    zw_cursor_free(cursor);
    CHECK_OK(zw_txn_commit(txn));

    /* A raw table with composite (u64, string) keys, then truncated and dropped. */
    uint32_t parts[2] = {ZW_KEY_U64, ZW_KEY_STRING};
    CHECK_OK(zw_table_options_init(&opts));
    opts.key_codec = ZW_KEY_COMPOSITE;
    opts.key_parts = parts;
    opts.key_parts_len = 2;
    CHECK_OK(zw_table_open(env, "pairs", &opts, &table));
    zw_key_part key_parts[2] = {{ZW_KEY_U64, 1, {NULL, 0}}, {ZW_KEY_STRING, 0, bytes("a\0c", 3)}};
    uint8_t pair_key[ZW_MAX_KEY_SIZE];
    size_t pair_len = 0;
    CHECK_OK(zw_table_encode_key(table, key_parts, 2, pair_key, sizeof pair_key, &pair_len));
    /* 8 bytes big-endian, then "a", the escaped NUL (00 FF), "c" and the terminator (00 01). */
    CHECK(pair_len == 14 && memcmp(pair_key, "\0\0\0\0\0\0\0\1a\0\xff" "c\0\1", 14) == 0);
    CHECK_RC(zw_table_encode_key(table, key_parts, 2, pair_key, 4, &pair_len), ZW_ERR_INVALID_ARGUMENT);
    CHECK_RC(zw_table_encode_key(table, key_parts, 0, pair_key, sizeof pair_key, &pair_len), ZW_ERR_INVALID_KEY);
    /* One part of two: the prefix, 8 bytes big-endian. */
    CHECK_OK(zw_table_encode_key(table, key_parts, 1, pair_key, sizeof pair_key, &pair_len));
    CHECK(pair_len == 8 && memcmp(pair_key, "\0\0\0\0\0\0\0\1", 8) == 0);
    key_parts[1].bytes = bytes("\xff\xfe", 2);
    CHECK_RC(zw_table_encode_key(table, key_parts, 2, pair_key, sizeof pair_key, &pair_len), ZW_ERR_INVALID_KEY);
    key_parts[1].bytes = bytes("a\0c", 3);
    CHECK_RC(zw_table_encode_key(table, NULL, 2, pair_key, sizeof pair_key, &pair_len), ZW_ERR_NULL_ARGUMENT);
    CHECK_OK(zw_table_encode_key(table, key_parts, 2, pair_key, sizeof pair_key, &pair_len));
    CHECK_OK(zw_txn_begin_write(env, &txn));
    CHECK_RC(zw_txn_put(txn, table, bytes("\0\0\0\0\0\0\0\1abc", 11), bytes("raw", 3), 0), ZW_ERR_INVALID_KEY);
    CHECK_OK(zw_txn_put(txn, table, bytes(pair_key, pair_len), bytes("raw", 3), 0));
    CHECK_OK(zw_table_count(table, txn, &count));
    CHECK(count == 1);
    /* A prefix bounds a range: (1, "b") and (2, "a") join (1, "a\0c"); the range over (1) finds two. */
    const char *more[2][2] = {{"\1", "b"}, {"\2", "a"}};
    for (int i = 0; i < 2; i++) {
        zw_key_part p[2] = {{ZW_KEY_U64, (uint64_t)more[i][0][0], {NULL, 0}}, {ZW_KEY_STRING, 0, bytes(more[i][1], 1)}};
        CHECK_OK(zw_table_encode_key(table, p, 2, pair_key, sizeof pair_key, &pair_len));
        CHECK_OK(zw_txn_put(txn, table, bytes(pair_key, pair_len), bytes("raw", 3), 0));
    }
    uint8_t lo[ZW_MAX_KEY_SIZE], hi[ZW_MAX_KEY_SIZE];
    size_t lo_len = 0, hi_len = 0;
    zw_key_part first = {ZW_KEY_U64, 1, {NULL, 0}}, second = {ZW_KEY_U64, 2, {NULL, 0}};
    CHECK_OK(zw_table_encode_key(table, &first, 1, lo, sizeof lo, &lo_len));
    CHECK_OK(zw_table_encode_key(table, &second, 1, hi, sizeof hi, &hi_len));
    zw_range under_one = {bytes(lo, lo_len), bytes(hi, hi_len), 0, 0};
    zw_cursor *prefix_cursor = NULL;
    CHECK_OK(zw_cursor_open(txn, table, &under_one, &prefix_cursor));
    int under = 0;
    while (zw_cursor_next(prefix_cursor, NULL, NULL) == ZW_OK) under++;
    CHECK(under == 2);
    zw_cursor_free(prefix_cursor);
    CHECK_OK(zw_txn_truncate(txn, table));
    CHECK_OK(zw_table_count(table, txn, &count));
    CHECK(count == 0);
    CHECK_OK(zw_txn_commit(txn));
    zw_table_free(table);
    CHECK_OK(zw_env_drop_table(env, "pairs"));
    CHECK_OK(zw_table_options_init(&opts));
    opts.create = false;
    CHECK_RC(zw_table_open(env, "pairs", &opts, &table), ZW_ERR_UNKNOWN_TABLE);

    /* Reopening with another codec is refused. */
    CHECK_OK(zw_table_options_init(&opts));
    opts.key_codec = ZW_KEY_STRING;
    opts.root_type = "zerowamp.sample.Record";
    CHECK_RC(zw_table_open(env, "records", &opts, &table), ZW_ERR_SCHEMA_INCOMPATIBLE);

    /* The u64 encoder agrees with the documented layout. */
    zw_key_part id_part = {ZW_KEY_U64, 42, {NULL, 0}};
    uint8_t id_key[8];
    size_t id_len = 0;
    CHECK_OK(zw_table_encode_key(records, &id_part, 1, id_key, sizeof id_key, &id_len));
    be64(42, key);
    CHECK(id_len == 8 && memcmp(id_key, key, 8) == 0);

    /* Stats, sync, backups. */
    zw_stat stat;
    zw_envinfo info;
    CHECK_OK(zw_env_stat(env, &stat));
    CHECK(stat.page_size >= 4096 && stat.entries >= 1);
    CHECK_OK(zw_env_info(env, &info));
    CHECK(info.map_size > 0 && info.last_txn_id > 0 && info.max_readers > 0);
    CHECK_OK(zw_env_sync(env, true));
    char copy_dir[512];
    snprintf(copy_dir, sizeof copy_dir, "%s-copy", dir);
    mkdir(copy_dir, 0700);
    CHECK_OK(zw_env_copy(env, copy_dir, true));
    CHECK_RC(zw_env_copy(env, "/nonexistent/dir/for/zerowamp", false), ZW_ERR_PATH_NOT_FOUND);
    zw_env *copy = NULL;
    CHECK_OK(zw_env_open(copy_dir, NULL, &copy));
    CHECK_OK(zw_env_register_schema(copy, bytes(bfbs, bfbs_len)));
    zw_table *copied = open_records(copy, "records");
    CHECK_OK(zw_txn_begin_read(copy, &txn));
    CHECK_OK(zw_table_count(copied, txn, &count));
    CHECK(count == 100);
    zw_txn_abort(txn);
    zw_table_free(copied);
    zw_env_close(copy);

    zw_table_free(records);
    zw_env_close(env);
}

static void test_map_full_and_grow(const char *dir, const uint8_t *bfbs, size_t bfbs_len) {
    zw_env *env = open_env(dir, 256 * 1024, 0);
    CHECK_OK(zw_env_register_schema(env, bytes(bfbs, bfbs_len)));
    zw_table *records = open_records(env, "records");
    zw_txn *txn = NULL;
    uint8_t rec[REC_SAMPLE_MAX], key[8];
    zw_result rc = ZW_OK;
    uint64_t id;
    CHECK_OK(zw_txn_begin_write(env, &txn));
    for (id = 1; id < 100000 && rc == ZW_OK; id++) {
        size_t len = rec_build_sample(rec, id);
        be64(id, key);
        rc = zw_txn_put(txn, records, bytes(key, 8), bytes(rec, len), 0);
    }
    CHECK_RC(rc, ZW_ERR_MAP_FULL);
    /* Grow only once nothing is live: abort, grow, redo. */
    CHECK_RC(zw_env_set_map_size(env, 64u << 20), ZW_ERR_BUSY);
    zw_txn_abort(txn);
    CHECK_OK(zw_env_set_map_size(env, 64u << 20));
    put_records(env, records, 1, id);
    CHECK_OK(zw_txn_begin_read(env, &txn));
    uint64_t count = 0;
    CHECK_OK(zw_table_count(records, txn, &count));
    CHECK(count == id);
    zw_txn_abort(txn);
    zw_table_free(records);
    zw_env_close(env);
}

static void test_read_only(const char *dir, const uint8_t *bfbs, size_t bfbs_len) {
    zw_env *env = open_env(dir, 0, ZW_ENV_READ_ONLY);
    CHECK_OK(zw_env_register_schema(env, bytes(bfbs, bfbs_len)));
    zw_table_options opts;
    CHECK_OK(zw_table_options_init(&opts));
    opts.key_codec = ZW_KEY_U64;
    opts.root_type = "zerowamp.sample.Record";
    opts.create = false;
    zw_table *records = NULL;
    CHECK_OK(zw_table_open(env, "records", &opts, &records));
    zw_txn *txn = NULL;
    CHECK_RC(zw_txn_begin_write(env, &txn), ZW_ERR_READ_ONLY);
    CHECK_OK(zw_txn_begin_read(env, &txn));
    uint64_t count = 0;
    CHECK_OK(zw_table_count(records, txn, &count));
    CHECK(count == 100);
    CHECK_OK(zw_txn_commit(txn));
    zw_table_free(records);
    zw_env_close(env);
}

static void test_use_after_close(const char *dir) {
    zw_env *env = open_env(dir, 0, 0);
    zw_table *table = NULL;
    CHECK_OK(zw_table_open(env, "t", NULL, &table));
    zw_txn *txn = NULL;
    CHECK_OK(zw_txn_begin_read(env, &txn));
    zw_env_close(env);
    zw_slice v;
    CHECK_RC(zw_txn_get(txn, table, bytes("k", 1), &v), ZW_ERR_CLOSED);
    zw_txn_abort(txn);
    zw_table_free(table);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCHEMA.bfbs SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    size_t bfbs_len = 0;
    uint8_t *bfbs = read_file(argv[1], &bfbs_len);
    if (!bfbs) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    char dir[512];
    test_versions();
    test_null_arguments();
    test_missing_path(argv[2]);
    snprintf(dir, sizeof dir, "%s/main", argv[2]);
    test_tables_and_transactions(dir, bfbs, bfbs_len);
    test_read_only(dir, bfbs, bfbs_len);
    snprintf(dir, sizeof dir, "%s/small", argv[2]);
    test_map_full_and_grow(dir, bfbs, bfbs_len);
    snprintf(dir, sizeof dir, "%s/closed", argv[2]);
    test_use_after_close(dir);
    free(bfbs);
    return check_summary("test_store");
}
