/* bpe_train: word counts, then BPE merges (most frequent pair first) with a
 * pair index and a lazily updated max-heap, then the tokenizer.json. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpe.h"
#include "tok.h"
#include "tok_base.h"
#include "utf8.h"

void cn_bpe_opts_init(cn_bpe_opts *o, cn_bpe_type type, uint32_t vocab_size) {
    memset(o, 0, sizeof *o);
    o->type = type;
    o->vocab_size = vocab_size;
    o->char_coverage = 0.9995;
    o->max_chars = type == CN_BPE_SPM ? 16 : 0;
    o->min_count = 2;
}

/* ---- word counts: an open-addressing table over a string arena ---- */

typedef struct {
    uint64_t hash, count;
    size_t off;
    uint32_t len;
} wentry;

struct cn_bpe_trainer {
    cn_bpe_opts o;
    cn_tok *pre; /* the normalizer and pre-tokenizer of the family */
    cn_tok_state *st;
    wentry *tab;
    size_t cap, used;
    char *arena;
    size_t alen, acap;
    uint64_t docs, dropped;
    uint32_t made; /* tokens the last cn_bpe_train made */
};

static cn_status rehash(cn_bpe_trainer *tr, size_t cap) {
    wentry *t = calloc(cap, sizeof *t);
    if (!t) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < tr->cap; i++) {
        if (!tr->tab[i].count) continue;
        size_t j = tr->tab[i].hash & (cap - 1);
        while (t[j].count) j = (j + 1) & (cap - 1);
        t[j] = tr->tab[i];
    }
    free(tr->tab);
    tr->tab = t;
    tr->cap = cap;
    return CN_OK;
}

static int by_offset(const void *x, const void *y, void *tab) {
    const wentry *t = tab;
    size_t a = t[*(const size_t *)x].off, b = t[*(const size_t *)y].off;
    return a < b ? -1 : a > b;
}

/* With max_memory the table and the arena are allocated once, half the
 * budget each; when either fills, the rarest words go (count 1, then 2, 4...)
 * until both are at most half full, so pruning happens seldom. */
static cn_status prune(cn_bpe_trainer *tr) {
    for (uint64_t limit = 1; tr->used && (tr->used * 4 > tr->cap || tr->alen * 2 > tr->acap); limit *= 2) {
        size_t alen = 0, kept = 0;
        /* compact the arena in place, in arena order */
        size_t *order = malloc(tr->used * sizeof *order), n = 0;
        if (!order) return cn_fail(CN_ENOMEM, "out of memory");
        for (size_t i = 0; i < tr->cap; i++) {
            wentry *e = &tr->tab[i];
            if (!e->count) continue;
            if (e->count <= limit) {
                tr->dropped++;
                e->count = 0;
            } else {
                order[n++] = i;
            }
        }
        /* entries by arena offset, so that moves only go down */
        qsort_r(order, n, sizeof *order, by_offset, tr->tab);
        for (size_t k = 0; k < n; k++) {
            wentry *e = &tr->tab[order[k]];
            memmove(tr->arena + alen, tr->arena + e->off, e->len);
            e->off = alen;
            alen += e->len;
            kept++;
        }
        free(order);
        tr->alen = alen;
        tr->used = kept;
        cn_status st = rehash(tr, tr->cap); /* the same size: the dropped slots free */
        if (st) return st;
    }
    return CN_OK;
}

