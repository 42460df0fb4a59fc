/* tok_bpe: the BPE model of Hugging Face tokenizers: the initial symbols of a
 * word (vocabulary characters, byte fallback <0xXX>, unknown runs), then
 * merges by rank, lowest first and leftmost among equals, in O(n log n). */
#include <stdlib.h>
#include <string.h>
#include "tok_impl.h"

/* ---- merges: (left id, right id) -> (rank, new id) ---- */

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

cn_status tok_merges_init(tok_merges *m, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 16) cap *= 2;
    m->key = malloc(cap * sizeof *m->key);
    m->rank = malloc(cap * sizeof *m->rank);
    m->id = malloc(cap * sizeof *m->id);
    if (!m->key || !m->rank || !m->id) return cn_fail(CN_ENOMEM, "out of memory");
    memset(m->key, 0xFF, cap * sizeof *m->key);
    m->mask = cap - 1;
    return CN_OK;
}

void tok_merges_free(tok_merges *m) {
    free(m->key);
    free(m->rank);
    free(m->id);
}

void tok_merges_put(tok_merges *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t id) {
    uint64_t k = (uint64_t)a << 32 | b;
    for (size_t i = mix64(k) & m->mask;; i = (i + 1) & m->mask) {
        if (m->key[i] == UINT64_MAX || m->key[i] == k) {
            /* HF collects merges into a HashMap in order: a repeated pair
             * ends with the later rank */
            m->key[i] = k;
            m->rank[i] = rank;
            m->id[i] = id;
            return;
        }
    }
}

static int merges_get(const tok_merges *m, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *id) {
    uint64_t k = (uint64_t)a << 32 | b;
    for (size_t i = mix64(k) & m->mask;; i = (i + 1) & m->mask) {
        if (m->key[i] == UINT64_MAX) return 0;
        if (m->key[i] == k) {
            *rank = m->rank[i];
            *id = m->id[i];
            return 1;
        }
    }
}

/* ---- one word ---- */

typedef struct {
    uint32_t rank, pos, id;
} merge;

/* min-heap on (rank, pos) */
static int before(const merge *a, const merge *b) { return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos; }

