/* bpe: BPE training and vocabulary augmentation (ChipNeMo, arXiv 2311.00176
 * section III-A).
 *
 * Training learns merges from word counts, as SentencePiece and Hugging Face
 * do, and writes a tokenizer.json that libcore's tok and Hugging Face
 * tokenizers both load:
 *   CN_BPE_SPM   SentencePiece-style BPE as LLaMA2: normalizer Prepend "▁" +
 *                Replace " " -> "▁", no pre-tokenizer, byte fallback (<0xXX>),
 *                <unk> <s> </s>; words are cut before each "▁" (a run of them
 *                stays one word but for its last, which starts the next word,
 *                as SentencePiece's allow_whitespace_only_pieces); the
 *                alphabet is the characters covering char_coverage of the
 *                text, the rest falls back to bytes.
 *   CN_BPE_BYTE  byte-level BPE as GPT-2: ByteLevel pre-tokenizer with its
 *                regex, 256 byte symbols, <|endoftext|>.
 * Merges go to the most frequent pair (ties: the smaller left id, then right
 * id), so the result is deterministic. Word counts are kept within
 * max_memory by dropping the rarest words when it is reached.
 *
 * Augmentation appends domain tokens to a base tokenizer: the candidates are
 * a domain tokenizer's tokens that the base lacks, that use only characters
 * the base has as tokens (and no digits when the base splits digits, as
 * LLaMA2 does), and that are rare in general text; the most
 * frequent in the domain are appended with ids from the base size on, each
 * with a merge for every split into two tokens, after all the base merges
 * (text the new tokens do not cover encodes as before). Tokens that never
 * form when the domain corpus is encoded are replaced by the next candidates. */
#ifndef CN_BPE_H
#define CN_BPE_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef enum { CN_BPE_SPM = 1, CN_BPE_BYTE = 2 } cn_bpe_type;

typedef struct {
    cn_bpe_type type;
    uint32_t vocab_size;  /* every token: special, byte, character, merged */
    double char_coverage; /* CN_BPE_SPM: the share of characters the alphabet covers (0.9995) */
    uint32_t max_chars;   /* CN_BPE_SPM: longest token in characters (16); 0: no limit */
    uint64_t min_count;   /* a pair seen fewer times is never merged (2) */
    size_t max_memory;    /* bound on the word counts (bytes); 0: none */
} cn_bpe_opts;

void cn_bpe_opts_init(cn_bpe_opts *o, cn_bpe_type type, uint32_t vocab_size);

typedef struct cn_bpe_trainer cn_bpe_trainer;
cn_bpe_trainer *cn_bpe_trainer_new(const cn_bpe_opts *o);
void cn_bpe_trainer_free(cn_bpe_trainer *tr);
/* Counts the words of one document (UTF-8). */
cn_status cn_bpe_add_text(cn_bpe_trainer *tr, const char *text, size_t n);
/* Documents, distinct words and words dropped to stay within max_memory. */
/* the vocabulary cn_bpe_train made: below vocab_size when no pair is left
 * that occurs min_count times (as HF's BpeTrainer, which stops there too) */
uint32_t cn_bpe_made(const cn_bpe_trainer *tr);
void cn_bpe_counts(const cn_bpe_trainer *tr, uint64_t *docs, uint64_t *words, uint64_t *dropped);
/* Learns the merges; *json (malloc'd, NUL-terminated) is the tokenizer.json.
 * progress, when set, is called now and then with merges done and wanted. */
cn_status cn_bpe_train(cn_bpe_trainer *tr, char **json, size_t *len, void (*progress)(uint32_t done, uint32_t want));

/* A corpus as the augmentation reads it, possibly several times: calls each
 * on every document in order; returns each's first error. */
typedef struct {
    cn_status (*for_each)(void *src, cn_status (*each)(const char *text, size_t n, void *ctx), void *ctx);
    void *src;
} cn_bpe_corpus;

typedef struct {
    uint32_t add;           /* tokens to append */
    double general_frac;    /* drop a candidate whose rate per byte in general text is
                               at least this share of its rate in domain text (0.25) */
    double min_fire;        /* the share of added tokens that must occur when the
                               domain corpus is encoded (0.8) */
    int rounds;             /* replacement rounds for tokens that never form (6) */
    uint32_t domain_vocab;  /* vocabulary of the domain tokenizer trained here (0: 4 x add) */
    size_t max_memory;      /* for that training */
    int threads;
    /* when set, called with a line of news per round (no newline; the
     * caller prints it, or not: libcore never prints) */
    void (*note)(void *ctx, const char *line);
    void *note_ctx;
} cn_bpe_augment_opts;

void cn_bpe_augment_opts_init(cn_bpe_augment_opts *o, uint32_t add);

typedef struct {
    uint32_t base_size, added, candidates, dropped_bytes, dropped_digits, dropped_general, fired, rounds;
} cn_bpe_augment_stats;

/* Appends o->add domain tokens to the SentencePiece-style BPE base_json.
 * domain_tok_json: a domain tokenizer to take candidates from, or NULL to
 * train one on domain. Outputs the augmented tokenizer.json and the map, one
 * line per new token {"id": ..., "piece": ..., "base_ids": [...]} (base_ids:
 * the piece through the base's BPE model alone); both malloc'd. */
cn_status cn_bpe_augment(const cn_bpe_augment_opts *o, const char *base_json, size_t base_len, const char *domain_tok_json,
                         size_t domain_tok_len, const cn_bpe_corpus *domain, const cn_bpe_corpus *general, char **json,
                         size_t *json_len, char **map, size_t *map_len, cn_bpe_augment_stats *stats);

/* The map read back (map.jsonl, a file or "-"): one row per line, its id and
 * base_ids. *rows (malloc'd, each base too) holds *n rows; free them with
 * cn_bpe_map_free. Errors name the file and line ("map.jsonl:3: a map line
 * needs \"id\" and \"base_ids\""); nothing is then left to free. */
typedef struct {
    uint32_t id;
    uint32_t *base; /* [nbase] the piece's ids in the base tokenizer */
    uint32_t nbase;
} cn_bpe_map_row;
cn_status cn_bpe_map_read(const char *path, cn_bpe_map_row **rows, size_t *n);
void cn_bpe_map_free(cn_bpe_map_row *rows, size_t n);
#endif