static cn_status count_word(cn_bpe_trainer *tr, const char *w, size_t n) {
    if (n == 0) return CN_OK;
    if (n > UINT32_MAX) n = UINT32_MAX;
    uint64_t h = tok_hash(w, n);
    size_t j = h & (tr->cap - 1);
    while (tr->tab[j].count) {
        wentry *e = &tr->tab[j];
        if (e->hash == h && e->len == n && memcmp(tr->arena + e->off, w, n) == 0) {
            e->count++;
            return CN_OK;
        }
        j = (j + 1) & (tr->cap - 1);
    }
    if (tr->o.max_memory) {
        if (n > tr->acap / 4) { /* a word too long for the budget */
            tr->dropped++;
            return CN_OK;
        }
        if (tr->alen + n > tr->acap || (tr->used + 1) * 2 > tr->cap) {
            cn_status st = prune(tr);
            if (st) return st;
            j = h & (tr->cap - 1);
            while (tr->tab[j].count) j = (j + 1) & (tr->cap - 1);
        }
    } else if (tr->alen + n > tr->acap) {
        size_t acap = tr->acap * 2;
        while (acap < tr->alen + n) acap *= 2;
        char *a = realloc(tr->arena, acap);
        if (!a) return cn_fail(CN_ENOMEM, "out of memory");
        tr->arena = a;
        tr->acap = acap;
    }
    memcpy(tr->arena + tr->alen, w, n);
    tr->tab[j] = (wentry){h, 1, tr->alen, (uint32_t)n};
    tr->alen += n;
    if (++tr->used * 2 > tr->cap && !tr->o.max_memory) return rehash(tr, tr->cap * 2);
    return CN_OK;
}

#define MARK "\xE2\x96\x81" /* U+2581, SentencePiece's space */

static int mark_at(const char *s, size_t n, size_t i) { return i + 3 <= n && memcmp(s + i, MARK, 3) == 0; }

/* the words of a normalized document: cut before each marker that starts a
 * run of them, and before the last marker of a run of two or more */
static cn_status spm_words(const char *s, size_t n, void *arg) {
    cn_bpe_trainer *tr = arg;
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        if (!mark_at(s, n, i)) {
            i++;
            continue;
        }
        size_t j = i;
        while (mark_at(s, n, j)) j += 3;
        /* the run [i, j): a word before it ends at i; the run but its last
         * marker is a word of its own when the run goes on to text */
        if (i > start) {
            cn_status st = count_word(tr, s + start, i - start);
            if (st) return st;
        }
        if (j == n) {
            start = i;
            break;
        }
        if (j - i > 3) {
            cn_status st = count_word(tr, s + i, j - 3 - i);
            if (st) return st;
        }
        start = j - 3;
        i = j;
    }
    return n > start ? count_word(tr, s + start, n - start) : CN_OK;
}

static cn_status byte_words(const char *s, size_t n, void *arg) { return count_word(arg, s, n); }