static void heap_push(tok_work *w, merge m) {
    size_t i = w->nheap++;
    merge *h = w->heap;
    (void)h;
    while (i) {
        size_t p = (i - 1) / 2;
        if (!before(&m, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = m;
}

static merge heap_pop(tok_work *w) {
    merge *h = w->heap;
    merge top = h[0], last = h[--w->nheap];
    size_t i = 0, n = w->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(&h[c + 1], &h[c])) c++;
        if (!before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (n) h[i] = last;
    return top;
}

static cn_status reserve(tok_work *w, size_t n) {
    if (n <= w->cap) return CN_OK;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < n) cap *= 2;
    uint32_t *id = realloc(w->id, cap * sizeof *id), *len = NULL;
    int32_t *prev = NULL, *next = NULL;
    merge *heap = NULL;
    if (id) w->id = id;
    if ((len = realloc(w->len, cap * sizeof *len))) w->len = len;
    if ((prev = realloc(w->prev, cap * sizeof *prev))) w->prev = prev;
    if ((next = realloc(w->next, cap * sizeof *next))) w->next = next;
    if ((heap = realloc(w->heap, 3 * cap * sizeof *heap))) w->heap = heap; /* n - 1 first pairs, two per merge */
    if (!id || !len || !prev || !next || !heap) return cn_fail(CN_ENOMEM, "out of memory");
    w->cap = cap;
    return CN_OK;
}

static void add_symbol(tok_work *w, uint32_t id, uint32_t len) {
    size_t i = w->n++;
    w->id[i] = id;
    w->len[i] = len;
    w->prev[i] = (int32_t)i - 1;
    w->next[i] = -1;
    if (i) w->next[i - 1] = (int32_t)i;
}

static size_t utf8_len(uint8_t c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

static cn_status bpe_part(const cn_tok *t, tok_work *w, const char *s, size_t n, cn_ids *out);

/* One word. When no vocabulary token has U+2581 after another character
 * (LLaMA2, Mistral: the space marker only starts tokens), no merge can join
 * the text before a marker that follows another character with the text
 * from it, so the parts are merged on their own: the same ids, and a whole
 * document without pre-tokenizer is no longer one long heap. */
cn_status tok_bpe_word(const cn_tok *t, tok_work *w, const char *s, size_t n, cn_ids *out) {
    if (!t->bpe.split_marker) return bpe_part(t, w, s, n, out);
    size_t start = 0;
    for (size_t i = 1; i + 3 <= n; i++) {
        if ((uint8_t)s[i] == 0xE2 && (uint8_t)s[i + 1] == 0x96 && (uint8_t)s[i + 2] == 0x81 &&
            !(i >= 3 && (uint8_t)s[i - 3] == 0xE2 && (uint8_t)s[i - 2] == 0x96 && (uint8_t)s[i - 1] == 0x81)) {
            cn_status st = bpe_part(t, w, s + start, i - start, out);
            if (st) return st;
            start = i;
        }
    }
    return bpe_part(t, w, s + start, n - start, out);
}

static cn_status bpe_part(const cn_tok *t, tok_work *w, const char *s, size_t n, cn_ids *out) {
    const tok_bpe *b = &t->bpe;
    if (n == 0) return CN_OK;
    if (b->ignore_merges) {
        int64_t id = tok_id(t, s, n);
        if (id >= 0) return cn_ids_push(out, (uint32_t)id);
    }
    cn_status st = reserve(w, n + 1);
    if (st) return st;
    w->n = 0;
    w->nheap = 0;
    int have_unk = 0;
    uint32_t unk_len = 0;
    char buf[64];
    for (size_t i = 0; i < n;) {
        size_t cl = utf8_len((uint8_t)s[i]);
        if (i + cl > n) cl = n - i;
        int first = i == 0, last = i + cl == n;
        /* the piece to look up: prefix and suffix as configured */
        const char *key = s + i;
        size_t kn = cl;
        if ((!first && b->prefix_len) || (last && b->suffix_len)) {
            size_t k = 0;
            if (!first) memcpy(buf, b->prefix, b->prefix_len), k = b->prefix_len;
            memcpy(buf + k, s + i, cl);
            k += cl;
            if (last) memcpy(buf + k, b->suffix, b->suffix_len), k += b->suffix_len;
            key = buf;
            kn = k;
        }
        int64_t id = tok_map_get(&t->map, t->str, t->len, key, kn);
        if (id >= 0 && (uint64_t)id < t->model_size) {
            if (have_unk) add_symbol(w, b->unk_id, unk_len), have_unk = 0;
            add_symbol(w, (uint32_t)id, (uint32_t)cl);
        } else {
            int done = 0;
            if (b->byte_fallback) {
                size_t k;
                for (k = 0; k < kn && b->byte_id[(uint8_t)key[k]] >= 0; k++) {}
                if (k == kn) {
                    /* as HF: a pending unknown run is not flushed here */
                    for (k = 0; k < kn; k++) add_symbol(w, (uint32_t)b->byte_id[(uint8_t)key[k]], 1);
                    done = 1;
                }
            }
            if (!done && b->has_unk) {
                if (have_unk && b->fuse_unk) unk_len += (uint32_t)cl;
                else {
                    if (have_unk) add_symbol(w, b->unk_id, unk_len);
                    have_unk = 1;
                    unk_len = (uint32_t)cl;
                }
            }
        }
        i += cl;
    }
    if (have_unk) add_symbol(w, b->unk_id, unk_len);

    /* merges, as HF's Word::merge_all */
    uint32_t rank, nid;
    for (size_t i = 0; i + 1 < w->n; i++)
        if (merges_get(&b->merges, w->id[i], w->id[i + 1], &rank, &nid)) heap_push(w, (merge){rank, (uint32_t)i, nid});
    while (w->nheap) {
        merge top = heap_pop(w);
        size_t p = top.pos;
        if (w->len[p] == 0 || w->next[p] < 0) continue;
        size_t q = (size_t)w->next[p];
        /* an expired entry: the pair no longer gives this token */
        if (!merges_get(&b->merges, w->id[p], w->id[q], &rank, &nid) || nid != top.id) continue;
        w->id[p] = top.id;
        w->len[p] += w->len[q];
        w->next[p] = w->next[q];
        w->len[q] = 0;
        if (w->next[q] >= 0) w->prev[w->next[q]] = (int32_t)p;
        if (w->prev[p] >= 0 && merges_get(&b->merges, w->id[w->prev[p]], w->id[p], &rank, &nid))
            heap_push(w, (merge){rank, (uint32_t)w->prev[p], nid});
        if (w->next[p] >= 0 && merges_get(&b->merges, w->id[p], w->id[w->next[p]], &rank, &nid))
            heap_push(w, (merge){rank, (uint32_t)p, nid});
    }
    for (size_t i = 0; i < w->n; i++)
        if (w->len[i] && (st = cn_ids_push(out, w->id[i]))) return st;
    return CN_OK;
}

void tok_work_free(tok_work *w) {
    free(w->id);
    free(w->len);
    free(w->prev);
    free(w->next);
    free(w->heap);
}
