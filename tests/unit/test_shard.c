/* shard: writer/reader round trips (widths 2 and 4, several shards back to
 * back, zstd), every kind of corruption rejected before the record is handed
 * on, random access agreeing with the stream. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "crc.h"
#include "rng.h"
#include "shard.h"

#define NDOC 300

typedef struct {
    uint32_t *ids[NDOC];
    uint32_t n[NDOC], tb[NDOC];
} corpus;

static void make(corpus *c, uint32_t vocab, uint64_t seed) {
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    for (int d = 0; d < NDOC; d++) {
        c->n[d] = 1 + (uint32_t)cn_rng_below(&r, d % 50 == 0 ? 20000 : 300);
        c->tb[d] = (uint32_t)cn_rng_below(&r, 100000);
        c->ids[d] = malloc(c->n[d] * sizeof(uint32_t));
        for (uint32_t i = 0; i < c->n[d]; i++) c->ids[d][i] = (uint32_t)cn_rng_below(&r, vocab);
    }
}

static void release(corpus *c) {
    for (int d = 0; d < NDOC; d++) free(c->ids[d]);
}

/* writes `shards` shards of the corpus (documents split evenly) to path */
static void write_stream(const char *path, const corpus *c, uint32_t vocab, int shards) {
    cn_out *o = cn_out_open(path, 0);
    uint8_t hash[32];
    cn_sha256 s;
    cn_sha256_init(&s);
    cn_sha256_update(&s, "tok", 3);
    cn_sha256_final(&s, hash);
    int per = NDOC / shards;
    for (int k = 0; k < shards; k++) {
        cn_shard_info info;
        cn_shard_info_init(&info, vocab, hash, CN_SHARD_EOS);
        cn_shard_writer *w = cn_shard_writer_new(o, &info);
        for (int d = k * per; d < (k == shards - 1 ? NDOC : (k + 1) * per); d++)
            CHECK(cn_shard_write(w, c->ids[d], c->n[d], c->tb[d]) == CN_OK);
        cn_shard_counts cnt;
        CHECK(cn_shard_writer_finish(w, &cnt) == CN_OK);
    }
    CHECK(cn_out_commit(o) == CN_OK);
}

static int same(const cn_doc *d, const corpus *c, int k) {
    if (d->n != c->n[k] || d->text_bytes != c->tb[k]) return 0;
    for (uint32_t i = 0; i < d->n; i++)
        if (cn_doc_id(d, i) != c->ids[k][i]) return 0;
    return 1;
}

/* reads path through the streaming reader; returns the ending status */
static cn_status read_stream(const char *path, const corpus *c, int *docs) {
    cn_in *in = cn_in_open(path);
    cn_shard_reader *r = cn_shard_reader_new(in);
    cn_doc d;
    cn_status st;
    *docs = 0;
    while ((st = cn_shard_next(r, &d)) == CN_OK) {
        if (c && !same(&d, c, *docs)) {
            st = CN_EINVAL;
            break;
        }
        (*docs)++;
    }
    cn_shard_reader_free(r);
    cn_in_close(in);
    return st;
}

static uint8_t *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *p = malloc(*n + 1);
    CHECK(fread(p, 1, *n, f) == *n);
    fclose(f);
    return p;
}

