/* tok: tokenizers from a Hugging Face tokenizer.json, giving the ids that
 * the Hugging Face `tokenizers` library gives.
 *
 * The tokenizer is built by component, as tokenizer.json composes it:
 *   added tokens  matched in the raw text first (leftmost-longest), then the
 *                 rest is normalized and matched again for normalized ones
 *   normalizer    Sequence, Prepend, Replace (string pattern), NFC, NFD, NFKC,
 *                 NFKD, Lowercase, StripAccents, BertNormalizer (utf8proc)
 *   pre-tokenizer Sequence, Metaspace, Split (regex through PCRE2, or a
 *                 string; all five behaviours; invert), ByteLevel,
 *                 BertPreTokenizer
 *   model         BPE (merges as "a b" or [a, b], byte_fallback, fuse_unk,
 *                 unk_token, ignore_merges, continuing_subword_prefix,
 *                 end_of_word_suffix), WordPiece
 *   post-process  Sequence, TemplateProcessing, ByteLevel, BertProcessing,
 *                 RobertaProcessing
 *   decoder       Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace,
 *                 ByteLevel, WordPiece
 * Any other component type is a load error that names it: never a silent
 * difference. */
#ifndef CN_TOK_H
#define CN_TOK_H

#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef struct cn_tok cn_tok;

/* A growable array of token ids (caller-owned; free with cn_ids_free). */
typedef struct {
    uint32_t *v;
    size_t n, cap;
} cn_ids;

cn_status cn_ids_push(cn_ids *a, uint32_t id);
void cn_ids_free(cn_ids *a);

/* Loads a tokenizer.json. Returns NULL on error with cn_errmsg() set, e.g.
 * "tok.json: pre_tokenizer type 'Split' is not supported". */
cn_tok *cn_tok_load(const char *path);
/* The same from the JSON text in memory (name is used in messages). */
cn_tok *cn_tok_parse(const char *json, size_t n, const char *name);
void cn_tok_free(cn_tok *t);

/* SHA-256 of the tokenizer.json bytes it was loaded from (the shard header's
 * tokenizer hash). */
const uint8_t *cn_tok_sha256(const cn_tok *t);

/* Ids are < cn_tok_vocab_size (the model's vocabulary and the added tokens). */
uint32_t cn_tok_vocab_size(const cn_tok *t);
/* The id of a token string, or -1. */
int64_t cn_tok_id(const cn_tok *t, const char *token, size_t n);
/* The string of an id (NUL-terminated, owned by t), or NULL. */
const char *cn_tok_token(const cn_tok *t, uint32_t id);
/* 1 when id is a byte-fallback token ("<0xXX>"): the decoder turns a run of
 * them into their bytes when those are UTF-8, else into one U+FFFD a byte,
 * so a byte token can change the text of the run before it. */
int cn_tok_is_byte(const cn_tok *t, uint32_t id);
/* 1 when token (n bytes) is one of t's added tokens: matched in the raw
 * text as a whole before anything else runs (a template's marker must be). */
int cn_tok_is_added(const cn_tok *t, const char *token, size_t n);
/* The added tokens, in tokenizer.json's order: their count, and the i-th's
 * content (NUL-terminated, owned by t; NULL when i is beyond them) and id. */
size_t cn_tok_added_count(const cn_tok *t);
const char *cn_tok_added(const cn_tok *t, size_t i, uint32_t *id);
/* A tokenizer.json (json, n bytes; name for messages) with ntok tokens
 * appended to its added_tokens as special ones (not normalized, no strip,
 * not single-word), token i with id ids[i]: an id of the vocabulary gives
 * that token added status, a new id (from the vocabulary's size on, in
 * order) grows the vocabulary, as Hugging Face's add_special_tokens does.
 * *out is the new JSON (malloc'd, NUL-terminated). CN_EFORMAT ("NAME:
 * what") when json is not an object or added_tokens not an array. */
cn_status cn_tok_json_add_special(const char *json, size_t n, const char *name, const char *const *tokens, const uint32_t *ids,
                                  size_t ntok, char **out);

enum {
    CN_TOK_ADD_SPECIAL = 1,     /* the post-processor's special tokens (<s>, [CLS] ...) */
    CN_TOK_LITERAL_SPECIAL = 2, /* special added tokens are plain text (HF encode_special_tokens) */
    /* the text continues text encoded before it: nothing is put in front of
     * its start (a Prepend normalizer's string, Metaspace's or ByteLevel's
     * prefix), as within one text; a token boundary falls there. Encoding
     * a text in parts this way at points that are token boundaries of the
     * whole (before a space for a Metaspace tokenizer, say) gives the
     * whole's ids. */
    CN_TOK_CONTINUE = 4,
};

/* Appends the ids of n bytes of UTF-8 text to out; errors: invalid UTF-8,
 * memory. Uses t's own scratch state: one thread at a time per t. */
cn_status cn_tok_encode(cn_tok *t, const char *text, size_t n, int flags, cn_ids *out);

/* Scratch state for encoding on several threads with one tokenizer: each
 * thread has its own state; t is only read. */
typedef struct cn_tok_state cn_tok_state;
cn_tok_state *cn_tok_state_new(const cn_tok *t);
void cn_tok_state_free(cn_tok_state *s);
cn_status cn_tok_encode_state(const cn_tok *t, cn_tok_state *s, const char *text, size_t n, int flags, cn_ids *out);

/* Encodes n texts on `threads` threads (OpenMP; 0: all), out[i] receiving
 * the ids of texts[i] (out[i] is reset first). states holds `threads` states,
 * made on first use and reused between calls (free them with
 * cn_tok_state_free). On error returns the first failing text's status, with
 * its index in *failed. */
cn_status cn_tok_encode_batch(const cn_tok *t, cn_tok_state **states, int threads, const char *const *texts,
                              const size_t *lens, size_t n, int flags, cn_ids *out, size_t *failed);

/* Calls fn for each pre-token of text as the model would receive it (after
 * added tokens are split out, normalization and pre-tokenization; added
 * tokens themselves are not passed), in order; stops at fn's first error. */
typedef cn_status (*cn_tok_word_fn)(const char *word, size_t n, void *arg);
cn_status cn_tok_pretokenize(const cn_tok *t, cn_tok_state *s, const char *text, size_t n, int flags, cn_tok_word_fn fn,
                             void *arg);
/* Appends the ids the model alone (BPE or WordPiece) gives one word: no
 * added tokens, normalizer, pre-tokenizer or post-processor. */
cn_status cn_tok_encode_model(cn_tok *t, const char *word, size_t n, cn_ids *out);
/* The ids the post-processor puts right before and right after a text (its
 * BOS and EOS; -1 for none): what training packs around each document. */
cn_status cn_tok_template(cn_tok *t, int64_t *bos, int64_t *eos);
/* Decodes ids to text through the decoder (skip_special: leave out special
 * added tokens). *text is malloc'd and NUL-terminated; the caller frees it. */
cn_status cn_tok_decode(const cn_tok *t, const uint32_t *ids, size_t n, int skip_special, char **text, size_t *len);

#endif
