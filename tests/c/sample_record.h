/*
 * The sample record of schemas/record.fbs (zerowamp.sample.Record), built and read in plain C
 * for the C tests, the demo and the benchmarks — C has no FlatBuffers code generator of our
 * pinned flatc, and these programs need only this one table.
 *
 * Layout written (all little-endian, offsets from the buffer start):
 *   0  root uoffset -> 24          4  vtable: 18 bytes, 7 field slots      22 pad
 *  24  table: soffset 20 (vtable at 4), pad, id@+8 ts@+16 score@+24 name@+32 email@+36
 *      payload@+40 active@+44 (uoffsets point forward to the objects after the table)
 *  72  name string, email string, payload vector — each u32 length, bytes (strings NUL-ended),
 *      padded to 4.
 * Readers do not assume this layout: they follow the vtable like any FlatBuffers reader, and
 * memcpy every scalar, because LMDB aligns values to 2 bytes only.
 */
#ifndef ZEROWAMP_SAMPLE_RECORD_H
#define ZEROWAMP_SAMPLE_RECORD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { REC_ID, REC_TS, REC_SCORE, REC_ACTIVE, REC_NAME, REC_EMAIL, REC_PAYLOAD, REC_FIELDS };

static inline void rec_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void rec_put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static inline void rec_put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* Appends a u32 length, the bytes, a NUL if `nul`, padding to 4; returns the object's position. */
static inline size_t rec_put_blob(uint8_t *buf, size_t *pos, const void *data, uint32_t len, int nul) {
    size_t at = *pos;
    rec_put_u32(buf + at, len);
    memcpy(buf + at + 4, data, len);
    size_t end = at + 4 + len;
    if (nul) buf[end++] = 0;
    while (end % 4) buf[end++] = 0;
    *pos = end;
    return at;
}

/* The bytes rec_build needs for these field sizes. */
static inline size_t rec_size(size_t name_len, size_t email_len, size_t payload_len) {
    return 72 + (4 + name_len + 1 + 3) + (4 + email_len + 1 + 3) + (4 + payload_len + 3);
}

/* Builds a Record into `buf` (at least rec_size(...) bytes); returns the buffer's length. */
static inline size_t rec_build(uint8_t *buf, uint64_t id, uint64_t ts, double score, int active,
                        const char *name, const char *email, const uint8_t *payload, uint32_t payload_len) {
    memset(buf, 0, 72);
    rec_put_u32(buf, 24);
    static const uint16_t slots[REC_FIELDS] = {8, 16, 24, 44, 32, 36, 40};
    rec_put_u16(buf + 4, 4 + 2 * REC_FIELDS);
    rec_put_u16(buf + 6, 48);
    for (int i = 0; i < REC_FIELDS; i++) rec_put_u16(buf + 8 + 2 * i, slots[i]);
    rec_put_u32(buf + 24, 20);
    uint64_t score_bits;
    memcpy(&score_bits, &score, 8);
    rec_put_u64(buf + 32, id);
    rec_put_u64(buf + 40, ts);
    rec_put_u64(buf + 48, score_bits);
    buf[68] = active ? 1 : 0;
    size_t pos = 72;
    size_t name_at = rec_put_blob(buf, &pos, name, (uint32_t)strlen(name), 1);
    size_t email_at = rec_put_blob(buf, &pos, email, (uint32_t)strlen(email), 1);
    size_t payload_at = rec_put_blob(buf, &pos, payload, payload_len, 0);
    rec_put_u32(buf + 56, (uint32_t)(name_at - 56));
    rec_put_u32(buf + 60, (uint32_t)(email_at - 60));
    rec_put_u32(buf + 64, (uint32_t)(payload_at - 64));
    return pos;
}

/* Sample record number `id` (as the Python reference benchmark makes them): name "user-%08llu",
 * email "user-%08llu@example.com", a 96-byte payload; `buf` needs REC_SAMPLE_MAX bytes. */
enum { REC_SAMPLE_MAX = 512 };
static inline size_t rec_build_sample(uint8_t *buf, uint64_t id) {
    char name[32], email[48];
    uint8_t payload[96];
    snprintf(name, sizeof name, "user-%08llu", (unsigned long long)id);
    snprintf(email, sizeof email, "user-%08llu@example.com", (unsigned long long)id);
    for (int i = 0; i < 96; i++) payload[i] = (uint8_t)(id + (uint64_t)i);
    return rec_build(buf, id, 1700000000000000000ull + id, (double)id / 7.0, (int)(id & 1), name, email,
                     payload, sizeof payload);
}

static inline uint16_t rec_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rec_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rec_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The table's position of field `field`, or NULL when the record leaves it out. */
static inline const uint8_t *rec_field(const uint8_t *buf, int field) {
    const uint8_t *table = buf + rec_u32(buf);
    const uint8_t *vtable = table - (int32_t)rec_u32(table);
    uint16_t vtable_size = rec_u16(vtable);
    uint16_t slot = (uint16_t)(4 + 2 * field);
    if (slot >= vtable_size) return NULL;
    uint16_t offset = rec_u16(vtable + slot);
    return offset ? table + offset : NULL;
}

static inline uint64_t rec_id(const uint8_t *buf) {
    const uint8_t *p = rec_field(buf, REC_ID);
    return p ? rec_u64(p) : 0;
}

/* A string field: its bytes (not NUL-terminated in the map's view) and length. */
static inline const char *rec_string(const uint8_t *buf, int field, uint32_t *len) {
    const uint8_t *p = rec_field(buf, field);
    if (!p) { *len = 0; return ""; }
    const uint8_t *s = p + rec_u32(p);
    *len = rec_u32(s);
    return (const char *)(s + 4);
}

#endif