static const char *skeleton(cn_bpe_type type) {
    if (type == CN_BPE_SPM)
        return "{\"added_tokens\":[],\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":["
               "{\"type\":\"Prepend\",\"prepend\":\"\\u2581\"},"
               "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\\u2581\"}]},"
               "\"pre_tokenizer\":null,\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}";
    return "{\"added_tokens\":[],\"normalizer\":null,"
           "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
           "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}";
}

cn_bpe_trainer *cn_bpe_trainer_new(const cn_bpe_opts *o) {
    cn_bpe_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    tr->o = *o;
    const char *sk = skeleton(o->type);
    tr->pre = cn_tok_parse(sk, strlen(sk), "bpe");
    tr->st = tr->pre ? cn_tok_state_new(tr->pre) : NULL;
    tr->cap = 1024;
    tr->acap = 65536;
    if (o->max_memory) { /* half the budget each, allocated once */
        while (tr->cap * 2 * sizeof(wentry) <= o->max_memory / 2) tr->cap *= 2;
        if (o->max_memory / 2 > tr->acap) tr->acap = o->max_memory / 2;
    }
    tr->tab = calloc(tr->cap, sizeof *tr->tab);
    tr->arena = malloc(tr->acap);
    if (!tr->st || !tr->tab || !tr->arena) {
        cn_bpe_trainer_free(tr);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    return tr;
}

void cn_bpe_trainer_free(cn_bpe_trainer *tr) {
    if (!tr) return;
    cn_tok_state_free(tr->st);
    cn_tok_free(tr->pre);
    free(tr->tab);
    free(tr->arena);
    free(tr);
}

cn_status cn_bpe_add_text(cn_bpe_trainer *tr, const char *text, size_t n) {
    tr->docs++;
    return cn_tok_pretokenize(tr->pre, tr->st, text, n, CN_TOK_LITERAL_SPECIAL,
                              tr->o.type == CN_BPE_SPM ? spm_words : byte_words, tr);
}

uint32_t cn_bpe_made(const cn_bpe_trainer *tr) { return tr->made; }

void cn_bpe_counts(const cn_bpe_trainer *tr, uint64_t *docs, uint64_t *words, uint64_t *dropped) {
    *docs = tr->docs;
    *words = tr->used;
    *dropped = tr->dropped;
}

/* ---- merges ---- */

typedef struct {
    int64_t count;
    uint32_t *where; /* words holding the pair (may repeat, may be stale) */
    uint32_t nwhere, capwhere;
} pair;

typedef struct {
    int64_t count;
    uint64_t key;
} hitem;

typedef struct {
    /* tokens, and their index by string (open addressing: id + 1, 0 empty) */
    char **str;
    uint32_t *len, *nchars;
    uint32_t ntok, captok;
    uint32_t *tidx;
    size_t tcap;
    /* words: symbols in one array */
    uint32_t *sym;
    size_t *wstart;
    uint32_t *wlen, *stamp;
    uint64_t *wcount;
    size_t nwords;
    /* pairs */
    uint64_t *pkey; /* open addressing: key + 1 (0 empty) */
    uint32_t *pidx;
    size_t pcap, npair;
    pair *pairs;
    size_t pairs_cap;
    /* heap */
    hitem *heap;
    size_t nheap, capheap;
} bpe;

#define UNK_SYM UINT32_MAX /* a character outside the alphabet: never merged */

static uint64_t pkey(uint32_t a, uint32_t b) { return (uint64_t)a << 32 | b; }

static uint64_t mix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

/* the pair's record, made when missing (NULL: no memory) */
static pair *get_pair(bpe *b, uint64_t key, int make) {
    size_t j = mix64(key) & (b->pcap - 1);
    while (b->pkey[j]) {
        if (b->pkey[j] == key + 1) return &b->pairs[b->pidx[j]];
        j = (j + 1) & (b->pcap - 1);
    }
    if (!make) return NULL;
    if (b->npair == b->pairs_cap) {
        size_t c = b->pairs_cap ? b->pairs_cap * 2 : 4096;
        pair *p = realloc(b->pairs, c * sizeof *p);
        if (!p) return NULL;
        b->pairs = p;
        b->pairs_cap = c;
    }
    b->pkey[j] = key + 1;
    b->pidx[j] = (uint32_t)b->npair;
    b->pairs[b->npair] = (pair){0};
    pair *p = &b->pairs[b->npair++];
    if (b->npair * 2 > b->pcap) { /* grow the index */
        size_t cap = b->pcap * 2;
        uint64_t *k = calloc(cap, sizeof *k);
        uint32_t *x = malloc(cap * sizeof *x);
        if (!k || !x) {
            free(k), free(x);
            return NULL;
        }
        for (size_t i = 0; i < b->pcap; i++) {
            if (!b->pkey[i]) continue;
            size_t m = mix64(b->pkey[i] - 1) & (cap - 1);
            while (k[m]) m = (m + 1) & (cap - 1);
            k[m] = b->pkey[i];
            x[m] = b->pidx[i];
        }
        free(b->pkey), free(b->pidx);
        b->pkey = k, b->pidx = x, b->pcap = cap;
    }
    return p;
}

static int add_where(pair *p, uint32_t w) {
    if (p->nwhere && p->where[p->nwhere - 1] == w) return 0;
    if (p->nwhere == p->capwhere) {
        uint32_t c = p->capwhere ? p->capwhere * 2 : 4;
        uint32_t *x = realloc(p->where, c * sizeof *x);
        if (!x) return -1;
        p->where = x;
        p->capwhere = c;
    }
    p->where[p->nwhere++] = w;
    return 0;
}

/* heap order: larger count, then smaller key (left id, then right id) */
static int above(const hitem *x, const hitem *y) { return x->count != y->count ? x->count > y->count : x->key < y->key; }

static int heap_push(bpe *b, int64_t count, uint64_t key) {
    if (b->nheap == b->capheap) {
        size_t c = b->capheap ? b->capheap * 2 : 4096;
        hitem *h = realloc(b->heap, c * sizeof *h);
        if (!h) return -1;
        b->heap = h;
        b->capheap = c;
    }
    size_t i = b->nheap++;
    b->heap[i] = (hitem){count, key};
    while (i && above(&b->heap[i], &b->heap[(i - 1) / 2])) {
        hitem t = b->heap[i];
        b->heap[i] = b->heap[(i - 1) / 2];
        b->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static hitem heap_pop(bpe *b) {
    hitem top = b->heap[0];
    b->heap[0] = b->heap[--b->nheap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < b->nheap && above(&b->heap[l], &b->heap[m])) m = l;
        if (r < b->nheap && above(&b->heap[r], &b->heap[m])) m = r;
        if (m == i) break;
        hitem t = b->heap[i];
        b->heap[i] = b->heap[m];
        b->heap[m] = t;
        i = m;
    }
    return top;
}

/* the id of a token string, or -1 */
static int64_t token_id(const bpe *b, const char *s, size_t n) {
    if (!b->tcap) return -1;
    for (size_t j = tok_hash(s, n) & (b->tcap - 1); b->tidx[j]; j = (j + 1) & (b->tcap - 1)) {
        uint32_t i = b->tidx[j] - 1;
        if (b->len[i] == n && memcmp(b->str[i], s, n) == 0) return i;
    }
    return -1;
}

static cn_status index_token(bpe *b, uint32_t id) {
    if ((size_t)(id + 1) * 2 > b->tcap) {
        size_t cap = b->tcap ? b->tcap * 2 : 4096;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t) return cn_fail(CN_ENOMEM, "out of memory");
        free(b->tidx);
        b->tidx = t;
        b->tcap = cap;
        for (uint32_t i = 0; i < id; i++) {
            size_t j = tok_hash(b->str[i], b->len[i]) & (cap - 1);
            while (t[j]) j = (j + 1) & (cap - 1);
            t[j] = i + 1;
        }
    }
    size_t j = tok_hash(b->str[id], b->len[id]) & (b->tcap - 1);
    while (b->tidx[j]) j = (j + 1) & (b->tcap - 1);
    b->tidx[j] = id + 1;
    return CN_OK;
}

static cn_status add_token(bpe *b, const char *s, size_t n, uint32_t nchars) {
    if (b->ntok == b->captok) {
        uint32_t c = b->captok ? b->captok * 2 : 1024;
        char **str = realloc(b->str, c * sizeof *str);
        if (str) b->str = str;
        uint32_t *len = realloc(b->len, c * sizeof *len);
        if (len) b->len = len;
        uint32_t *nc = realloc(b->nchars, c * sizeof *nc);
        if (nc) b->nchars = nc;
        if (!str || !len || !nc) return cn_fail(CN_ENOMEM, "out of memory");
        b->captok = c;
    }
    char *d = malloc(n + 1);
    if (!d) return cn_fail(CN_ENOMEM, "out of memory");
    memcpy(d, s, n);
    d[n] = 0;
    b->str[b->ntok] = d;
    b->len[b->ntok] = (uint32_t)n;
    b->nchars[b->ntok] = nchars;
    b->ntok++;
    return index_token(b, b->ntok - 1);
}

static void bpe_free(bpe *b) {
    for (uint32_t i = 0; i < b->ntok; i++) free(b->str[i]);
    free(b->str), free(b->len), free(b->nchars), free(b->tidx);
    free(b->sym), free(b->wstart), free(b->wlen), free(b->stamp), free(b->wcount);
    for (size_t i = 0; i < b->npair; i++) free(b->pairs[i].where);
    free(b->pairs), free(b->pkey), free(b->pidx), free(b->heap);
}

/* a code point's alphabet id: a small open-addressing map */
typedef struct {
    int32_t *cp;
    uint32_t *id;
    uint64_t *count;
    size_t cap, n;
} cpmap;

static size_t cp_slot(const cpmap *m, int32_t c) {
    size_t j = mix64((uint64_t)c) & (m->cap - 1);
    while (m->cp[j] >= 0 && m->cp[j] != c) j = (j + 1) & (m->cap - 1);
    return j;
}

static cn_status cp_add(cpmap *m, int32_t c, uint64_t k) {
    size_t j = cp_slot(m, c);
    if (m->cp[j] < 0) {
        if ((m->n + 1) * 2 > m->cap) {
            cpmap g = {malloc(m->cap * 2 * sizeof(int32_t)), malloc(m->cap * 2 * sizeof(uint32_t)),
                       calloc(m->cap * 2, sizeof(uint64_t)), m->cap * 2, 0};
            if (!g.cp || !g.id || !g.count) {
                free(g.cp), free(g.id), free(g.count);
                return cn_fail(CN_ENOMEM, "out of memory");
            }
            memset(g.cp, 0xFF, g.cap * sizeof(int32_t));
            for (size_t i = 0; i < m->cap; i++)
                if (m->cp[i] >= 0) {
                    size_t s = cp_slot(&g, m->cp[i]);
                    g.cp[s] = m->cp[i], g.count[s] = m->count[i], g.id[s] = m->id[i];
                    g.n++;
                }
            free(m->cp), free(m->id), free(m->count);
            *m = g;
            j = cp_slot(m, c);
        }
        m->cp[j] = c;
        m->count[j] = 0;
        m->id[j] = UNK_SYM;
        m->n++;
    }
    m->count[j] += k;
    return CN_OK;
}

static int by_count(const void *x, const void *y, void *ctx) {
    const cpmap *m = ctx;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    if (m->count[a] != m->count[b]) return m->count[a] > m->count[b] ? -1 : 1;
    return m->cp[a] < m->cp[b] ? -1 : m->cp[a] > m->cp[b];
}

/* each counted word as symbols in one array: byte-level characters as
 * their byte (m NULL), other characters as their alphabet id in m */
static void words_to_symbols(const cn_bpe_trainer *tr, bpe *b, const cpmap *m) {
    for (size_t i = 0; i < tr->cap; i++) {
        const wentry *e = &tr->tab[i];
        if (!e->count) continue;
        size_t w = b->nwords++, k = 0;
        b->wstart[w] = w ? b->wstart[w - 1] + b->wlen[w - 1] : 0;
        b->wcount[w] = e->count;
        const char *s = tr->arena + e->off;
        uint32_t *out = b->sym + b->wstart[w];
        for (size_t p = 0; p < e->len;) {
            size_t l;
            if (m) {
                int32_t c;
                l = cn_utf8_decode(s + p, e->len - p, &c);
                out[k++] = m->id[cp_slot(m, c)];
            } else {
                int byte = tok_bl_byte(s + p, e->len - p, &l);
                out[k++] = byte < 0 ? UNK_SYM : (uint32_t)byte;
                if (!l) l = 1;
            }
            p += l;
        }
        b->wlen[w] = (uint32_t)k;
    }
}

/* the alphabet and each word's symbols */
static cn_status symbolize(cn_bpe_trainer *tr, bpe *b) {
    cn_status st = CN_OK;
    size_t nw = tr->used, total = 0;
    b->wstart = malloc((nw + 1) * sizeof *b->wstart);
    b->wlen = malloc((nw + 1) * sizeof *b->wlen);
    b->stamp = calloc(nw + 1, sizeof *b->stamp);
    b->wcount = malloc((nw + 1) * sizeof *b->wcount);
    if (!b->wstart || !b->wlen || !b->stamp || !b->wcount) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < tr->cap; i++) total += tr->tab[i].count ? tr->tab[i].len : 0;
    b->sym = malloc((total + 1) * sizeof *b->sym);
    if (!b->sym) return cn_fail(CN_ENOMEM, "out of memory");
    if (tr->o.type == CN_BPE_BYTE) {
        for (int c = 0; c < 256 && !st; c++) {
            size_t l;
            const char *s = tok_bl_char((uint8_t)c, &l);
            st = add_token(b, s, l, 1);
        }
        if (!st) words_to_symbols(tr, b, NULL);
        return st;
    }
    /* SentencePiece-style: <unk> <s> </s>, the bytes, then the characters
     * covering char_coverage of all characters, most frequent first */
    const char *sp[3] = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 3 && !st; i++) st = add_token(b, sp[i], strlen(sp[i]), 1);
    for (int c = 0; c < 256 && !st; c++) {
        char hex[8];
        snprintf(hex, sizeof hex, "<0x%02X>", c);
        st = add_token(b, hex, 6, 1);
    }
    cpmap m = {malloc(1024 * sizeof(int32_t)), malloc(1024 * sizeof(uint32_t)), calloc(1024, sizeof(uint64_t)), 1024, 0};
    if (!m.cp || !m.id || !m.count) st = cn_fail(CN_ENOMEM, "out of memory");
    if (!st) memset(m.cp, 0xFF, m.cap * sizeof(int32_t));
    uint64_t all = 0;
    for (size_t i = 0; i < tr->cap && !st; i++) {
        const wentry *e = &tr->tab[i];
        if (!e->count) continue;
        const char *s = tr->arena + e->off;
        for (size_t p = 0; p < e->len && !st;) {
            int32_t c;
            size_t l = cn_utf8_decode(s + p, e->len - p, &c);
            st = cp_add(&m, c, e->count);
            all += e->count;
            p += l;
        }
    }
    size_t *order = st ? NULL : malloc((m.n + 1) * sizeof *order);
    if (!st && !order) st = cn_fail(CN_ENOMEM, "out of memory");
    if (!st) {
        size_t k = 0;
        for (size_t i = 0; i < m.cap; i++)
            if (m.cp[i] >= 0) order[k++] = i;
        qsort_r(order, k, sizeof *order, by_count, &m);
        uint64_t covered = 0;
        for (size_t r = 0; r < k && !st; r++) {
            if (r > 0 && (double)covered >= tr->o.char_coverage * (double)all) break;
            char u[4];
            size_t l = cn_utf8_encode(m.cp[order[r]], u);
            m.id[order[r]] = b->ntok;
            st = add_token(b, u, l, 1);
            covered += m.count[order[r]];
        }
    }
    if (!st) words_to_symbols(tr, b, &m);
    free(order);
    free(m.cp), free(m.id), free(m.count);
    return st;
}