static void spit(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

/* corrupts a copy of `orig` and expects the reader to stop with `want` before handing on the bad record */
static void corrupt(const uint8_t *orig, size_t n, size_t at, uint8_t xor, size_t cut, cn_status want, const char *msg,
                    int max_docs) {
    uint8_t *p = malloc(n);
    memcpy(p, orig, n);
    p[at] ^= xor;
    spit("bad.tok", p, cut ? cut : n);
    free(p);
    int docs;
    cn_status st = read_stream("bad.tok", NULL, &docs);
    CHECK_MSG(st == want && strstr(cn_errmsg(), msg) && docs <= max_docs, "want %d '%s', got %d '%s' after %d docs",
              want, msg, st, cn_errmsg(), docs);
}

int main(void) {
    corpus c2, c4;
    make(&c2, 32000, 1);
    make(&c4, 128256, 2);
    int docs;
    write_stream("w2.tok", &c2, 32000, 1);
    write_stream("w4.tok", &c4, 128256, 3);
    write_stream("w4.tok.zst", &c4, 128256, 3);
    CHECK(read_stream("w2.tok", &c2, &docs) == CN_EOF && docs == NDOC);
    CHECK(read_stream("w4.tok", &c4, &docs) == CN_EOF && docs == NDOC);
    CHECK(read_stream("w4.tok.zst", &c4, &docs) == CN_EOF && docs == NDOC);
    /* shards written separately concatenate into one stream */
    CHECK(system("cat w2.tok w2.tok > cat.tok") == 0);
    CHECK(read_stream("cat.tok", NULL, &docs) == CN_EOF && docs == 2 * NDOC);
    spit("empty.tok", (const uint8_t *)"", 0);
    CHECK(read_stream("empty.tok", NULL, &docs) == CN_EOF && docs == 0);

    /* random access = stream order */
    cn_shard_file *f = cn_shard_file_open("w4.tok");
    CHECK(f && cn_shard_file_docs(f) == NDOC && cn_shard_file_info(f)->width == 4);
    for (int k = NDOC - 1; f && k >= 0; k -= 7) {
        cn_doc d;
        CHECK(cn_shard_file_doc(f, (uint64_t)k, &d) == CN_OK && same(&d, &c4, k));
    }
    cn_shard_file_close(f);
    CHECK(cn_shard_file_open("w4.tok.zst") == NULL && strstr(cn_errmsg(), "decompress it first"));

    /* header details: magic, widths, flags, hash at offset 16 */
    size_t n;
    uint8_t *p = slurp("w2.tok", &n);
    CHECK(memcmp(p, "CNTOKSH1", 8) == 0 && p[8] == 2 && p[12] == (32000 & 0xFF) && p[48] == CN_SHARD_EOS);
    /* the trailer CRC covers every byte before it */
    CHECK(cn_crc32c(0, p, n - 4) == ((uint32_t)p[n - 4] | (uint32_t)p[n - 3] << 8 | (uint32_t)p[n - 2] << 16 | (uint32_t)p[n - 1] << 24));

    /* corruption: each is detected, and the bad record is never handed on */
    size_t rec0 = 64;                              /* first record */
    size_t ids0 = rec0 + 12;                       /* its ids */
    size_t rec1 = ids0 + 2 * (size_t)c2.n[0];      /* second record */
    corrupt(p, n, 0, 0x01, 0, CN_EFORMAT, "bad magic", 0);
    corrupt(p, n, 8, 0x01, 0, CN_EFORMAT, "bad token width", 0);
    corrupt(p, n, 52, 0x01, 0, CN_EFORMAT, "reserved", 0);
    corrupt(p, n, ids0 + 3, 0x10, 0, CN_ECRC, "record CRC mismatch", 0);
    corrupt(p, n, rec1 + 8, 0x01, 0, CN_ECRC, "record CRC mismatch", 1);
    corrupt(p, n, rec0 + 4, 0x01, 0, CN_EFORMAT, "trailer counts", NDOC); /* text bytes: only the trailer disagrees */
    corrupt(p, n, n - 2, 0x01, 0, CN_ECRC, "trailer CRC mismatch", NDOC);
    corrupt(p, n, n - 20, 0x01, 0, CN_EFORMAT, "trailer counts", NDOC);
    corrupt(p, n, 0, 0, n - 1, CN_ETRUNC, "truncated shard", NDOC);
    corrupt(p, n, 0, 0, n - 32, CN_ETRUNC, "truncated shard", NDOC);
    corrupt(p, n, 0, 0, rec1 + 5, CN_ETRUNC, "truncated shard", 1);
    corrupt(p, n, 0, 0, 40, CN_ETRUNC, "truncated shard", 0);
    corrupt(p, n, rec0 + 3, 0x7F, 0, CN_EFORMAT, "too large", 0); /* n becomes huge */
    corrupt(p, n, rec0 + 2, 0x40, 0, CN_ETRUNC, "truncated shard", 0);    /* n runs past the end */
    /* an id >= vocab_size with a CRC that matches it */
    {
        uint8_t *q = malloc(n);
        memcpy(q, p, n);
        q[ids0] = 0xFF;
        q[ids0 + 1] = 0xFF; /* id 65535 >= 32000 */
        uint32_t crc = cn_crc32c(0, q + ids0, 2 * (size_t)c2.n[0]);
        memcpy(q + rec0 + 8, &crc, 4);
        spit("range.tok", q, n);
        CHECK(read_stream("range.tok", NULL, &docs) == CN_ERANGE && docs == 0);
        CHECK_MSG(strstr(cn_errmsg(), "token id 65535 (position 0) >= vocab_size 32000"), "%s", cn_errmsg());
        f = cn_shard_file_open("range.tok");
        cn_doc d;
        CHECK(f && cn_shard_file_doc(f, 0, &d) == CN_ERANGE && cn_shard_file_doc(f, 1, &d) == CN_OK);
        cn_shard_file_close(f);
        free(q);
    }
    free(p);

    /* the writer refuses out-of-range ids and skips empty documents */
    cn_out *o = cn_out_open("w.tok", 0);
    cn_shard_info info;
    cn_shard_info_init(&info, 100, NULL, 0);
    cn_shard_writer *w = cn_shard_writer_new(o, &info);
    uint32_t ids[3] = {1, 2, 100};
    CHECK(cn_shard_write(w, ids, 3, 3) == CN_ERANGE);
    CHECK(cn_shard_write(w, ids, 0, 0) == CN_OK);
    CHECK(cn_shard_write(w, ids, 2, 3) == CN_OK);
    cn_shard_counts cnt;
    CHECK(cn_shard_writer_finish(w, &cnt) == CN_OK && cnt.docs == 1 && cnt.tokens == 2 && cnt.text_bytes == 3);
    CHECK(cn_out_commit(o) == CN_OK);
    release(&c2);
    release(&c4);
    return check_done();
}
