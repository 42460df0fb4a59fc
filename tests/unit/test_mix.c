/* mix: shares within one document at every prefix, determinism, epochs and
 * upsampling, where the blend ends, --skip-docs resumes the identical stream,
 * shuffle is a fresh permutation each epoch, tokenizers must agree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "mix.h"
#include "rng.h"

#define SPAN 1000 /* source k has ids in [k*SPAN, (k+1)*SPAN): each output document names its source */

static uint32_t maxlen;

/* a source of `docs` documents with lengths 1..maxl; id 0 of each document is its index */
static void make_source(const char *path, int k, int docs, uint32_t maxl, uint64_t seed, uint8_t hashbyte) {
    cn_out *o = cn_out_open(path, 0);
    uint8_t hash[32];
    memset(hash, hashbyte, 32);
    cn_shard_info info;
    cn_shard_info_init(&info, 32000, hash, 0);
    cn_shard_writer *w = cn_shard_writer_new(o, &info);
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    uint32_t ids[4096];
    for (int d = 0; d < docs; d++) {
        uint32_t n = 1 + (uint32_t)cn_rng_below(&r, maxl);
        if (n > maxlen) maxlen = n;
        ids[0] = (uint32_t)(k * SPAN + d);
        for (uint32_t i = 1; i < n; i++) ids[i] = (uint32_t)(k * SPAN + (d * 7 + i) % SPAN);
        CHECK(cn_shard_write(w, ids, n, n * 4) == CN_OK);
    }
    CHECK(cn_shard_writer_finish(w, NULL) == CN_OK && cn_out_commit(o) == CN_OK);
}

typedef struct {
    int n;
    int src[20000], idx[20000];
    uint32_t len[20000];
    uint64_t tokens;
} blend;

static cn_status run(const cn_mix_opts *o, const double *w, const char **paths, int k, const char *out, blend *b) {
    cn_mix *m = cn_mix_new(o);
    for (int i = 0; i < k; i++) {
        cn_status st = cn_mix_add(m, w[i], paths[i]);
        if (st) {
            cn_mix_free(m);
            return st;
        }
    }
    cn_out *f = cn_out_open(out, 0);
    cn_status st = cn_mix_run(m, f, NULL);
    if (st) {
        cn_out_abort(f);
        cn_mix_free(m);
        return st;
    }
    CHECK(cn_out_commit(f) == CN_OK);
    cn_mix_free(m);
    if (!b) return CN_OK;
    cn_in *in = cn_in_open(out);
    cn_shard_reader *r = cn_shard_reader_new(in);
    cn_doc d;
    memset(b, 0, sizeof *b);
    while ((st = cn_shard_next(r, &d)) == CN_OK && b->n < 20000) {
        uint32_t id0 = cn_doc_id(&d, 0);
        b->src[b->n] = (int)(id0 / SPAN);
        b->idx[b->n] = (int)(id0 % SPAN);
        b->len[b->n] = d.n;
        b->tokens += d.n;
        b->n++;
    }
    cn_shard_reader_free(r);
    cn_in_close(in);
    return st == CN_EOF ? CN_OK : st;
}

/* |t_k - w_k T| <= one document at every prefix */
static int within_one_doc(const blend *b, const double *w, int k) {
    double t[8] = {0}, T = 0, worst = 0;
    double ws = 0;
    for (int i = 0; i < k; i++) ws += w[i];
    for (int i = 0; i < b->n; i++) {
        t[b->src[i]] += b->len[i];
        T += b->len[i];
        for (int s = 0; s < k; s++) {
            double dev = fabs(t[s] - w[s] / ws * T);
            if (dev > worst) worst = dev;
        }
    }
    if (worst > maxlen) fprintf(stderr, "largest deviation %.1f tokens, longest document %u\n", worst, maxlen);
    return worst <= maxlen;
}

static int same_bytes(const char *a, const char *b) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    return system(cmd) == 0;
}

