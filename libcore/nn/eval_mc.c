/* eval_mc: multiple-choice questions read, turned into log-likelihood
 * requests and tallied (eval.h); the unigram baseline. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "eval.h"
#include "io.h"
#include "jsonl.h"
#include "rng.h"
#include "sb.h"
#include "sft.h"

/* ---- reading ---- */

void cn_mc_free(cn_mc_set *set) {
    for (size_t i = 0; i < set->n; i++) {
        for (int k = 0; k < set->v[i].nch; k++) free(set->v[i].ch[k]);
        free(set->v[i].ch), free(set->v[i].chlen), free(set->v[i].q), free(set->v[i].asked);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}

/* one record into it (its fields NULL first, so that a failure frees what was made) */
static cn_status mc_item_of(cn_jsonl *j, const cJSON *o, const char *path, cn_mc_item *it) {
    unsigned long long line = (unsigned long long)cn_jsonl_line(j);
    const char *s;
    size_t n;
    cn_status st = cn_jsonl_text(j, "question", &s, &n);
    if (st) return st;
    it->line = line;
    if (!(it->q = strndup(s, n))) return cn_fail(CN_ENOMEM, "out of memory");
    it->qlen = n;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *a = cJSON_GetObjectItemCaseSensitive(o, "answer");
    if (!cJSON_IsArray(ch)) return cn_fail(CN_EFORMAT, "%s:%llu: %s field 'choices'", path, line, ch ? "non-array" : "missing");
    int nch = cJSON_GetArraySize(ch);
    if (nch < 2) return cn_fail(CN_EFORMAT, "%s:%llu: %d choices: a question needs at least two", path, line, nch);
    if (!(it->ch = calloc((size_t)nch, sizeof *it->ch)) || !(it->chlen = malloc((size_t)nch * sizeof *it->chlen)))
        return cn_fail(CN_ENOMEM, "out of memory");
    it->nch = nch;
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, ch) {
        if (!cJSON_IsString(e)) return cn_fail(CN_EFORMAT, "%s:%llu: choice %d is not a string", path, line, k);
        if (!*e->valuestring) return cn_fail(CN_EFORMAT, "%s:%llu: choice %d is empty", path, line, k);
        it->chlen[k] = strlen(e->valuestring);
        if (!(it->ch[k] = strdup(e->valuestring))) return cn_fail(CN_ENOMEM, "out of memory");
        k++;
    }
    if (!cJSON_IsNumber(a)) return cn_fail(CN_EFORMAT, "%s:%llu: %s field 'answer'", path, line, a ? "non-numeric" : "missing");
    double ad = a->valuedouble;
    if (ad != floor(ad)) return cn_fail(CN_EFORMAT, "%s:%llu: answer %g is not an index", path, line, ad);
    if (ad < 0 || ad >= nch) return cn_fail(CN_EFORMAT, "%s:%llu: answer %g is out of range for %d choices (0-based)", path, line, ad, nch);
    it->answer = (int)ad;
    return CN_OK;
}

typedef struct {
    cn_mc_set *set;
    uint64_t limit;
} mc_reading;

/* one question; the reading ends at the limit, before another line is read */
static cn_status mc_record(cn_jsonl *j, cJSON *o, void *arg) {
    mc_reading *r = arg;
    cn_mc_set *set = r->set;
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 64;
        cn_mc_item *v = realloc(set->v, cap * sizeof *v);
        if (!v) return cn_fail(CN_ENOMEM, "out of memory");
        set->v = v, set->cap = cap;
    }
    set->v[set->n] = (cn_mc_item){0};
    cn_status st = mc_item_of(j, o, set->path, &set->v[set->n++]);
    return !st && r->limit && set->n == r->limit ? CN_EOF : st;
}

cn_status cn_mc_read(const char *path, uint64_t limit, cn_mc_set *set) {
    memset(set, 0, sizeof *set);
    set->path = path;
    mc_reading r = {set, limit};
    cn_status st = cn_jsonl_each(path, 0, mc_record, &r);
    if (!st && !set->n) st = cn_fail(CN_EFORMAT, "%s: no questions", path);
    if (st) {
        cn_mc_free(set);
        set->path = path;
    }
    return st;
}

/* ---- requests ---- */

#define LIT(b, lit) cn_sb_put((b), (lit), sizeof(lit) - 1)

