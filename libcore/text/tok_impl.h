/* tok_impl: the inside of a cn_tok, shared by the files of the tok module. */
#ifndef CN_TOK_IMPL_H
#define CN_TOK_IMPL_H

struct cJSON;

#include "tok.h"
#include "tok_base.h"

typedef struct {
    uint64_t *key;  /* left << 32 | right, UINT64_MAX empty */
    uint32_t *rank, *id;
    size_t mask;
} tok_merges;

typedef struct {
    tok_merges merges;
    int byte_fallback, fuse_unk, ignore_merges, has_unk;
    uint32_t unk_id;
    int32_t byte_id[256];       /* <0xXX> pieces, -1 when absent */
    char prefix[16], suffix[16]; /* continuing_subword_prefix, end_of_word_suffix */
    size_t prefix_len, suffix_len;
    int wordpiece;              /* the model is WordPiece (prefix, unk_id, max_chars) */
    int split_marker;           /* words may be merged in parts split before U+2581 (see tok_bpe_word) */
    size_t max_chars;
} tok_bpe;

/* scratch for one word's merges */
typedef struct tok_work {
    uint32_t *id, *len;
    int32_t *prev, *next;
    void *heap;
    size_t n, nheap, cap;
} tok_work;

typedef struct {
    char *content;
    uint32_t len, id;
    int special, normalized, lstrip, rstrip, single_word;
    char *norm;     /* content after the normalizer (normalized tokens) */
    uint32_t norm_len;
} tok_added;

enum {
    NORM_PREPEND, NORM_REPLACE,
    /* Unicode steps (tok_uni.c) */
    NORM_LOWERCASE, NORM_STRIP_ACCENTS, NORM_STRIP_MARKS, NORM_NFC, NORM_NFD, NORM_NFKC, NORM_NFKD, NORM_BERT_CLEAN, NORM_BERT_CHINESE,
    NORM_BERT_NFD,
};
typedef struct {
    int type;
    char *a, *b;    /* prepend: a; replace: a -> b */
    size_t alen, blen;
} tok_norm;

enum { PRE_METASPACE, PRE_SPLIT, PRE_BYTELEVEL, PRE_BERT };
enum { PREPEND_ALWAYS, PREPEND_FIRST, PREPEND_NEVER };
enum { SPLIT_REMOVED, SPLIT_ISOLATED, SPLIT_MERGED_PREV, SPLIT_MERGED_NEXT, SPLIT_CONTIGUOUS };
typedef struct {
    int type;
    char rep[8];    /* Metaspace: the replacement character, UTF-8 */
    size_t replen;
    int scheme, split;
    void *re;       /* Split, ByteLevel with use_regex: pcre2_code */
    char *pattern;  /* its source (what a converter names it by) */
    char *lit;      /* Split on a string */
    size_t litlen;
    int behavior, invert;
    int prefix_space; /* ByteLevel add_prefix_space */
} tok_pre;

enum { DEC_REPLACE, DEC_BYTEFALLBACK, DEC_FUSE, DEC_STRIP, DEC_METASPACE, DEC_BYTELEVEL, DEC_WORDPIECE };
typedef struct {
    int type;
    char *a, *b;
    size_t alen, blen;
    int start, stop, prepend;
} tok_dec;

/* one item of a TemplateProcessing "single": special ids, or the sequence */
typedef struct {
    int is_seq;
    uint32_t *ids;
    size_t n;
} tok_tpl;

struct cn_tok {
    char *name;
    uint8_t sha256[32];  /* of the tokenizer.json bytes */
    /* vocabulary: ids 0 .. size-1, model's first, then added tokens */
    char **str;
    uint32_t *len;
    uint32_t size, model_size;
    tok_map map;
    tok_bpe bpe;
    tok_added *added;
    size_t nadded;
    /* added tokens by first byte, longest first: raw ones [0], normalized [1] */
    uint32_t *by_first[2][256];
    uint32_t nfirst[2][256];
    tok_norm *norm;
    size_t nnorm;
    tok_pre *pre;
    size_t npre;
    tok_dec *dec;
    size_t ndec;
    tok_tpl *tpl;
    size_t ntpl;
    uint8_t *is_special; /* (size) special added token */
    cn_tok_state *state; /* for cn_tok_encode */
};

/* the id of a vocabulary string (cn_tok_id), -1 when absent */
static inline int64_t tok_id(const cn_tok *t, const char *s, size_t n) { return tok_map_get(&t->map, t->str, t->len, s, n); }

/* what one encoding thread writes: scratch strings, the merge work, and per
 * pre-tokenizer level an output buffer and regex match data */
struct cn_tok_state {
    tok_work work;
    cn_tok_word_fn word_fn; /* set: pre-tokens go to it instead of the model */
    void *word_arg;
    char *buf[3];
    size_t bufcap[3];
    size_t nlvl;
    char **lbuf;
    size_t *lcap;
    void **md;
};

cn_status tok_merges_init(tok_merges *m, size_t n);
void tok_merges_free(tok_merges *m);
void tok_merges_put(tok_merges *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t id);
/* appends the BPE ids of one word */
cn_status tok_bpe_word(const cn_tok *t, tok_work *w, const char *s, size_t n, cn_ids *out);
/* runs load on every element of a JSON array (a Sequence's components) */
cn_status tok_each(cn_tok *t, const void *array, cn_status (*load)(cn_tok *t, const struct cJSON *o));
/* grows *buf (capacity *cap) to at least n bytes; NULL when memory runs out */
char *tok_grow(char **buf, size_t *cap, size_t n);
/* the match data a level's regex needs (NULL when it has none) */
void *tok_pre_match_data(const tok_pre *p);
void tok_pre_match_data_free(void *md);
/* pre-tokenizers (tok_pre.c): loading one, running the chain from level k on a
 * piece down to the model. at_start: 1 when the piece begins the original
 * text, 0 when it follows other text of it, TOK_CONTINUED when it begins a
 * text that continues one encoded before (CN_TOK_CONTINUE: no prefix). A
 * part that does not begin the piece is 0 (TOK_AT(at_start, begins)). */
#define TOK_CONTINUED (-1)
#define TOK_AT(at_start, begins) ((begins) ? (at_start) : 0)
/* GPT-2's pattern, ByteLevel's with use_regex */
extern const char tok_gpt2_re[];
cn_status tok_pre_load(cn_tok *t, const struct cJSON *o);
cn_status tok_pre_run(const cn_tok *t, cn_tok_state *st, size_t k, const char *s, size_t n, int at_start, cn_ids *out);
void tok_pre_free(tok_pre *p);
/* tok_uni.c */
/* 1 when the UTF-8 character at s (n bytes left) / the one ending at s + n is
 * a word character as Rust regex's \w has it (HF's single_word test) */
int tok_word_at(const char *s, size_t n);
int tok_word_before(const char *s, size_t n);
cn_status tok_norm_unicode(const tok_norm *z, char *dst, const char *s, size_t n, size_t *outn);
/* Rust's char::is_whitespace; BERT's punctuation (ASCII or a Unicode P*) */
int tok_is_space(int32_t c);
int tok_is_punct(int32_t c);
cn_status tok_bert_split(const cn_tok *t, cn_tok_state *st, size_t k, const char *s, size_t n, int at_start, cn_ids *out);
cn_status tok_wordpiece_word(const cn_tok *t, const char *s, size_t n, cn_ids *out);
cn_status tok_metaspace(cn_tok *t, const struct cJSON *o, char *rep, size_t *replen, int *scheme);
void tok_work_free(tok_work *w);

#endif
