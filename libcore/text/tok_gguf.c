/* tok_gguf: a tokenizer's tokenizer.ggml.* keys (tok_gguf.h). */
#include "tok_gguf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tok_impl.h"

#define SPACE_MARK "\xE2\x96\x81" /* U+2581, SentencePiece's space */

/* LLaMA3's pre-tokenizer regex, which llama.cpp calls "llama-bpe" */
static const char llama3_re[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
                                "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

static int is_str(const char *s, size_t n, const char *lit) { return n == strlen(lit) && memcmp(s, lit, n) == 0; }

/* SentencePiece-style: the normalizer only prefixes and marks spaces (or a
 * Metaspace pre-tokenizer does), as llama.cpp's llama tokenizer does itself */
static const char *spm_model(const cn_tok *t, int *space_prefix) {
    int marks = 0;
    *space_prefix = 0;
    for (size_t i = 0; i < t->nnorm; i++) {
        const tok_norm *z = &t->norm[i];
        if (z->type == NORM_PREPEND && is_str(z->a, z->alen, SPACE_MARK)) *space_prefix = 1;
        else if (z->type == NORM_REPLACE && is_str(z->a, z->alen, " ") && is_str(z->b, z->blen, SPACE_MARK)) marks = 1;
        else return cn_fail(CN_EFORMAT, "%s: a normalizer llama.cpp's llama tokenizer does not apply", t->name), NULL;
    }
    for (size_t i = 0; i < t->npre; i++) {
        const tok_pre *p = &t->pre[i];
        if (p->type != PRE_METASPACE || !is_str(p->rep, p->replen, SPACE_MARK))
            return cn_fail(CN_EFORMAT, "%s: a pre-tokenizer llama.cpp's llama tokenizer does not apply", t->name), NULL;
        /* llama.cpp does not cut at spaces: the same unless a token holds a
         * space mark after other text */
        if (p->split && !t->bpe.split_marker)
            return cn_fail(CN_EFORMAT, "%s: Metaspace splits words that llama.cpp would merge across", t->name), NULL;
        marks = 1;
        if (p->scheme != PREPEND_NEVER) *space_prefix = 1;
    }
    if (!marks) return cn_fail(CN_EFORMAT, "%s: spaces are not U+2581, as llama.cpp's llama tokenizer makes them", t->name), NULL;
    return "llama";
}

/* the llama.cpp model of t, its pre-tokenizer's name (gpt2) and whether a
 * space is put before the text (llama) */
static const char *model_of(const cn_tok *t, const char **pre, int *space_prefix) {
    *pre = NULL, *space_prefix = 0;
    const tok_bpe *b = &t->bpe;
    if (b->wordpiece) return cn_fail(CN_EFORMAT, "%s: WordPiece is not a tokenizer of llama.cpp's llama models", t->name), NULL;
    if (b->prefix_len || b->suffix_len)
        return cn_fail(CN_EFORMAT, "%s: a continuing-subword prefix or end-of-word suffix llama.cpp does not have", t->name), NULL;
    int bytelevel = 0;
    for (size_t i = 0; i < t->npre; i++) bytelevel |= t->pre[i].type == PRE_BYTELEVEL;
    if (!bytelevel) return spm_model(t, space_prefix);
    if (t->nnorm) return cn_fail(CN_EFORMAT, "%s: a normalizer before byte-level BPE, which llama.cpp does not apply", t->name), NULL;
    const tok_pre *p = t->pre;
    if (t->npre == 1 && p[0].type == PRE_BYTELEVEL && p[0].pattern && strcmp(p[0].pattern, tok_gpt2_re) == 0 && !b->ignore_merges)
        *pre = "gpt-2";
    else if (t->npre == 2 && p[0].type == PRE_SPLIT && p[0].pattern && strcmp(p[0].pattern, llama3_re) == 0 &&
             p[0].behavior == SPLIT_ISOLATED && !p[0].invert && p[1].type == PRE_BYTELEVEL && !p[1].re && b->ignore_merges)
        *pre = "llama-bpe";
    for (size_t i = 0; *pre && i < t->npre; i++)
        if (p[i].type == PRE_BYTELEVEL && p[i].prefix_space) *pre = NULL;
    if (!*pre) return cn_fail(CN_EFORMAT, "%s: a byte-level pre-tokenizer llama.cpp has no name for (it knows GPT-2's and LLaMA3's)", t->name), NULL;
    return "gpt2";
}

const char *cn_tok_gguf_model(const cn_tok *t, const char **pre) {
    int sp;
    return model_of(t, pre, &sp);
}

typedef struct {
    uint32_t rank, a, b, id;
} merge_row;

static int by_rank(const void *x, const void *y) {
    const merge_row *a = x, *b = y;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* the merges in rank order (*n of them; malloc'd) */
static merge_row *merges_by_rank(const cn_tok *t, size_t *n) {
    const tok_merges *m = &t->bpe.merges;
    size_t k = 0;
    for (size_t i = 0; i <= m->mask; i++) k += m->key[i] != UINT64_MAX;
    merge_row *r = malloc((k ? k : 1) * sizeof *r);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    k = 0;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->key[i] != UINT64_MAX) r[k++] = (merge_row){m->rank[i], (uint32_t)(m->key[i] >> 32), (uint32_t)m->key[i], m->id[i]};
    qsort(r, k, sizeof *r, by_rank);
    *n = k;
    return r;
}

cn_status cn_tok_gguf(const cn_tok *t, const cn_tok_gguf_opts *o, cn_gguf *g) {
    const char *pre;
    int space_prefix;
    const char *model = model_of(t, &pre, &space_prefix);
    if (!model) return cn_last_status();
    if (o->rows < t->size) return cn_fail(CN_ERANGE, "%s: %u tokens, beyond the %u embedding rows", t->name, t->size, o->rows);
    int spm = strcmp(model, "llama") == 0;
    uint32_t n = o->rows;
    char **tok = calloc(n, sizeof *tok);
    float *score = malloc(n * sizeof *score);
    int32_t *type = malloc(n * sizeof *type);
    size_t nm = 0;
    merge_row *mr = merges_by_rank(t, &nm);
    char **merge = calloc(nm ? nm : 1, sizeof *merge);
    cn_status st = tok && score && type && mr && merge ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (uint32_t i = 0; !st && i < n; i++) {
        if (i < t->size) {
            tok[i] = t->str[i];
            type[i] = cn_tok_is_byte(t, i) ? CN_TOKT_BYTE : CN_TOKT_NORMAL;
        } else {
            char pad[24];
            snprintf(pad, sizeof pad, "[PAD%u]", i);
            if (!(tok[i] = strdup(pad))) st = cn_fail(CN_ENOMEM, "out of memory");
            type[i] = CN_TOKT_UNUSED;
        }
        score[i] = -1e9f; /* made by no merge */
    }
    /* added tokens: control when special, else user-defined; the unknown token */
    for (size_t i = 0; !st && i < t->nadded; i++)
        if (t->added[i].id < n) type[t->added[i].id] = t->added[i].special ? CN_TOKT_CONTROL : CN_TOKT_USER_DEFINED;
    if (!st && t->bpe.has_unk) type[t->bpe.unk_id] = CN_TOKT_UNKNOWN;
    /* a token's score: minus the rank of the first merge that makes it */
    for (size_t k = nm; !st && k-- > 0;) score[mr[k].id] = -(float)mr[k].rank;
    for (size_t k = 0; !st && !spm && k < nm; k++) {
        size_t la = t->len[mr[k].a], lb = t->len[mr[k].b];
        if (!(merge[k] = malloc(la + lb + 2))) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        memcpy(merge[k], t->str[mr[k].a], la);
        merge[k][la] = ' ';
        memcpy(merge[k] + la + 1, t->str[mr[k].b], lb);
        merge[k][la + lb + 1] = 0;
    }
    if (!st) st = cn_gguf_str(g, "tokenizer.ggml.model", model);
    if (!st && pre) st = cn_gguf_str(g, "tokenizer.ggml.pre", pre);
    if (!st) st = cn_gguf_arr_str(g, "tokenizer.ggml.tokens", (const char *const *)tok, n);
    if (!st && spm) st = cn_gguf_arr_f32(g, "tokenizer.ggml.scores", score, n);
    if (!st) st = cn_gguf_arr_i32(g, "tokenizer.ggml.token_type", type, n);
    if (!st && !spm) st = cn_gguf_arr_str(g, "tokenizer.ggml.merges", (const char *const *)merge, nm);
    if (!st && spm) st = cn_gguf_bool(g, "tokenizer.ggml.add_space_prefix", space_prefix);
    if (!st && o->bos >= 0) st = cn_gguf_u32(g, "tokenizer.ggml.bos_token_id", (uint32_t)o->bos);
    if (!st && o->eos >= 0) st = cn_gguf_u32(g, "tokenizer.ggml.eos_token_id", (uint32_t)o->eos);
    if (!st && t->bpe.has_unk) st = cn_gguf_u32(g, "tokenizer.ggml.unknown_token_id", t->bpe.unk_id);
    if (!st && o->pad >= 0) st = cn_gguf_u32(g, "tokenizer.ggml.padding_token_id", (uint32_t)o->pad);
    if (!st) st = cn_gguf_bool(g, "tokenizer.ggml.add_bos_token", o->add_bos);
    if (!st) st = cn_gguf_bool(g, "tokenizer.ggml.add_eos_token", o->add_eos);
    if (!st && o->chat_template) st = cn_gguf_str(g, "tokenizer.chat_template", o->chat_template);
    for (uint32_t i = t->size; tok && i < n; i++) free(tok[i]);
    for (size_t k = 0; merge && k < nm; k++) free(merge[k]);
    free(tok);
    free(score);
    free(type);
    free(mr);
    free(merge);
    return st;
}
