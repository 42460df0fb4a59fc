/* mdir: a Hugging Face model directory, opened and written in one place.
 *
 *   config.json                    the shape (config.h)
 *   model.safetensors              the weights, or model.safetensors.index.json
 *                                  and its shards (st.h; transformers' order)
 *   tokenizer.json                 the tokenizer (tok.h)
 *   tokenizer_config.json          BOS/EOS strings and the chat template (chat.h)
 *   generation_config.json         the sampling defaults
 *
 * Opening reads the config and the tokenizer and checks that they agree:
 * every id the tokenizer gives (each added token's included) must have a row
 * in the embedding, the failure llama.cpp users meet after a vocabulary is
 * extended and the model is not. A tokenizer given in place of the
 * directory's (a tool's -t) must be the same file, by SHA-256, unless the
 * caller says another is expected (a vocabulary being grown). */
#ifndef CN_MDIR_H
#define CN_MDIR_H
#include <stdint.h>
#include "chat.h"
#include "config.h"
#include "log.h"
#include "tok.h"

typedef struct {
    const char *dir;  /* as given to cn_mdir_open (not copied) */
    cn_config c;      /* config.json */
    char *weights;    /* the weights file (cn_st_dir_weights; it may not exist) */
    char *tok_path;   /* the tokenizer used: the one given, else DIR/tokenizer.json; NULL when none */
    cn_tok *tok;      /* loaded from tok_path; NULL when none */
    int64_t bos, eos; /* the ids put around a document (cn_mdir_doc_ids); -1: none */
} cn_mdir;

enum {
    CN_MDIR_TOKENIZER = 1,       /* a tokenizer is required: CN_EIO naming DIR/tokenizer.json when there is none */
    CN_MDIR_OTHER_TOKENIZER = 2, /* the given tokenizer may differ from DIR's and outgrow the embedding: the caller
                                    checks it (cn_mdir_check_vocab) once the model has grown */
};

/* Opens DIR: its config, and the tokenizer (the file tokenizer names, else
 * DIR/tokenizer.json when there is one), checked against the config (unless
 * CN_MDIR_OTHER_TOKENIZER). Errors (nothing is then left to close):
 * the config's or the tokenizer's (CN_EFORMAT, CN_EIO ...); CN_EIO when
 * CN_MDIR_TOKENIZER and there is none; CN_ERANGE when the tokenizer has ids
 * beyond the embedding (cn_mdir_check_vocab); CN_EMISMATCH when the tokenizer
 * given is not DIR's own ("T: not DIR/tokenizer.json (SHA-256 differs)"). */
cn_status cn_mdir_open(cn_mdir *d, const char *dir, const char *tokenizer, int flags);
void cn_mdir_close(cn_mdir *d);

/* CN_ERANGE unless every id of t (named tname) has a row among the
 * embedding's rows (of the model named model): the message names the first
 * added token beyond them, else the two sizes, e.g. "aug.json: 662 tokens,
 * beyond the 650 embedding rows of the model (base)". A vocabulary smaller than the embedding is fine
 * (embeddings are often padded to a multiple of 64). */
cn_status cn_mdir_check_vocab(const cn_tok *t, const char *tname, int rows, const char *model);

/* The ids put around each document: those the tokenizer's post-processor
 * adds (cn_tok_template), EOS falling back to the config's (LLaMA's template
 * adds none); without a tokenizer the config's own. -1: none. */
cn_status cn_mdir_doc_ids(const cn_config *c, cn_tok *t, int64_t *bos, int64_t *eos);

/* generation_config.json: what a file leaves out is transformers' default
 * (max_new_tokens, which transformers has none of, is -1 then). */
#define CN_MDIR_MAX_EOS 8
typedef struct {
    int do_sample;
    double temperature, top_p, repetition_penalty;
    long top_k, max_new_tokens, min_new_tokens;
    int64_t eos[CN_MDIR_MAX_EOS]; /* eos_token_id, a number or a list (the first CN_MDIR_MAX_EOS) */
    int neos;
} cn_mdir_gen;
/* Reads DIR/generation_config.json into g (the defaults when there is no
 * such file). CN_EFORMAT naming the file when it is not a JSON object. */
cn_status cn_mdir_generation(const char *dir, cn_mdir_gen *g);

/* Writing. The model's own files are the model's (cn_model_save,
 * cn_model_save_adapter); these write the rest, atomically each. */

/* DIR/tokenizer.json: a copy of the file at path. The one place a tokenizer
 * goes into a model directory or a checkpoint. */
cn_status cn_mdir_write_tokenizer(const char *dir, const char *path);

/* The files a trained model takes over from the directory it started
 * from, as transformers' save_pretrained keeps a model's generation config
 * and its tokenizer's: generation_config.json, and tokenizer_config.json
 * (chat template, special tokens), which describes a tokenizer and so goes
 * only with that same tokenizer. Each is copied from `from` to `to` where
 * `from` has it; from NULL, or the same directory as to, is nothing to do. */
enum { CN_MDIR_CARRY_GENERATION = 1, CN_MDIR_CARRY_TOKCFG = 2 };
cn_status cn_mdir_carry(const char *to, const char *from, int what);

/* The files that make DIR a sentence-transformers model as well
 * (SentenceTransformer(DIR) loads it): modules.json (Transformer, Pooling,
 * Normalize), 1_Pooling/config.json (mean tokens), an empty 2_Normalize/,
 * sentence_bert_config.json (max_seq_length) and
 * config_sentence_transformers.json with the query and passage prompts. */
cn_status cn_mdir_write_sentence_transformers(const char *dir, int dim, int max_seq, const char *query_prompt, const char *passage_prompt);

/* DIR/tokenizer_config.json naming a chat template, as transformers reads it. */
typedef struct {
    const char *bos, *eos;        /* the BOS and EOS strings ("" for none) */
    cn_chat_template tpl;         /* chat_template (its Jinja) and its name */
    const char *const *added;     /* special tokens listed in added_tokens_decoder (may be NULL) */
    const int64_t *added_ids;     /* their ids */
    int nadded;
} cn_mdir_tokcfg;
cn_status cn_mdir_write_tokenizer_config(const char *dir, const cn_mdir_tokcfg *tc);
#endif
