/* topk: a bounded min-heap of (score, id) by rank (topk.h). */
#include "topk.h"

#include <math.h>

/* whether (s, i) ranks below (t, j): a lower score, or the same and a higher id */
static inline int worse(float s, int64_t i, float t, int64_t j) { return s < t || (s == t && i > j); }

static void swap(cn_topk *h, int a, int b) {
    float s = h->score[a];
    int64_t i = h->id[a];
    h->score[a] = h->score[b], h->id[a] = h->id[b], h->score[b] = s, h->id[b] = i;
}

/* the heap of the first m: its root the worst */
static void sift_down(cn_topk *h, int m, int at) {
    for (;;) {
        int l = 2 * at + 1, r = l + 1, w = at;
        if (l < m && worse(h->score[l], h->id[l], h->score[w], h->id[w])) w = l;
        if (r < m && worse(h->score[r], h->id[r], h->score[w], h->id[w])) w = r;
        if (w == at) return;
        swap(h, at, w);
        at = w;
    }
}

void cn_topk_push(cn_topk *h, float v, int64_t i) {
    if (isnan(v)) return; /* ranks with nothing: never held */
    if (h->filled < h->k) { /* filling: sift the new one up */
        int at = h->filled++;
        h->score[at] = v, h->id[at] = i;
        while (at > 0) {
            int up = (at - 1) / 2;
            if (!worse(h->score[at], h->id[at], h->score[up], h->id[up])) break;
            swap(h, at, up);
            at = up;
        }
    } else if (h->k > 0 && worse(h->score[0], h->id[0], v, i)) {
        h->score[0] = v, h->id[0] = i;
        sift_down(h, h->k, 0);
    }
}

void cn_topk_sort(cn_topk *h) {
    for (int m = h->filled; m > 1; m--) { /* the worst to the end, each in turn */
        swap(h, 0, m - 1);
        sift_down(h, m - 1, 0);
    }
    for (int j = h->filled; j < h->k; j++) h->id[j] = -1, h->score[j] = -INFINITY;
}