/* counts every adjacent pair of every word */
static cn_status count_pairs(bpe *b) {
    b->pcap = 1u << 16;
    b->pkey = calloc(b->pcap, sizeof *b->pkey);
    b->pidx = malloc(b->pcap * sizeof *b->pidx);
    if (!b->pkey || !b->pidx) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t w = 0; w < b->nwords; w++) {
        const uint32_t *s = b->sym + b->wstart[w];
        for (uint32_t i = 0; i + 1 < b->wlen[w]; i++) {
            if (s[i] == UNK_SYM || s[i + 1] == UNK_SYM) continue;
            pair *p = get_pair(b, pkey(s[i], s[i + 1]), 1);
            if (!p || add_where(p, (uint32_t)w)) return cn_fail(CN_ENOMEM, "out of memory");
            p->count += (int64_t)b->wcount[w];
        }
    }
    for (size_t j = 0; j < b->pcap; j++)
        if (b->pkey[j] && heap_push(b, b->pairs[b->pidx[j]].count, b->pkey[j] - 1)) return cn_fail(CN_ENOMEM, "out of memory");
    return CN_OK;
}

/* changes a pair's count by d in word w (and notes w for an increase) */
static int bump(bpe *b, uint32_t x, uint32_t y, int64_t d, uint32_t w, uint64_t *touched, size_t *nt) {
    if (x == UNK_SYM || y == UNK_SYM) return 0;
    pair *p = get_pair(b, pkey(x, y), d > 0);
    if (!p) return d > 0 ? -1 : 0;
    p->count += d;
    if (d > 0) {
        if (add_where(p, w)) return -1;
        touched[(*nt)++] = pkey(x, y);
    }
    return 0;
}

