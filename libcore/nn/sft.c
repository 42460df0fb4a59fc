/* sft: conversations tokenized with their loss mask, blended and packed. */
#include "sft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "io.h"
#include "jsonl.h"
#include "jsonl.h"
#include "rng.h"

typedef struct {
    uint32_t *ids;    /* (n) */
    uint8_t *trained; /* (n) */
    uint32_t n;
} conv;

typedef struct {
    double weight;
    conv *c;
    size_t n, cap;
    cn_sft_stats st;
    /* the blend */
    uint32_t *order; /* (n) this pass's permutation */
    size_t next;     /* in order */
    uint64_t pass, given;
} source;

struct cn_sft {
    cn_sft_opts o;
    source *src;
    int nsrc;
    uint64_t sequences;
    const conv *carry; /* a conversation drawn that did not fit the last sequence, or NULL */
};

cn_sft *cn_sft_new(const cn_sft_opts *o) {
    if (o->t < 2) return cn_fail(CN_EINVAL, "sequence length %d", o->t), NULL;
    cn_sft *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    s->o = *o;
    return s;
}

void cn_sft_free(cn_sft *s) {
    if (!s) return;
    for (int i = 0; i < s->nsrc; i++) {
        for (size_t k = 0; k < s->src[i].n; k++) free(s->src[i].c[k].ids), free(s->src[i].c[k].trained);
        free(s->src[i].c), free(s->src[i].order);
    }
    free(s->src);
    free(s);
}

cn_status cn_sft_encode(cn_tok *tok, const cn_chat_pieces *p, cn_ids *ids, uint8_t **trained) {
    memset(ids, 0, sizeof *ids);
    if (trained) *trained = NULL;
    uint8_t *tr = NULL;
    size_t cap = 0;
    cn_status st = CN_OK;
    /* piece by piece, each after the first continuing the text before it */
    for (size_t i = 0; i < p->n && !st; i++) {
        size_t from = ids->n;
        st = cn_tok_encode(tok, p->text + p->piece[i].off, p->piece[i].len, i ? CN_TOK_CONTINUE : 0, ids);
        if (st || !trained) continue;
        if (ids->n + 1 > cap) {
            size_t c = 2 * (ids->n + 1);
            uint8_t *x = realloc(tr, c);
            if (!x) {
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            tr = x, cap = c;
        }
        memset(tr + from, p->piece[i].trained != 0, ids->n - from);
    }
    if (!st && trained && !tr && !(tr = calloc(1, 1))) st = cn_fail(CN_ENOMEM, "out of memory");
    if (st) {
        free(tr);
        cn_ids_free(ids);
        return st;
    }
    if (trained) *trained = tr;
    return CN_OK;
}

int cn_sft_sources(const cn_sft *s) { return s->nsrc; }

void cn_sft_stats_of(const cn_sft *s, int src, cn_sft_stats *st) {
    memset(st, 0, sizeof *st);
    for (int i = 0; i < s->nsrc; i++) {
        if (src >= 0 && i != src) continue;
        const cn_sft_stats *x = &s->src[i].st;
        st->conversations += x->conversations, st->tokens += x->tokens, st->trained += x->trained;
        st->skipped += x->skipped, st->truncated += x->truncated, st->skipped_cut += x->skipped_cut;
        if (src >= 0) memcpy(st->skip_line, x->skip_line, sizeof st->skip_line);
    }
}

static cn_status add_conv(cn_sft *s, source *src, cn_ids *ids, uint8_t *tr, uint64_t line) {
    size_t n = ids->n;
    if (n > (size_t)s->o.t) n = (size_t)s->o.t, src->st.truncated++;
    size_t ntr = 0, all = 0;
    for (size_t k = 1; k < n; k++) ntr += tr[k]; /* a target predicts token k from k - 1 */
    for (size_t k = n; k < ids->n && !ntr && !all; k++) all += tr[k];
    if (!ntr) {
        if (src->st.skipped < CN_SFT_SKIP_LINES) src->st.skip_line[src->st.skipped] = line;
        src->st.skipped++, src->st.skipped_cut += all > 0;
        cn_ids_free(ids), free(tr);
        return CN_OK;
    }
    if (src->n == src->cap) {
        size_t cap = src->cap ? src->cap * 2 : 256;
        conv *c = realloc(src->c, cap * sizeof *c);
        if (!c) return cn_fail(CN_ENOMEM, "out of memory");
        src->c = c, src->cap = cap;
    }
    src->c[src->n++] = (conv){ids->v, tr, (uint32_t)n};
    src->st.conversations++, src->st.tokens += n, src->st.trained += ntr;
    return CN_OK;
}

cn_status cn_sft_read(cn_sft *s, const char *path, double weight, cn_tok *tok, cn_chat_template t, const char *bos, const char *eos) {
    if (!(weight > 0)) return cn_fail(CN_EINVAL, "%s: weight %g is not above 0", path, weight);
    if (s->sequences) return cn_fail(CN_EINVAL, "sources are added before the first sequence");
    source *x = realloc(s->src, (size_t)(s->nsrc + 1) * sizeof *x);
    if (!x) return cn_fail(CN_ENOMEM, "out of memory");
    s->src = x;
    source *src = &s->src[s->nsrc++];
    memset(src, 0, sizeof *src);
    src->weight = weight;
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_status st = j ? CN_OK : cn_last_status();
    cJSON *rec;
    char where[4200];
    while (!st && (st = cn_jsonl_next(j, &rec)) == CN_OK) {
        snprintf(where, sizeof where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j));
        cn_chat *c;
        cn_chat_pieces p;
        if ((st = cn_chat_parse(rec, where, &c))) break;
        st = cn_chat_render(c, t, bos, eos, 0, &p);
        cn_chat_free(c);
        if (st) {
            st = cn_fail(st, "%s: %s", where, cn_errmsg());
            break;
        }
        cn_ids ids;
        uint8_t *tr;
        st = cn_sft_encode(tok, &p, &ids, &tr);
        cn_chat_pieces_free(&p);
        if (st) st = cn_fail(st, "%s: %s", where, cn_errmsg());
        else st = add_conv(s, src, &ids, tr, cn_jsonl_line(j));
    }
    if (st == CN_EOF) st = CN_OK;
    cn_jsonl_free(j);
    cn_in_close(in);
    if (!st && !(src->order = malloc((src->n + 1) * sizeof *src->order))) st = cn_fail(CN_ENOMEM, "out of memory");
    return st;
}