int main(void) {
    make_source("a.tok", 0, 400, 300, 1, 1);
    make_source("b.tok", 1, 150, 900, 2, 1);
    make_source("c.tok", 2, 40, 50, 3, 1);
    make_source("other.tok", 3, 10, 10, 4, 2);
    const char *paths[] = {"a.tok", "b.tok", "c.tok"};
    static blend b1, b2;
    cn_mix_opts o;

    /* two sources, no --tokens: ends when the first source would repeat */
    cn_mix_opts_init(&o);
    double w2[] = {0.7, 0.3};
    CHECK(run(&o, w2, paths, 2, "m1.tok", &b1) == CN_OK);
    CHECK(within_one_doc(&b1, w2, 2));
    int seen[2][SPAN] = {{0}};
    int repeated = 0, full = 0;
    for (int i = 0; i < b1.n; i++) repeated |= seen[b1.src[i]][b1.idx[i]]++;
    int counts[2] = {0, 0};
    for (int i = 0; i < b1.n; i++) counts[b1.src[i]]++;
    full = counts[0] == 400 || counts[1] == 150;
    CHECK(!repeated && full);
    /* deterministic */
    CHECK(run(&o, w2, paths, 2, "m1b.tok", NULL) == CN_OK && same_bytes("m1.tok", "m1b.tok"));

    /* three sources, upsampling the small one, --tokens */
    double w3[] = {0.5, 0.3, 0.2};
    o.tokens = 150000;
    CHECK(run(&o, w3, paths, 3, "m2.tok", &b2) == CN_OK);
    CHECK(within_one_doc(&b2, w3, 3));
    CHECK(b2.tokens >= 150000 && b2.tokens < 150000 + maxlen);
    int cdocs = 0;
    for (int i = 0; i < b2.n; i++) cdocs += b2.src[i] == 2;
    CHECK(cdocs > 40 * 5); /* c.tok (~1000 tokens) repeated many times over */
    {
        cn_mix *m = cn_mix_new(&o);
        for (int i = 0; i < 3; i++) cn_mix_add(m, w3[i], paths[i]);
        cn_out *f = cn_out_open("/dev/null", 0);
        CHECK(cn_mix_run(m, f, NULL) == CN_OK && cn_out_commit(f) == CN_OK);
        cn_mix_stats s;
        cn_mix_stat(m, 2, &s);
        CHECK(s.epochs > 5 && fabs((double)s.tokens / 150000 - 0.2) < 0.01);
        cn_mix_free(m);
    }

    /* --skip-docs gives the identical stream from document K on */
    static blend sk;
    for (uint64_t skip = 1; skip < 2000; skip = skip * 5 + 3) {
        o.skip_docs = skip;
        CHECK(run(&o, w3, paths, 3, "m3.tok", &sk) == CN_OK);
        int ok = sk.n == b2.n - (int)skip;
        for (int i = 0; ok && i < sk.n; i++)
            ok = sk.src[i] == b2.src[i + skip] && sk.idx[i] == b2.idx[i + skip] && sk.len[i] == b2.len[i + skip];
        CHECK_MSG(ok, "skip %llu", (unsigned long long)skip);
    }
    o.skip_docs = 0;

    /* --epochs 2 without --tokens: the first source to need a third pass ends it */
    cn_mix_opts_init(&o);
    o.epochs = 2;
    double w2b[] = {0.5, 0.5};
    const char *ac[] = {"a.tok", "c.tok"};
    CHECK(run(&o, w2b, ac, 2, "m4.tok", &b1) == CN_OK);
    int cc = 0;
    for (int i = 0; i < b1.n; i++) cc += b1.src[i] == 2;
    CHECK(cc == 80); /* c.tok twice, then the blend ends */

    /* shuffle: each epoch a permutation of the source, different per epoch and seed */
    cn_mix_opts_init(&o);
    o.shuffle = 1;
    o.epochs = 3;
    double w1[] = {1};
    const char *c1[] = {"c.tok"};
    CHECK(run(&o, w1, c1, 1, "s1.tok", &b1) == CN_OK && b1.n == 120);
    int perm_ok = 1, differs = 0, inorder = 1;
    for (int e = 0; e < 3; e++) {
        int hit[40] = {0};
        for (int i = 0; i < 40; i++) hit[b1.idx[e * 40 + i]]++;
        for (int i = 0; i < 40; i++) perm_ok &= hit[i] == 1;
        if (e) for (int i = 0; i < 40; i++) differs |= b1.idx[e * 40 + i] != b1.idx[i];
    }
    for (int i = 0; i < 40; i++) inorder &= b1.idx[i] == i;
    CHECK(perm_ok && differs && !inorder);
    CHECK(run(&o, w1, c1, 1, "s2.tok", NULL) == CN_OK && same_bytes("s1.tok", "s2.tok"));
    o.seed = 99;
    CHECK(run(&o, w1, c1, 1, "s3.tok", NULL) == CN_OK && !same_bytes("s1.tok", "s3.tok"));

    /* shards of another tokenizer are refused, unless forced */
    cn_mix_opts_init(&o);
    const char *mixed[] = {"a.tok", "other.tok"};
    CHECK(run(&o, w2, mixed, 2, "x.tok", NULL) == CN_EMISMATCH && strstr(cn_errmsg(), "different tokenizer"));
    o.force = 1;
    CHECK(run(&o, w2, mixed, 2, "x.tok", NULL) == CN_OK);

    /* shuffle needs random access */
    cn_mix_opts_init(&o);
    o.shuffle = 1;
    CHECK(system("zstd -q -f a.tok -o a.tok.zst") == 0);
    const char *z[] = {"a.tok.zst"};
    CHECK(run(&o, w1, z, 1, "z.tok", NULL) == CN_EINVAL);
    /* a compressed source repeats by reading the stream again */
    cn_mix_opts_init(&o);
    o.tokens = 200000;
    CHECK(run(&o, w1, z, 1, "z.tok", &b1) == CN_OK && b1.tokens >= 200000);
    return check_done();
}
