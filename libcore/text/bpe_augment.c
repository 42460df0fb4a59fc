/* bpe_augment: domain tokens appended to a base tokenizer (ChipNeMo's
 * tokenizer augmentation), with merges after the base's. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpe.h"
#include "io.h"
#include "jsonl.h"
#include "tok.h"
#include "tok_base.h"
#include "utf8.h"

/* a line of news for the caller, when it asked for them */
static void note(const cn_bpe_augment_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const cn_bpe_augment_opts *o, const char *fmt, ...) {
    if (!o->note) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->note(o->note_ctx, line);
}

void cn_bpe_augment_opts_init(cn_bpe_augment_opts *o, uint32_t add) {
    memset(o, 0, sizeof *o);
    o->add = add;
    o->general_frac = 0.25;
    o->min_fire = 0.8;
    o->rounds = 6;
    o->threads = 1;
}

/* ---- counting ids over a corpus, in parallel batches ---- */

#define PASS_DOCS 256
#define PASS_BYTES (4u << 20)

typedef struct {
    const cn_tok *t;
    int threads;
    cn_tok_state **states;
    char *buf;
    size_t used, bufcap;
    size_t off[PASS_DOCS], len[PASS_DOCS];
    const char *ptr[PASS_DOCS];
    cn_ids ids[PASS_DOCS];
    size_t n;
    uint64_t *counts; /* per id */
    uint64_t bytes, tokens;
} pass;

static cn_status flush(pass *p) {
    if (!p->n) return CN_OK;
    for (size_t i = 0; i < p->n; i++) p->ptr[i] = p->buf + p->off[i];
    size_t failed;
    cn_status st = cn_tok_encode_batch(p->t, p->states, p->threads, p->ptr, p->len, p->n, CN_TOK_LITERAL_SPECIAL, p->ids, &failed);
    if (st) return st;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t k = 0; k < p->ids[i].n; k++) p->counts[p->ids[i].v[k]]++;
        p->tokens += p->ids[i].n;
        p->bytes += p->len[i];
    }
    p->n = p->used = 0;
    return CN_OK;
}

static cn_status each_doc(const char *text, size_t n, void *ctx) {
    pass *p = ctx;
    if (p->n == PASS_DOCS || (p->used && p->used + n > p->bufcap)) {
        cn_status st = flush(p);
        if (st) return st;
    }
    if (n > p->bufcap) {
        char *b = realloc(p->buf, n);
        if (!b) return cn_fail(CN_ENOMEM, "out of memory");
        p->buf = b;
        p->bufcap = n;
    }
    memcpy(p->buf + p->used, text, n);
    p->off[p->n] = p->used;
    p->len[p->n++] = n;
    p->used += n;
    return CN_OK;
}

/* counts how often each id occurs when the corpus is encoded with t */
static cn_status count_ids(const cn_tok *t, int threads, const cn_bpe_corpus *c, uint64_t *counts, uint64_t *bytes,
                           uint64_t *tokens) {
    pass *p = calloc(1, sizeof *p);
    if (!p) return cn_fail(CN_ENOMEM, "out of memory");
    p->t = t;
    p->threads = threads;
    p->counts = counts;
    p->bufcap = PASS_BYTES;
    p->buf = malloc(p->bufcap);
    p->states = calloc((size_t)threads, sizeof *p->states);
    cn_status st = !p->buf || !p->states ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
    if (!st) st = c->for_each(c->src, each_doc, p);
    if (!st) st = flush(p);
    *bytes = p->bytes;
    *tokens = p->tokens;
    for (int i = 0; p->states && i < threads; i++) cn_tok_state_free(p->states[i]);
    for (size_t i = 0; i < PASS_DOCS; i++) cn_ids_free(&p->ids[i]);
    free(p->states);
    free(p->buf);
    free(p);
    return st;
}

/* ---- training the domain tokenizer ---- */

static cn_status train_each(const char *text, size_t n, void *ctx) { return cn_bpe_add_text(ctx, text, n); }