/* a new pass over a source: its conversations in a fresh order */
static void shuffle(const cn_sft *s, int i, source *src) {
    uint64_t keys[3] = {s->o.seed, (uint64_t)i, src->pass};
    cn_rng r;
    cn_rng_seed(&r, keys, 3);
    for (size_t k = 0; k < src->n; k++) src->order[k] = (uint32_t)k;
    for (size_t k = src->n; k > 1; k--) { /* Fisher-Yates */
        size_t j = (size_t)cn_rng_below(&r, k);
        uint32_t t = src->order[k - 1];
        src->order[k - 1] = src->order[j], src->order[j] = t;
    }
    src->next = 0;
}

/* the next conversation of the blend, or NULL when there is none */
static const conv *draw(cn_sft *s) {
    double wsum = 0;
    uint64_t total = 0;
    for (int i = 0; i < s->nsrc; i++)
        if (s->src[i].n) wsum += s->src[i].weight, total += s->src[i].given;
    int best = -1;
    double lag = 0;
    for (int i = 0; i < s->nsrc; i++) {
        source *src = &s->src[i];
        if (!src->n) continue;
        double d = src->weight / wsum * (double)total - (double)src->given; /* how far below its share */
        if (best < 0 || d > lag) best = i, lag = d;
    }
    if (best < 0) return NULL;
    source *src = &s->src[best];
    if (src->next == 0 || src->next == src->n) {
        if (src->next == src->n) src->pass++;
        shuffle(s, best, src);
    }
    const conv *c = &src->c[src->order[src->next++]];
    src->given += c->n;
    return c;
}

cn_status cn_sft_next(cn_sft *s, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos) {
    int T = s->o.t, at = 0, nseg = 0;
    while (at < T) {
        const conv *c = s->carry ? s->carry : draw(s);
        if (!c) return at ? CN_OK : cn_fail(CN_EOF, "no conversations");
        s->carry = NULL;
        if (at > 0 && at + (int)c->n > T) { /* for the next sequence */
            s->carry = c;
            break;
        }
        for (uint32_t k = 0; k < c->n; k++) {
            ids[at + k] = (int32_t)c->ids[k];
            tg[at + k] = k + 1 < c->n && c->trained[k + 1] ? (int32_t)c->ids[k + 1] : -1;
            seg[at + k] = nseg;
            pos[at + k] = (int32_t)k;
        }
        at += (int)c->n;
        nseg++;
    }
    for (int k = 0; at < T; at++, k++) ids[at] = s->o.pad, tg[at] = -1, seg[at] = nseg, pos[at] = k;
    s->sequences++;
    return CN_OK;
}

uint64_t cn_sft_position(const cn_sft *s) { return s->sequences; }

void cn_sft_position_to_json(const cn_sft *s, cJSON *o) { cJSON_AddNumberToObject(o, "sequences", (double)s->sequences); }

cn_status cn_sft_position_from_json(cn_sft *s, const cJSON *o, const char *where) {
    int64_t n;
    cn_status st = cn_json_int(o, "sequences", where, 0, CN_JSON_INT_MAX, &n);
    return st ? st : cn_sft_skip(s, (uint64_t)n);
}

void cn_sft_rewind(cn_sft *s) {
    s->sequences = 0, s->carry = NULL;
    for (int i = 0; i < s->nsrc; i++) s->src[i].next = 0, s->src[i].pass = 0, s->src[i].given = 0;
}

double cn_sft_epochs(const cn_sft *s, int i) {
    const source *src = &s->src[i];
    if (!src->n) return 0;
    uint64_t given = src->pass * src->n + src->next; /* drawn: a pass begins with next back at 0 */
    return (double)given / (double)src->n;
}

cn_status cn_sft_skip(cn_sft *s, uint64_t sequences) {
    if (s->sequences) return cn_fail(CN_EINVAL, "skip on a fresh reader");
    int T = s->o.t;
    int32_t *buf = malloc((size_t)T * 16);
    if (!buf) return cn_fail(CN_ENOMEM, "out of memory");
    cn_status st = CN_OK;
    for (uint64_t k = 0; k < sequences && !st; k++) st = cn_sft_next(s, buf, buf + T, buf + 2 * T, buf + 3 * T);
    free(buf);
    return st;
}