/* the solved examples shown before question qi: `shots` dev items drawn
 * without replacement (seeded by the seed and the question's index), never
 * one whose question is this question's; pool: scratch of dev->n */
static cn_status draw(const cn_mc_opts *o, const cn_mc_set *set, size_t qi, size_t *out, size_t *pool) {
    const cn_mc_item *q = &set->v[qi];
    size_t ne = 0;
    for (size_t i = 0; i < o->dev->n; i++)
        if (o->dev->v[i].qlen != q->qlen || memcmp(o->dev->v[i].q, q->q, q->qlen) != 0) pool[ne++] = i;
    if (ne < (size_t)o->shots)
        return cn_fail(CN_EINVAL, "%s:%llu: --shots %d needs as many examples in %s besides this question; it has %zu", set->path,
                       (unsigned long long)q->line, o->shots, o->dev->path, ne);
    cn_rng r;
    uint64_t keys[2] = {o->seed, qi};
    cn_rng_seed(&r, keys, 2);
    for (int k = 0; k < o->shots; k++) { /* a partial Fisher-Yates shuffle */
        size_t j = (size_t)k + (size_t)cn_rng_below(&r, ne - (size_t)k), t = pool[k];
        pool[k] = pool[j], pool[j] = t;
        out[k] = pool[k];
    }
    return CN_OK;
}

/* question it's prompt: its solved examples, then "Question: Q\nAnswer:";
 * with chat, a conversation of the examples as user and assistant turns and
 * the question as the last user turn, rendered with the generation prompt:
 * its ids (*chat, as cn-sft encodes a prompt) instead of b */
static cn_status prompt(const cn_mc_opts *o, const cn_mc_item *it, const size_t *shots, cn_sb *b, cn_ids *chat) {
    if (o->chat) {
        cn_chat *c = cn_chat_new();
        cn_status st = c ? CN_OK : CN_ENOMEM;
        for (int k = 0; k < o->shots && !st; k++) {
            const cn_mc_item *d = &o->dev->v[shots[k]];
            if (!(st = cn_chat_add(c, CN_CHAT_USER, d->q, d->qlen))) st = cn_chat_add(c, CN_CHAT_ASSISTANT, d->ch[d->answer], d->chlen[d->answer]);
        }
        if (!st) st = it->asked ? cn_chat_add(c, CN_CHAT_USER, it->asked, it->askedlen) : cn_chat_add(c, CN_CHAT_USER, it->q, it->qlen);
        cn_chat_pieces p = {0};
        int rendered = 0;
        if (!st) st = cn_chat_render(c, o->tpl, o->bos_s, o->eos_s, CN_CHAT_GEN_PROMPT, &p), rendered = !st;
        if (!st) st = cn_sft_encode(o->tok, &p, chat, NULL);
        if (st) st = cn_fail(st, "question at line %llu: %s", (unsigned long long)it->line, cn_errmsg());
        if (rendered) cn_chat_pieces_free(&p);
        cn_chat_free(c);
        return st;
    }
    for (int k = 0; k < o->shots; k++) {
        const cn_mc_item *d = &o->dev->v[shots[k]];
        LIT(b, "Question: "), cn_sb_put(b, d->q, d->qlen), LIT(b, "\nAnswer: ");
        cn_sb_put(b, d->ch[d->answer], d->chlen[d->answer]), LIT(b, "\n\n");
    }
    if (it->asked) cn_sb_put(b, it->asked, it->askedlen);
    else LIT(b, "Question: "), cn_sb_put(b, it->q, it->qlen);
    LIT(b, "\nAnswer:");
    return b->nomem ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
}

void cn_mc_chunk_free(cn_mc_chunk *ch) {
    for (size_t r = 0; ch->seq && r < ch->nr; r++) free(ch->seq[r]);
    free(ch->shots), free(ch->req), free(ch->res), free(ch->seq);
    ch->shots = NULL, ch->req = NULL, ch->res = NULL, ch->seq = NULL, ch->nr = 0;
}