/* replaces every (x, y) by z in the words holding it */
static cn_status merge(bpe *b, uint32_t x, uint32_t y, uint32_t z, uint32_t round) {
    pair *p = get_pair(b, pkey(x, y), 0);
    uint32_t *where = p->where, nwhere = p->nwhere;
    p->where = NULL;
    p->nwhere = p->capwhere = 0;
    p->count = 0;
    size_t tcap = 64, nt = 0;
    uint64_t *touched = malloc(tcap * sizeof *touched);
    if (!touched) return cn_fail(CN_ENOMEM, "out of memory");
    cn_status st = CN_OK;
    for (uint32_t k = 0; k < nwhere && !st; k++) {
        uint32_t w = where[k];
        if (b->stamp[w] == round) continue;
        b->stamp[w] = round;
        uint32_t *s = b->sym + b->wstart[w], n = b->wlen[w], o = 0;
        int64_t c = (int64_t)b->wcount[w];
        if (nt + 4 * (size_t)n > tcap) {
            while (nt + 4 * (size_t)n > tcap) tcap *= 2;
            uint64_t *t = realloc(touched, tcap * sizeof *t);
            if (!t) {
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            touched = t;
        }
        for (uint32_t i = 0; i < n;) {
            if (i + 1 < n && s[i] == x && s[i + 1] == y) {
                int bad = 0;
                if (o > 0) bad |= bump(b, s[o - 1], x, -c, w, touched, &nt) | bump(b, s[o - 1], z, c, w, touched, &nt);
                if (i + 2 < n) bad |= bump(b, y, s[i + 2], -c, w, touched, &nt) | bump(b, z, s[i + 2], c, w, touched, &nt);
                if (bad) {
                    st = cn_fail(CN_ENOMEM, "out of memory");
                    break;
                }
                s[o++] = z;
                i += 2;
            } else {
                s[o++] = s[i++];
            }
        }
        b->wlen[w] = o;
    }
    free(where);
    /* the pairs that grew go back on the heap with their new counts */
    for (size_t i = 0; i < nt && !st; i++) {
        pair *q = get_pair(b, touched[i], 0);
        if (q && q->count > 0 && heap_push(b, q->count, touched[i])) st = cn_fail(CN_ENOMEM, "out of memory");
    }
    free(touched);
    return st;
}

static cn_status to_json(const cn_bpe_trainer *tr, const bpe *b, const uint64_t *merges, size_t nmerges, char **json,
                         size_t *len) {
    cJSON *root = cJSON_CreateObject(), *vocab = cJSON_CreateObject(), *ml = cJSON_CreateArray();
    int spm = tr->o.type == CN_BPE_SPM;
    const char *head =
        spm ? "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
              "{\"id\":0,\"content\":\"<unk>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
              "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
              "{\"id\":2,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
              "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\\u2581\"},"
              "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\\u2581\"}]},\"pre_tokenizer\":null,"
              "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
              "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
              "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":1}},"
              "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]}}},"
              "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\\u2581\"},\"content\":\" \"},"
              "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}}"
            : "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],\"normalizer\":null,"
              "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
              "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true},"
              "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}}";
    cJSON *h = cJSON_Parse(head);
    if (!root || !vocab || !ml || !h) goto nomem;
    cJSON *it, *next;
    for (it = h->child; it; it = next) { /* move the fixed parts over, in order */
        next = it->next;
        cJSON_AddItemToObject(root, it->string, cJSON_DetachItemViaPointer(h, it));
    }
    cJSON_Delete(h);
    h = NULL;
    uint32_t ntok = b->ntok;
    if (!spm) { /* <|endoftext|> after the merges, as GPT-2 */
        cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
        cJSON *e = cJSON_Parse("{\"id\":0,\"content\":\"<|endoftext|>\",\"single_word\":false,\"lstrip\":false,"
                               "\"rstrip\":false,\"normalized\":true,\"special\":true}");
        if (!e) goto nomem;
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "id"), ntok);
        cJSON_AddItemToArray(a, e);
    }
    for (uint32_t i = 0; i < ntok; i++)
        if (!cJSON_AddNumberToObject(vocab, b->str[i], i)) goto nomem;
    if (!spm && !cJSON_AddNumberToObject(vocab, "<|endoftext|>", ntok)) goto nomem;
    for (size_t i = 0; i < nmerges; i++) {
        uint32_t x = (uint32_t)(merges[i] >> 32), y = (uint32_t)merges[i];
        size_t l = b->len[x] + 1 + b->len[y];
        char *m = malloc(l + 1);
        if (!m) goto nomem;
        memcpy(m, b->str[x], b->len[x]);
        m[b->len[x]] = ' ';
        memcpy(m + b->len[x] + 1, b->str[y], b->len[y]);
        m[l] = 0;
        cJSON *sm = cJSON_CreateString(m);
        free(m);
        if (!sm) goto nomem;
        cJSON_AddItemToArray(ml, sm);
    }
    cJSON *model = cJSON_CreateObject();
    if (!model) goto nomem;
    cJSON_AddStringToObject(model, "type", "BPE");
    cJSON_AddNullToObject(model, "dropout");
    if (spm) cJSON_AddStringToObject(model, "unk_token", "<unk>");
    else cJSON_AddNullToObject(model, "unk_token");
    cJSON_AddNullToObject(model, "continuing_subword_prefix");
    cJSON_AddNullToObject(model, "end_of_word_suffix");
    cJSON_AddBoolToObject(model, "fuse_unk", spm);
    cJSON_AddBoolToObject(model, "byte_fallback", spm);
    cJSON_AddBoolToObject(model, "ignore_merges", 0);
    cJSON_AddItemToObject(model, "vocab", vocab);
    cJSON_AddItemToObject(model, "merges", ml);
    vocab = ml = NULL;
    cJSON_AddItemToObject(root, "model", model);
    *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!*json) return cn_fail(CN_ENOMEM, "out of memory");
    *len = strlen(*json);
    return CN_OK;
