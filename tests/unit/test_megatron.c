/* Megatron-LM indexed datasets: the fixtures written by Megatron's own builder
 * are read, and rewritten byte for byte; shards -> Megatron -> shards is byte
 * for byte; hostile indexes are refused. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "shard.h"

static const char *path(const char *name) { return check_data("megatron", name); }

static uint8_t *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n + 1);
    if (fread(b, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return b;
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb);
    int ok = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return ok;
}

static const uint32_t docs5[5][5] = {{1, 2, 3}, {40000, 5}, {7}, {8, 9, 10, 11, 12}, {65000, 0, 31999}};
static const uint32_t lens5[5] = {3, 2, 1, 5, 3};

static void check_five(const char *prefix, int dtype) {
    cn_megatron *m = cn_megatron_open(path(prefix), -1);
    CHECK_MSG(m != NULL, "%s", cn_errmsg());
    if (!m) return;
    CHECK(cn_megatron_dtype(m) == dtype && cn_megatron_docs(m) == 5 && cn_megatron_seqs(m) == 5);
    for (uint64_t i = 0; i < 5; i++) {
        cn_doc d;
        CHECK(cn_megatron_doc(m, i, &d) == CN_OK && d.n == lens5[i]);
        for (uint32_t k = 0; k < d.n; k++) CHECK(cn_doc_id(&d, k) == docs5[i][k]);
    }
    cn_megatron_close(m);
    /* the writer reproduces it byte for byte, and writes no side file */
    cn_megatron_writer *w = cn_megatron_writer_new(prefix, dtype);
    for (int i = 0; i < 5; i++) {
        CHECK(cn_megatron_add(w, docs5[i], lens5[i]) == CN_OK);
        CHECK(cn_megatron_end_doc(w, 0) == CN_OK);
    }
    CHECK(cn_megatron_finish(w) == CN_OK);
    char mine[64], theirs[64];
    snprintf(mine, sizeof mine, "%s.idx", prefix);
    CHECK_MSG(same_file(mine, path(strstr(prefix, "u16") ? "u16.idx" : "i32.idx")), "%s", mine);
    snprintf(mine, sizeof mine, "%s.bin", prefix);
    snprintf(theirs, sizeof theirs, "%s.bin", prefix);
    CHECK_MSG(same_file(mine, path(theirs)), "%s", mine);
    snprintf(mine, sizeof mine, "%s.cnmeta", prefix);
    CHECK(fopen(mine, "rb") == NULL);
}