/* the requests from the encoded texts: ids[t] a question's prompt, ids[t + 1 + k] its choice k */
static cn_status requests(const cn_mc_opts *o, const cn_mc_set *set, cn_mc_chunk *ch, cn_ids *ids) {
    for (size_t i = ch->c0, t = 0, r = 0; i < ch->c0 + ch->nq; i++) {
        const cn_mc_item *it = &set->v[i];
        const cn_ids *ctx = &ids[t];
        unsigned long long line = (unsigned long long)it->line;
        for (int k = 0; k < it->nch; k++, r++) {
            cn_ids *w = &ids[t + 1 + (size_t)k];
            if (o->chat) { /* the prompt's ids, then the choice's */
                size_t nc = w->n;
                for (size_t x = 0; x < ctx->n; x++)
                    if (cn_ids_push(w, 0)) return cn_fail(CN_ENOMEM, "out of memory");
                memmove(w->v + ctx->n, w->v, nc * sizeof *w->v);
                memcpy(w->v, ctx->v, ctx->n * sizeof *w->v);
            }
            /* the continuation: the tokens after those the whole shares with
             * the prompt (all the prompt's, unless its last token merges
             * with the choice's first, which then counts to the choice) */
            size_t same = 0;
            while (same < ctx->n && same < w->n && ctx->v[same] == w->v[same]) same++;
            if (same == w->n) return cn_fail(CN_EINVAL, "%s:%llu: choice %d adds no tokens to the prompt", set->path, line, k);
            size_t nb = o->bos >= 0, n = nb + w->n;
            if (!(ch->seq[r] = malloc(n * sizeof **ch->seq))) return cn_fail(CN_ENOMEM, "out of memory");
            if (nb) ch->seq[r][0] = (uint32_t)o->bos;
            memcpy(ch->seq[r] + nb, w->v, w->n * sizeof *w->v);
            for (size_t x = 0; x < n; x++)
                if (ch->seq[r][x] >= o->vocab)
                    return cn_fail(CN_ERANGE, "%s:%llu: token id %u beyond the model's vocabulary", set->path, line, ch->seq[r][x]);
            ch->req[r] = (cn_eval_req){ch->seq[r], n, w->n - same};
            if (ch->req[r].ncont > (size_t)o->window)
                return cn_fail(CN_ERANGE, "%s:%llu: choice %d is %zu tokens, more than the model's window of %d", set->path, line, k,
                               ch->req[r].ncont, o->window);
        }
        t += 1 + (size_t)it->nch;
    }
    return CN_OK;
}

/* Each choice is [BOS] + the tokens of prompt + " " + choice, its
 * continuation the tokens after the prompt's own (lm-evaluation-harness
 * encodes the whole and splits it at the context's length). With
 * SentencePiece the space before the choice becomes the "▁" of the
 * choice's first piece, as in running text: encoding " choice" alone would
 * give a different piece (an extra "▁" from the dummy prefix). With chat
 * the ids are those cn-sft trains an answer with: the prompt's (the
 * template's pieces apart), then the choice's own as text that continues
 * it (llama2's " C", the others' "C"), so that a token never spans the
 * prompt's end and the answer's start here either. */
