/* tok_gguf: a tokenizer.json as llama.cpp holds a tokenizer in a GGUF file
 * (the tokenizer.ggml.* keys), so that llama.cpp gives the ids given here.
 *
 * Two of llama.cpp's tokenizer models fit what tokenizer.json describes:
 *   llama  SentencePiece-style BPE (LLaMA2, Mistral, cn-vocab's): a Prepend
 *          or Metaspace space prefix, spaces as U+2581, byte fallback.
 *          llama.cpp does not read merges for it: it merges the adjacent
 *          pair whose joined text is the token of highest score. Each
 *          token's score here is minus the rank of the first merge that
 *          makes it, so that llama.cpp applies the merges in tokenizer.json's
 *          order; tokens no merge makes score lower than any.
 *   gpt2   byte-level BPE (GPT-2, LLaMA3): the merges themselves, and
 *          tokenizer.ggml.pre naming the pre-tokenizer's regex as llama.cpp
 *          knows it ("gpt-2", "llama-bpe").
 * Token types: special added tokens control, other added tokens
 * user-defined, <0xXX> byte, the unknown token unknown, the rest normal;
 * ids from the tokenizer's size up to the embedding's rows are "[PADn]"
 * tokens of type unused, as llama.cpp's converter pads them.
 *
 * Anything llama.cpp would tokenize differently (a normalizer other than the
 * space prefix and U+2581, a regex llama.cpp has no name for, WordPiece, a
 * subword prefix) is CN_EFORMAT naming it, before anything is written. */
#ifndef CN_TOK_GGUF_H
#define CN_TOK_GGUF_H
#include <stdint.h>
#include "gguf.h"
#include "tok.h"

/* llama.cpp's token types (llama_token_type) */
enum { CN_TOKT_NORMAL = 1, CN_TOKT_UNKNOWN = 2, CN_TOKT_CONTROL = 3, CN_TOKT_USER_DEFINED = 4, CN_TOKT_UNUSED = 5, CN_TOKT_BYTE = 6 };

typedef struct {
    uint32_t rows;               /* the embedding's rows (>= the tokenizer's size) */
    int64_t bos, eos, pad;       /* ids, -1: none */
    int add_bos, add_eos;        /* the post-processor puts them around a text */
    const char *chat_template;   /* Jinja, or NULL */
} cn_tok_gguf_opts;

/* Adds the tokenizer.ggml.* keys (and tokenizer.chat_template) to g. */
cn_status cn_tok_gguf(const cn_tok *t, const cn_tok_gguf_opts *o, cn_gguf *g);
/* The tokenizer.ggml.model t is written as ("llama" or "gpt2"), or NULL
 * with cn_errmsg() saying why llama.cpp has none that gives t's ids. */
const char *cn_tok_gguf_model(const cn_tok *t, const char **pre);
#endif