nomem:
    cJSON_Delete(root), cJSON_Delete(vocab), cJSON_Delete(ml), cJSON_Delete(h);
    return cn_fail(CN_ENOMEM, "out of memory");
}

cn_status cn_bpe_train(cn_bpe_trainer *tr, char **json, size_t *len, void (*progress)(uint32_t done, uint32_t want)) {
    bpe b = {0};
    uint64_t *merges = NULL;
    size_t nm = 0;
    cn_status st = symbolize(tr, &b);
    uint32_t fixed = b.ntok + (tr->o.type == CN_BPE_BYTE); /* <|endoftext|> comes last */
    if (!st && tr->o.vocab_size < fixed)
        st = cn_fail(CN_EINVAL, "vocabulary size %u is below the %u fixed tokens (specials, bytes, alphabet)", tr->o.vocab_size, fixed);
    uint32_t want = st ? 0 : tr->o.vocab_size - fixed, extra = fixed - b.ntok;
    size_t mcap = (size_t)want + 16;
    if (!st && !(merges = malloc(mcap * sizeof *merges))) st = cn_fail(CN_ENOMEM, "out of memory");
    if (!st) st = count_pairs(&b);
    uint32_t round = 0;
    while (!st && b.ntok + extra < tr->o.vocab_size && b.nheap) {
        hitem top = heap_pop(&b);
        pair *p = get_pair(&b, top.key, 0);
        if (!p || p->count <= 0) continue;
        if (p->count != top.count) { /* stale: back with its count */
            if (heap_push(&b, p->count, top.key)) st = cn_fail(CN_ENOMEM, "out of memory");
            continue;
        }
        if ((uint64_t)p->count < tr->o.min_count) break;
        uint32_t x = (uint32_t)(top.key >> 32), y = (uint32_t)top.key;
        if (tr->o.max_chars && b.nchars[x] + b.nchars[y] > tr->o.max_chars) {
            p->count = 0; /* too long ever to be a token */
            continue;
        }
        size_t l = b.len[x] + b.len[y];
        char *s = malloc(l);
        if (!s) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        memcpy(s, b.str[x], b.len[x]);
        memcpy(s + b.len[x], b.str[y], b.len[y]);
        /* another split may have made the same string: one token, as in HF */
        int64_t z = token_id(&b, s, l);
        if (z < 0) {
            st = add_token(&b, s, l, b.nchars[x] + b.nchars[y]);
            z = b.ntok - 1;
        }
        free(s);
        if (!st) st = merge(&b, x, y, (uint32_t)z, ++round);
        if (!st && nm == mcap) {
            uint64_t *m = realloc(merges, (mcap *= 2) * sizeof *m);
            if (!m) st = cn_fail(CN_ENOMEM, "out of memory");
            else merges = m;
        }
        if (st) break;
        merges[nm++] = top.key;
        if (progress && nm % 256 == 0) progress(b.ntok + extra - fixed, want);
    }
    if (progress && !st) progress(b.ntok + extra - fixed, want);
    tr->made = st ? 0 : b.ntok + extra;
    if (!st) st = to_json(tr, &b, merges, nm, json, len);
    free(merges);
    bpe_free(&b);
    return st;
}