int main(void) {
    check_five("u16", CN_MEGATRON_U16);
    check_five("i32", CN_MEGATRON_I32);

    /* a document made of two sequences */
    cn_megatron *m = cn_megatron_open(path("multi"), -1);
    CHECK_MSG(m != NULL, "%s", cn_errmsg());
    if (m) {
        CHECK(cn_megatron_docs(m) == 2 && cn_megatron_seqs(m) == 3);
        cn_doc d;
        CHECK(cn_megatron_doc(m, 0, &d) == CN_OK && d.n == 3 && cn_doc_id(&d, 0) == 1 && cn_doc_id(&d, 2) == 3);
        CHECK(cn_megatron_doc(m, 1, &d) == CN_OK && d.n == 3 && cn_doc_id(&d, 0) == 4 && cn_doc_id(&d, 2) == 6);
        cn_megatron_close(m);
    }
    cn_megatron_writer *w = cn_megatron_writer_new("multi", CN_MEGATRON_U16);
    uint32_t s1[] = {1, 2}, s2[] = {3}, s3[] = {4, 5, 6};
    CHECK(cn_megatron_add(w, s1, 2) == CN_OK && cn_megatron_add(w, s2, 1) == CN_OK && cn_megatron_end_doc(w, 0) == CN_OK);
    CHECK(cn_megatron_add(w, s3, 3) == CN_OK && cn_megatron_end_doc(w, 0) == CN_OK);
    CHECK(cn_megatron_finish(w) == CN_OK);
    CHECK(same_file("multi.idx", path("multi.idx")) && same_file("multi.bin", path("multi.bin")));

    /* the EOS convention: stripped when asked */
    m = cn_megatron_open(path("u16"), 3);
    cn_doc d;
    CHECK(m && cn_megatron_doc(m, 0, &d) == CN_OK && d.n == 2);
    cn_megatron_close(m);

    /* shards -> Megatron -> shards, byte for byte: two shards, EOS appended */
    cn_out *o = cn_out_open("orig.tok", 0);
    uint8_t hash[32];
    memset(hash, 0xAB, sizeof hash);
    uint32_t eos = 2;
    const uint32_t a[] = {5, 6, 7}, b[] = {9, 2}, c[] = {31999};
    for (int k = 0; k < 2; k++) {
        cn_shard_info info;
        cn_shard_info_init(&info, 32000, hash, k ? CN_SHARD_BOS : 0);
        cn_shard_writer *sw = cn_shard_writer_new(o, &info);
        CHECK(cn_shard_write(sw, a, 3, 11) == CN_OK && cn_shard_write(sw, b, 2, 22) == CN_OK);
        if (k) CHECK(cn_shard_write(sw, c, 1, 33) == CN_OK);
        CHECK(cn_shard_writer_finish(sw, NULL) == CN_OK);
    }
    CHECK(cn_out_commit(o) == CN_OK);
    w = cn_megatron_writer_new("rt", CN_MEGATRON_U16);
    cn_in *in = cn_in_open("orig.tok");
    cn_shard_reader *r = cn_shard_reader_new(in);
    uint64_t shards = 0;
    while (cn_shard_next(r, &d) == CN_OK) {
        if (cn_shard_reader_shards(r) != shards) {
            shards = cn_shard_reader_shards(r);
            CHECK(cn_megatron_begin_shard(w, cn_shard_reader_info(r), eos) == CN_OK);
        }
        uint32_t ids[8];
        for (uint32_t k = 0; k < d.n; k++) ids[k] = cn_doc_id(&d, k);
        ids[d.n] = eos;
        CHECK(cn_megatron_add(w, ids, d.n + 1) == CN_OK && cn_megatron_end_doc(w, d.text_bytes) == CN_OK);
    }
    cn_shard_reader_free(r);
    cn_in_close(in);
    CHECK(cn_megatron_finish(w) == CN_OK);
    m = cn_megatron_open("rt", CN_MEGATRON_EOS_AUTO);
    CHECK(m && cn_megatron_shards(m) == 2 && cn_megatron_docs(m) == 5);
    o = cn_out_open("back.tok", 0);
    uint64_t left, k = 0;
    cn_shard_writer *sw = cn_shard_writer_new(o, cn_megatron_shard_info(m, 0, &left));
    for (uint64_t i = 0; i < cn_megatron_docs(m); i++, left--) {
        if (!left) {
            CHECK(cn_shard_writer_finish(sw, NULL) == CN_OK);
            sw = cn_shard_writer_new(o, cn_megatron_shard_info(m, ++k, &left));
        }
        CHECK(cn_megatron_doc(m, i, &d) == CN_OK && cn_shard_write_doc(sw, &d) == CN_OK);
    }
    CHECK(cn_shard_writer_finish(sw, NULL) == CN_OK && cn_out_commit(o) == CN_OK);
    cn_megatron_close(m);
    CHECK(same_file("orig.tok", "back.tok")); /* b ends with the EOS id itself: only the appended one is stripped */

    /* hostile indexes */
    size_t n;
    uint8_t *idx = slurp(path("u16.idx"), &n);
    uint8_t *bin;
    size_t nb;
    bin = slurp(path("u16.bin"), &nb);
    struct { size_t at; uint8_t val; size_t cut; const char *msg; } cases[] = {
        {0, 'X', 0, "bad magic"},
        {9, 2, 0, "unsupported index version"},
        {17, 5, 0, "unsupported dtype"},
        {18, 9, 0, "index size does not match"},
        {34 + 20 + 8 * 4, 0x7F, 0, "outside"},      /* pointer of sequence 4 */
        {34 + 20 + 40 + 8, 3, 0, "bad document index"},
        {0, 0, 40, "index size does not match"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *q = malloc(n);
        memcpy(q, idx, n);
        if (!cases[i].cut) q[cases[i].at] = cases[i].val;
        FILE *f = fopen("bad.idx", "wb");
        fwrite(q, 1, cases[i].cut ? cases[i].cut : n, f);
        fclose(f);
        f = fopen("bad.bin", "wb");
        fwrite(bin, 1, nb, f);
        fclose(f);
        free(q);
        m = cn_megatron_open("bad", -1);
        CHECK_MSG(m == NULL && strstr(cn_errmsg(), cases[i].msg), "case %zu: %s", i, m ? "opened" : cn_errmsg());
        cn_megatron_close(m);
    }
    free(idx);
    free(bin);
    return check_done();
}