cn_status cn_mc_chunk_build(const cn_mc_opts *o, const cn_mc_set *set, cn_mc_chunk *ch) {
    size_t nt = 0, nr = 0;
    for (size_t i = ch->c0; i < ch->c0 + ch->nq; i++) nt += 1 + (size_t)set->v[i].nch, nr += (size_t)set->v[i].nch;
    char **texts = calloc(nt, sizeof *texts);
    size_t *lens = calloc(nt, sizeof *lens), *pool = malloc((o->dev ? o->dev->n : 0) * sizeof *pool + 1);
    cn_ids *ids = calloc(nt, sizeof *ids);
    ch->nr = nr;
    ch->shots = malloc((ch->nq * (size_t)o->shots + 1) * sizeof *ch->shots);
    ch->req = malloc(nr * sizeof *ch->req + 1), ch->res = malloc(nr * sizeof *ch->res + 1), ch->seq = calloc(nr + 1, sizeof *ch->seq);
    cn_status st = texts && lens && pool && ids && ch->shots && ch->req && ch->res && ch->seq ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    /* the texts: each question's prompt, then prompt + " " + choice for each choice */
    for (size_t i = ch->c0, t = 0; !st && i < ch->c0 + ch->nq; i++) {
        const cn_mc_item *it = &set->v[i];
        size_t *shots = ch->shots + (i - ch->c0) * (size_t)o->shots;
        cn_sb b = {0};
        if (o->shots) st = draw(o, set, i, shots, pool);
        if (!st) st = prompt(o, it, shots, &b, &ids[t]);
        for (int k = 0; !st && k < it->nch; k++) {
            cn_sb w = {0};
            /* the answer after the prompt: " C"; in a chat, as the template
             * starts an answer (llama2's " C", the others' "C"), alone */
            if (!o->chat) cn_sb_put(&w, b.s, b.n);
            if (!o->chat || o->tpl == CN_CHAT_LLAMA2) LIT(&w, " ");
            cn_sb_put(&w, it->ch[k], it->chlen[k]);
            texts[t + 1 + (size_t)k] = w.s, lens[t + 1 + (size_t)k] = w.n;
            if (w.nomem) st = cn_fail(CN_ENOMEM, "out of memory");
        }
        texts[t] = b.s, lens[t] = b.n;
        t += 1 + (size_t)it->nch;
    }
    size_t failed;
    if (!st && o->chat) { /* the choices alone, continuing their prompts */
        for (size_t i = ch->c0, t = 0; !st && i < ch->c0 + ch->nq; t += 1 + (size_t)set->v[i].nch, i++)
            st = cn_tok_encode_batch(o->tok, o->st, o->threads, (const char *const *)texts + t + 1, lens + t + 1, (size_t)set->v[i].nch,
                                     o->flags | CN_TOK_CONTINUE, ids + t + 1, &failed);
        if (st) st = cn_fail(st, "%s: %s", set->path, cn_errmsg());
    } else if (!st && cn_tok_encode_batch(o->tok, o->st, o->threads, (const char *const *)texts, lens, nt, o->flags, ids, &failed)) {
        st = cn_fail(cn_last_status(), "%s: %s", set->path, cn_errmsg());
    }
    if (!st) st = requests(o, set, ch, ids);
    for (size_t t = 0; t < nt && texts; t++) free(texts[t]);
    for (size_t t = 0; t < nt && ids; t++) cn_ids_free(&ids[t]);
    free(texts), free(lens), free(ids), free(pool);
    if (st) cn_mc_chunk_free(ch);
    return st;
}

cn_status cn_mc_longest(const cn_mc_opts *o, const cn_mc_set *set, size_t qi, size_t *tokens) {
    cn_mc_chunk ch = {.c0 = qi, .nq = 1};
    cn_status st = cn_mc_chunk_build(o, set, &ch);
    if (st) return st;
    *tokens = 0;
    for (size_t r = 0; r < ch.nr; r++)
        if (ch.req[r].n > *tokens) *tokens = ch.req[r].n;
    cn_mc_chunk_free(&ch);
    return CN_OK;
}

/* ---- predictions and tallies ---- */

void cn_mc_predict(const cn_mc_item *it, const cn_eval_res *res, cn_mc_pred *p) {
    *p = (cn_mc_pred){0, 0, 0};
    for (int k = 0; k < it->nch; k++) {
        if (res[k].ll > res[p->pred].ll) p->pred = k;
        if (res[k].ll / (double)it->chlen[k] > res[p->pred_norm].ll / (double)it->chlen[p->pred_norm]) p->pred_norm = k;
        p->truncated |= res[k].dropped > 0;
    }
}

void cn_mc_tally_add(cn_mc_tally *t, const cn_mc_item *it, const cn_mc_pred *p) {
    t->acc += p->pred == it->answer, t->acc_norm += p->pred_norm == it->answer;
    t->chance += 1.0 / it->nch, t->truncated += (size_t)p->truncated;
}

/* ---- the unigram baseline ---- */

cn_status cn_unigram_init(cn_unigram *u, uint32_t vocab) {
    u->vocab = vocab, u->total = vocab; /* add-one */
    if (!(u->count = malloc(((size_t)vocab + 1) * sizeof *u->count))) return cn_fail(CN_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < vocab; i++) u->count[i] = 1;
    return CN_OK;
}

void cn_unigram_add(cn_unigram *u, const cn_doc *d) {
    for (uint32_t k = 0; k < d->n; k++) {
        uint32_t id = cn_doc_id(d, k);
        if (id < u->vocab) u->count[id]++;
        u->total++;
    }
}

void cn_unigram_score(const cn_unigram *u, const cn_doc *d, double *nll) {
    for (uint32_t k = 0; k < d->n; k++) {
        uint32_t id = cn_doc_id(d, k);
        *nll -= log((id < u->vocab ? u->count[id] : 1) / u->total);
    }
}

void cn_unigram_free(cn_unigram *u) {
    free(u->count);
    u->count = NULL;
}
