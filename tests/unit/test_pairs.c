/* pairs: examples read (and refused naming the line); micro-batches never
 * hold a candidate text twice, the ones that clash waiting for a later one;
 * an epoch's rest that cannot fill one gives way to the next epoch; a start
 * at a position replays to the very micro-batches a run drawn straight on
 * had; the seed changes the order. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "pairs.h"

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

int main(void) {
    /* 12 examples; examples 0-5 share the negative "common" */
    FILE *f = fopen("p.jsonl", "wb");
    for (int i = 0; i < 12; i++)
        fprintf(f, "{\"query\": \"q%d\", \"pos\": [\"p%d\", \"other\"], \"neg\": [\"%s%d\"]}\n", i, i, i < 6 ? "common" : "n", i < 6 ? 0 : i);
    fclose(f);
    const char *paths[1] = {"p.jsonl"};
    cn_pairs *p = cn_pairs_read(paths, 1, 1);
    CHECK(p && cn_pairs_count(p) == 12);
    CHECK(strcmp(cn_pairs_at(p, 3)->cand[0], "p3") == 0 && strcmp(cn_pairs_at(p, 3)->cand[1], "common0") == 0);
    CHECK(cn_pairs_at(p, 3)->line == 4);
    CHECK(cn_pairs_start(p, 4, 7, (cn_pairs_pos){0, 0}) == CN_OK);
    size_t idx[4], seq[40][4];
    int clash = 0, epochs_seen = 0;
    for (int b = 0; b < 40; b++) {
        CHECK(cn_pairs_next(p, idx) == CN_OK);
        memcpy(seq[b], idx, sizeof idx);
        int common = 0;
        for (int i = 0; i < 4; i++) common += idx[i] < 6;
        clash |= common > 1;
        if (cn_pairs_position(p).epoch > epochs_seen) epochs_seen = (int)cn_pairs_position(p).epoch;
    }
    CHECK(!clash);          /* never "common0" twice in a micro-batch */
    CHECK(epochs_seen >= 10); /* each micro-batch takes one of examples 0-5 at most: few fit an epoch */
    /* replay: start at the position after 25 micro-batches, draw the rest */
    cn_pairs *r = cn_pairs_read(paths, 1, 1);
    CHECK(cn_pairs_start(r, 4, 7, (cn_pairs_pos){0, 0}) == CN_OK);
    cn_pairs_pos at = {0, 0};
    for (int b = 0; b < 25; b++) cn_pairs_next(r, idx), at = cn_pairs_position(r);
    cn_pairs *s = cn_pairs_read(paths, 1, 1);
    CHECK(cn_pairs_start(s, 4, 7, at) == CN_OK);
    int same = 1;
    for (int b = 25; b < 40; b++) {
        CHECK(cn_pairs_next(s, idx) == CN_OK);
        same &= memcmp(idx, seq[b], sizeof idx) == 0;
    }
    CHECK(same);
    /* another seed, another order */
    cn_pairs *t = cn_pairs_read(paths, 1, 1);
    CHECK(cn_pairs_start(t, 4, 8, (cn_pairs_pos){0, 0}) == CN_OK && cn_pairs_next(t, idx) == CN_OK);
    CHECK(memcmp(idx, seq[0], sizeof idx) != 0);
    /* a micro-batch larger than the examples allow */
    CHECK(cn_pairs_start(t, 8, 8, (cn_pairs_pos){0, 0}) == CN_EINVAL && strstr(cn_errmsg(), "cannot fill a micro-batch of 8"));
    cn_pairs_free(p), cn_pairs_free(r), cn_pairs_free(s), cn_pairs_free(t);
    /* as NoDuplicatesBatchSampler: a query counts as a text too */
    put("q.jsonl", "{\"query\": \"a\", \"pos\": [\"x\"], \"neg\": [\"y\"]}\n{\"query\": \"x\", \"pos\": [\"b\"], \"neg\": [\"c\"]}\n");
    const char *qp[1] = {"q.jsonl"};
    cn_pairs *u = cn_pairs_read(qp, 1, 1);
    CHECK(u && cn_pairs_start(u, 2, 1, (cn_pairs_pos){0, 0}) == CN_EINVAL);
    cn_pairs_free(u);
    /* a pass that cannot fill a micro-batch drops only what it took: a hub
     * that shares a text with each of the three others never fits, and the
     * three always give one micro-batch an epoch, even where the hub comes
     * first in the order (a whole epoch's rest dropped would give none) */
    put("h.jsonl", "{\"query\": \"hub\", \"pos\": [\"h\"], \"neg\": [\"hn\"]}\n"
                   "{\"query\": \"o0\", \"pos\": [\"p0\"], \"neg\": [\"hub\"]}\n"
                   "{\"query\": \"o1\", \"pos\": [\"p1\"], \"neg\": [\"h\"]}\n"
                   "{\"query\": \"o2\", \"pos\": [\"p2\"], \"neg\": [\"hn\"]}\n");
    const char *hp[1] = {"h.jsonl"};
    int every_one = 1;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        cn_pairs *h = cn_pairs_read(hp, 1, 1);
        CHECK(h && cn_pairs_start(h, 2, seed, (cn_pairs_pos){0, 0}) == CN_OK);
        int per[12] = {0};
        for (int b = 0; b < 20; b++) {
            CHECK(cn_pairs_next(h, idx) == CN_OK);
            CHECK(idx[0] != 0 && idx[1] != 0);
            int64_t e = cn_pairs_position(h).epoch;
            if (e < 12) per[e]++;
        }
        for (int e = 0; e < 9; e++) every_one &= per[e] == 1;
        cn_pairs_free(h);
    }
    CHECK(every_one);
    remove("q.jsonl"), remove("h.jsonl");
    /* bad examples name their line */
    put("b.jsonl", "{\"query\": \"a\", \"pos\": [\"x\"], \"neg\": [\"y\"]}\n{\"query\": \" \", \"pos\": [\"x\"], \"neg\": [\"y\"]}\n");
    const char *bp[1] = {"b.jsonl"};
    CHECK(cn_pairs_read(bp, 1, 1) == NULL && strcmp(cn_errmsg(), "b.jsonl:2: an empty query") == 0);
    put("c.jsonl", "{\"query\": \"a\", \"neg\": [\"y\"]}\n");
    const char *cp[1] = {"c.jsonl"};
    CHECK(cn_pairs_read(cp, 1, 1) == NULL && strcmp(cn_errmsg(), "c.jsonl:1: no positive (\"pos\": [TEXT, ...])") == 0);
    put("d.jsonl", "{\"query\": \"a\", \"pos\": [\"x\"], \"neg\": [\"y\", \"y\"]}\n");
    const char *dp[1] = {"d.jsonl"};
    CHECK(cn_pairs_read(dp, 1, 2) == NULL && strcmp(cn_errmsg(), "d.jsonl:1: negatives 0 and 1 are the same text") == 0);
    remove("p.jsonl"), remove("b.jsonl"), remove("c.jsonl"), remove("d.jsonl");
    return check_done();
}