static cn_status train_domain(const cn_bpe_augment_opts *o, const cn_bpe_corpus *domain, uint32_t vocab, char **json,
                              size_t *len) {
    cn_bpe_opts bo;
    cn_bpe_opts_init(&bo, CN_BPE_SPM, vocab);
    bo.max_memory = o->max_memory;
    cn_bpe_trainer *tr = cn_bpe_trainer_new(&bo);
    if (!tr) return cn_last_status();
    cn_status st = domain->for_each(domain->src, train_each, tr);
    if (!st) st = cn_bpe_train(tr, json, len, NULL);
    cn_bpe_trainer_free(tr);
    return st;
}

/* ---- the augmented tokenizer ---- */

#define MAXSEG 32

typedef struct {
    const char *s;
    uint32_t len, dom_id;
    uint64_t dom, gen; /* occurrences in domain and general text (domain tokenizer) */
    uint64_t fires;    /* occurrences when the domain text is encoded augmented */
    uint8_t nseg;      /* the base model's pieces of it: their ends */
    uint8_t seg[MAXSEG];
} cand;

/* the chosen tokens as a set of strings (open addressing) */
typedef struct {
    cand *const *sel;
    uint32_t *slot; /* index + 1, 0 empty */
    size_t cap;
} selset;

/* a set with room for n tokens holding the first have of sel */
static int selset_init(selset *z, cand *const *sel, uint32_t n, uint32_t have) {
    z->sel = sel;
    z->cap = 16;
    while (z->cap < 2 * (size_t)n + 2) z->cap *= 2;
    z->slot = calloc(z->cap, sizeof *z->slot);
    if (!z->slot) return -1;
    for (uint32_t i = 0; i < have; i++) {
        size_t j = tok_hash(sel[i]->s, sel[i]->len) & (z->cap - 1);
        while (z->slot[j]) j = (j + 1) & (z->cap - 1);
        z->slot[j] = i + 1;
    }
    return 0;
}

/* adds sel[i] (the set was made for at least i + 1 tokens) */
static void selset_add(selset *z, uint32_t i) {
    size_t j = tok_hash(z->sel[i]->s, z->sel[i]->len) & (z->cap - 1);
    while (z->slot[j]) j = (j + 1) & (z->cap - 1);
    z->slot[j] = i + 1;
}

/* 1 when s is a base token or one of the chosen new ones */
static int is_token(const cn_tok *base, const selset *z, const char *s, size_t n) {
    if (cn_tok_id(base, s, n) >= 0) return 1;
    for (size_t j = tok_hash(s, n) & (z->cap - 1); z->slot[j]; j = (j + 1) & (z->cap - 1)) {
        const cand *c = z->sel[z->slot[j] - 1];
        if (c->len == n && memcmp(c->s, s, n) == 0) return 1;
    }
    return 0;
}

/* 1 when c can form from the base model's pieces of it by merges of two
 * tokens (base or chosen) at a time: some bracketing of the pieces whose
 * every inner span is a token */
static int formable(const cn_tok *base, const selset *z, const cand *c) {
    uint8_t ok[MAXSEG + 1][MAXSEG + 1];
    int n = c->nseg;
    if (n < 2 || n > MAXSEG) return 0;
    for (int len = 1; len <= n; len++)
        for (int i = 0; i + len <= n; i++) {
            int j = i + len;
            size_t a = i ? c->seg[i - 1] : 0, b = c->seg[j - 1];
            ok[i][j] = 0;
            if (len == 1) {
                ok[i][j] = 1;
                continue;
            }
            if (len < n && !is_token(base, z, c->s + a, b - a)) continue;
            for (int m = i + 1; m < j && !ok[i][j]; m++) ok[i][j] = ok[i][m] && ok[m][j];
        }
    return ok[0][n];
}

/* fills sel up to want from order (candidates by rank, taken[] marks those
 * used), the first formable ones in rank order, in passes while any forms */
static uint32_t choose(const cn_tok *base, selset *z, cand **sel, uint32_t have, uint32_t want, cand **order, uint32_t nc,
                       uint8_t *taken) {
    for (int progress = 1; have < want && progress;) {
        progress = 0;
        for (uint32_t i = 0; i < nc && have < want; i++) {
            if (taken[i] || !formable(base, z, order[i])) continue;
            taken[i] = 1;
            sel[have] = order[i];
            selset_add(z, have++);
            progress = 1;
        }
    }
    return have;
}

/* the base tokenizer.json with the chosen tokens appended (ids from
 * base_size in order) and a merge for every split of each into two tokens */
static cn_status build(const cJSON *base_root, const cn_tok *base, uint32_t base_size, cand *const *sel, uint32_t nsel,
                       char **json, size_t *len) {
    cJSON *root = cJSON_Duplicate(base_root, 1);
    if (!root) return cn_fail(CN_ENOMEM, "out of memory");
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    int pairs = cJSON_IsArray(merges->child); /* merges as [a, b] rather than "a b" */
    char *tmp = NULL;
    size_t tcap = 0;
    selset z;
    if (selset_init(&z, sel, nsel, nsel)) {
        cJSON_Delete(root);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < nsel; i++) {
        const cand *c = sel[i];
        if (tcap < (size_t)c->len + 2) {
            tcap = (size_t)c->len * 2 + 16;
            char *t = realloc(tmp, tcap);
            if (!t) goto nomem;
            tmp = t;
        }
        memcpy(tmp, c->s, c->len);
        tmp[c->len] = 0;
        if (!cJSON_AddNumberToObject(vocab, tmp, base_size + i)) goto nomem;
        for (uint32_t p = 1; p < c->len; p++) {
            if (((uint8_t)c->s[p] & 0xC0) == 0x80) continue; /* inside a character */
            if (!is_token(base, &z, c->s, p) || !is_token(base, &z, c->s + p, c->len - p)) continue;
            cJSON *m;
            if (pairs) {
                m = cJSON_CreateArray();
                char *a = strndup(c->s, p), *b = strndup(c->s + p, c->len - p);
                if (!m || !a || !b) {
                    free(a), free(b), cJSON_Delete(m);
                    goto nomem;
                }
                cJSON_AddItemToArray(m, cJSON_CreateString(a));
                cJSON_AddItemToArray(m, cJSON_CreateString(b));
                free(a), free(b);
            } else {
                memcpy(tmp, c->s, p);
                tmp[p] = ' ';
                memcpy(tmp + p + 1, c->s + p, c->len - p);
                tmp[c->len + 1] = 0;
                m = cJSON_CreateString(tmp);
            }
            if (!m) goto nomem;
            cJSON_AddItemToArray(merges, m);
        }
    }
    free(tmp);
    free(z.slot);
    *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!*json) return cn_fail(CN_ENOMEM, "out of memory");
    *len = strlen(*json);
    return CN_OK;
nomem:
    free(tmp);
    free(z.slot);
    cJSON_Delete(root);
    return cn_fail(CN_ENOMEM, "out of memory");
}

/* encodes the domain corpus with the augmented tokenizer: fires per chosen token */
static cn_status fire(const cn_bpe_augment_opts *o, const char *json, size_t len, uint32_t base_size, cand **sel, uint32_t nsel,
                      const cn_bpe_corpus *domain, uint64_t *tokens) {
    cn_tok *t = cn_tok_parse(json, len, "augmented");
    if (!t) return cn_last_status();
    uint64_t *counts = calloc(cn_tok_vocab_size(t), sizeof *counts), bytes;
    cn_status st = counts ? count_ids(t, o->threads, domain, counts, &bytes, tokens) : cn_fail(CN_ENOMEM, "out of memory");
    for (uint32_t i = 0; !st && i < nsel; i++) sel[i]->fires = counts[base_size + i];
    free(counts);
    cn_tok_free(t);
    return st;
}

static int by_domain(const void *x, const void *y) {
    const cand *a = *(cand *const *)x, *b = *(cand *const *)y;
    if (a->dom != b->dom) return a->dom > b->dom ? -1 : 1;
    return a->dom_id < b->dom_id ? -1 : a->dom_id > b->dom_id;
}

static int by_fires(const void *x, const void *y) {
    const cand *a = *(cand *const *)x, *b = *(cand *const *)y;
    if (a->fires != b->fires) return a->fires > b->fires ? -1 : 1;
    return by_domain(x, y);
}

/* 1 when every character of s is a token of the base by itself */
static int base_chars(const cn_tok *base, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int32_t c;
        size_t l = cn_utf8_decode(s + i, n - i, &c);
        if (cn_tok_id(base, s + i, l) < 0) return 0;
        i += l;
    }
    return 1;
}

static cn_status write_map(cn_tok *base, uint32_t base_size, cand *const *sel, uint32_t nsel, char **map, size_t *map_len) {
    size_t cap = 4096, n = 0;
    char *m = malloc(cap);
    cn_ids ids = {0};
    if (!m) return cn_fail(CN_ENOMEM, "out of memory");
    cn_status st = CN_OK;
    for (uint32_t i = 0; i < nsel && !st; i++) {
        ids.n = 0;
        if ((st = cn_tok_encode_model(base, sel[i]->s, sel[i]->len, &ids))) break;
        cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
        char *piece = strndup(sel[i]->s, sel[i]->len);
        if (!o || !a || !piece) {
            cJSON_Delete(o), cJSON_Delete(a), free(piece);
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        cJSON_AddNumberToObject(o, "id", base_size + i);
        cJSON_AddStringToObject(o, "piece", piece);
        free(piece);
        for (size_t k = 0; k < ids.n; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber(ids.v[k]));
        cJSON_AddItemToObject(o, "base_ids", a);
        char *line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!line) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        size_t l = strlen(line);
        if (n + l + 2 > cap) {
            while (n + l + 2 > cap) cap *= 2;
            char *x = realloc(m, cap);
            if (!x) {
                free(line);
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            m = x;
        }
        memcpy(m + n, line, l);
        n += l;
        m[n++] = '\n';
        free(line);
    }
    cn_ids_free(&ids);
    if (st) {
        free(m);
        return st;
    }
    m[n] = 0;
    *map = m;
    *map_len = n;
    return CN_OK;
}

void cn_bpe_map_free(cn_bpe_map_row *rows, size_t n) {
    for (size_t i = 0; rows && i < n; i++) free(rows[i].base);
    free(rows);
}

/* one line of the map: {"id": N, "base_ids": [...]} */
static cn_status map_row(const cJSON *o, const char *path, uint64_t line, cn_bpe_map_row *r) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id"), *b = cJSON_GetObjectItemCaseSensitive(o, "base_ids");
    if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= 4294967296.0 || id->valuedouble != (double)(uint32_t)id->valuedouble ||
        !cJSON_IsArray(b))
        return cn_fail(CN_EFORMAT, "%s:%llu: a map line needs \"id\" and \"base_ids\"", path, (unsigned long long)line);
    r->nbase = (uint32_t)cJSON_GetArraySize(b);
    r->id = (uint32_t)id->valuedouble;
    if (!(r->base = malloc((r->nbase ? r->nbase : 1) * sizeof *r->base))) return cn_fail(CN_ENOMEM, "out of memory");
    uint32_t k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, b) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= 4294967296.0 || e->valuedouble != (double)(uint32_t)e->valuedouble)
            return cn_fail(CN_EFORMAT, "%s:%llu: bad base id", path, (unsigned long long)line);
        r->base[k++] = (uint32_t)e->valuedouble;
    }
    return CN_OK;
}

cn_status cn_bpe_map_read(const char *path, cn_bpe_map_row **rows, size_t *n) {
    *rows = NULL, *n = 0;
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_status st = j ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    size_t cap = 0;
    cJSON *o;
    while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
        if (*n == cap) {
            cn_bpe_map_row *x = realloc(*rows, (cap = cap ? cap * 2 : 1024) * sizeof *x);
            if (!x) {
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            *rows = x;
        }
        (*rows)[*n] = (cn_bpe_map_row){0};
        st = map_row(o, path, cn_jsonl_line(j), &(*rows)[(*n)++]);
    }
    if (st == CN_EOF) st = CN_OK;
    cn_jsonl_free(j);
    cn_in_close(in);
    if (st) {
        cn_bpe_map_free(*rows, *n);
        *rows = NULL, *n = 0;
    }
    return st;
}

cn_status cn_bpe_augment(const cn_bpe_augment_opts *o, const char *base_json, size_t base_len, const char *domain_tok_json,
                         size_t domain_tok_len, const cn_bpe_corpus *domain, const cn_bpe_corpus *general, char **json,
                         size_t *json_len, char **map, size_t *map_len, cn_bpe_augment_stats *stats) {
    memset(stats, 0, sizeof *stats);
    *json = *map = NULL;
    cn_status st = CN_OK;
    char *dtrained = NULL, *cur = NULL;
    size_t dlen = 0, curlen = 0;
    cn_tok *base = NULL, *dt = NULL;
    cJSON *root = NULL;
    cand *cands = NULL, **order = NULL, **sel = NULL;
    uint64_t *dcount = NULL, *gcount = NULL;
    uint8_t *taken = NULL;
    selset z = {0};
    cn_ids pieces = {0};

    base = cn_tok_parse(base_json, base_len, "base");
    if (!base) return cn_last_status();
    root = cJSON_ParseWithLength(base_json, base_len);
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    cJSON *bvocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    cJSON *bmerges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (!cJSON_IsString(mt) || strcmp(mt->valuestring, "BPE") != 0 || !cJSON_IsObject(bvocab) || !cJSON_IsArray(bmerges)) {
        st = cn_fail(CN_EFORMAT, "base: not a BPE tokenizer with vocab and merges");
        goto out;
    }
    uint32_t base_size = cn_tok_vocab_size(base);
    if ((uint32_t)cJSON_GetArraySize(bvocab) != base_size) {
        st = cn_fail(CN_EFORMAT, "base: added tokens outside the model's vocabulary (ids %d..%u) are not supported",
                     cJSON_GetArraySize(bvocab), base_size - 1);
        goto out;
    }
    stats->base_size = base_size;

    /* a base that splits digits (no token holds a digit and anything else, as
     * LLaMA2's split_digits) keeps doing so: candidates with digits are out */
    int split_digits = 1;
    for (uint32_t id = 0; id < base_size && split_digits; id++) {
        const char *s = cn_tok_token(base, id);
        size_t l = strlen(s);
        if (l > 1 && strpbrk(s, "0123456789") && !(l == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x')) split_digits = 0;
    }
    /* the domain tokenizer and its candidates; one trained here grows (twice
     * at most) until it offers twice as many candidates as are wanted */
    uint32_t nc = 0, dvocab = o->domain_vocab ? o->domain_vocab : 4 * o->add;
    if (dvocab < 8000) dvocab = 8000;
    for (int attempt = 0;; attempt++) {
        if (!domain_tok_json || dtrained) {
            free(dtrained);
            dtrained = NULL;
            if ((st = train_domain(o, domain, dvocab, &dtrained, &dlen))) goto out;
            note(o, "augment: domain tokenizer of %u tokens trained", dvocab);
        }
        const char *dj = dtrained ? dtrained : domain_tok_json;
        size_t djl = dtrained ? dlen : domain_tok_len;
        cn_tok_free(dt);
        free(dcount), free(gcount), free(cands), free(order);
        dcount = gcount = NULL, cands = NULL, order = NULL;
        if (!(dt = cn_tok_parse(dj, djl, "domain tokenizer"))) {
            st = cn_last_status();
            goto out;
        }
        uint32_t dsize = cn_tok_vocab_size(dt);
        dcount = calloc(dsize, sizeof *dcount);
        gcount = calloc(dsize, sizeof *gcount);
        cands = calloc(dsize, sizeof *cands);
        order = calloc(dsize + 1, sizeof *order);
        if (!dcount || !gcount || !cands || !order) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            goto out;
        }
        uint64_t dbytes, gbytes, dtok, gtok;
        if ((st = count_ids(dt, o->threads, domain, dcount, &dbytes, &dtok)) ||
            (st = count_ids(dt, o->threads, general, gcount, &gbytes, &gtok)))
            goto out;
        nc = 0;
        stats->candidates = stats->dropped_bytes = stats->dropped_digits = stats->dropped_general = 0;
        for (uint32_t id = 0; id < dsize; id++) {
            const char *s = cn_tok_token(dt, id);
            size_t l = strlen(s);
            if (!l || cn_tok_id(base, s, l) >= 0) continue; /* the base has it */
            if (l == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && s[5] == '>') continue; /* a byte piece */
            stats->candidates++;
            if (!base_chars(base, s, l)) {
                stats->dropped_bytes++;
                continue;
            }
            if (split_digits && strpbrk(s, "0123456789")) {
                stats->dropped_digits++;
                continue;
            }
            if (!dcount[id]) continue;
            /* rate per byte in general text against the rate in domain text */
            if (gbytes && (double)gcount[id] / (double)gbytes >= o->general_frac * (double)dcount[id] / (double)dbytes) {
                stats->dropped_general++;
                continue;
            }
            cand *cd = &cands[nc];
            *cd = (cand){s, (uint32_t)l, id, dcount[id], gcount[id], 0, 0, {0}};
            /* its pieces under the base model alone */
            pieces.n = 0;
            if ((st = cn_tok_encode_model(base, s, l, &pieces))) goto out;
            if (pieces.n <= MAXSEG) {
                size_t end = 0;
                for (size_t k = 0; k < pieces.n; k++) {
                    end += strlen(cn_tok_token(base, pieces.v[k]));
                    cd->seg[k] = (uint8_t)end;
                }
                if (end == l) cd->nseg = (uint8_t)pieces.n;
            }
            order[nc] = cd;
            nc++;
        }
        if (!dtrained || nc >= 2 * (uint64_t)o->add || attempt == 2 || dsize < dvocab) break;
        dvocab *= 2;
    }
    qsort(order, nc, sizeof *order, by_domain);

    /* choose the most frequent that can form, then replace those that never
     * occur in the domain text by the next that can */
    uint32_t want = o->add < nc ? o->add : nc;
    sel = calloc(want + 1, sizeof *sel);
    taken = calloc(nc + 1, 1);
    if (!sel || !taken || selset_init(&z, sel, want, 0)) {
        st = cn_fail(CN_ENOMEM, "out of memory");
        goto out;
    }
    uint32_t have = choose(base, &z, sel, 0, want, order, nc, taken);
    uint64_t tokens = 0;
    for (int r = 0;; r++) {
        free(cur);
        cur = NULL;
        if ((st = build(root, base, base_size, sel, have, &cur, &curlen)) ||
            (st = fire(o, cur, curlen, base_size, sel, have, domain, &tokens)))
            goto out;
        uint32_t fired = 0;
        for (uint32_t i = 0; i < have; i++) fired += sel[i]->fires > 0;
        stats->rounds = (uint32_t)r + 1;
        note(o, "augment round %d: %u of %u added tokens occur in the domain text (%llu tokens)", r + 1, fired, have,
             (unsigned long long)tokens);
        if ((fired == have && have == want) || r + 1 >= o->rounds) break;
        /* keep the ones that occur, most frequent first; refill */
        qsort(sel, have, sizeof *sel, by_fires);
        memset(z.slot, 0, z.cap * sizeof *z.slot);
        for (uint32_t i = 0; i < fired; i++) selset_add(&z, i);
        uint32_t before = have;
        have = choose(base, &z, sel, fired, want, order, nc, taken);
        if (have == fired && fired == before) break; /* nothing new to try */
        if (have < before && fired == before) break;
    }
    want = have;
    /* final order: by how often each token actually occurs */
    qsort(sel, want, sizeof *sel, by_fires);
    free(cur);
    cur = NULL;
    if ((st = build(root, base, base_size, sel, want, &cur, &curlen)) ||
        (st = fire(o, cur, curlen, base_size, sel, want, domain, &tokens)))
        goto out;
    for (uint32_t i = 0; i < want; i++) stats->fired += sel[i]->fires > 0;
    stats->added = want;
    if (want < o->add) {
        st = cn_fail(CN_EINVAL,
                     "only %u candidates that can form for %u tokens (%u in all): train the domain tokenizer larger "
                     "(--domain-vocab) or add fewer",
                     want, o->add, nc);
        goto out;
    }
    if ((double)stats->fired < o->min_fire * want) {
        st = cn_fail(CN_EINVAL, "only %u of %u added tokens occur in the domain text (needed: %.0f%%)", stats->fired, want,
                     o->min_fire * 100);
        goto out;
    }
    if ((st = write_map(base, base_size, sel, want, map, map_len))) goto out;
    *json = cur;
    *json_len = curlen;
    cur = NULL;
out:
    free(cur);
    free(dtrained);
    free(sel), free(order), free(cands), free(dcount), free(gcount), free(taken), free(z.slot);
    cn_ids_free(&pieces);
    cJSON_Delete(root);
    cn_tok_free(dt);
    cn_tok_free(base);
    return st;
}
