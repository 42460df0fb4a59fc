/* vindex: a retrieval index directory (DESIGN.md "Vector index"):
 *
 *   index.faiss      the passages' vectors, FAISS's IndexFlatIP file (vec.h)
 *   passages.jsonl   one line a row, in the vectors' order: {"id", "doc",
 *                    "source", "start", "end", "text"} (the passage's id,
 *                    its document's id, the file it came from, its bytes
 *                    [start, end) in the document's text, its text)
 *   meta.json        what made it: the encoder (its directory and SHA-256
 *                    of its weights, cn_encoder_sha256), the tokenizer's
 *                    SHA-256, pooling, prompts, dims, count, the cutting
 *
 * Written as a whole or not at all (cn_out_commit_set: meta.json is removed
 * first and renamed last, so a directory with meta.json holds the files that
 * go with it); opened with the vectors mapped and the passages read. */
#ifndef CN_VINDEX_H
#define CN_VINDEX_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"
#include "vec.h"

typedef struct {
    char *id, *doc, *source; /* the passage's id, its document's, the file */
    size_t start, end;       /* bytes of the document's text */
    char *text;              /* NUL-terminated, len bytes */
    size_t len;
} cn_passage;

typedef struct {
    const char *encoder;           /* the encoder's directory, as given */
    char encoder_sha256[65];       /* of its weights (cn_encoder_sha256), lowercase hex */
    char tokenizer_sha256[65];     /* of its tokenizer.json */
    const char *query_prompt, *passage_prompt;
    int dim;
    int64_t count;
    int chunk_chars, overlap;      /* how documents were cut (passage.h) */
    int64_t truncated;             /* passages cut to fit the encoder */
} cn_vindex_meta;

/* ---- writing ---- */
typedef struct cn_vindex_writer cn_vindex_writer;
/* Starts the index of meta->count passages in dir (made when missing).
 * NULL on failure (cn_errmsg). */
cn_vindex_writer *cn_vindex_create(const char *dir, const cn_vindex_meta *meta);
/* The next row: its passage and vector (D floats). */
cn_status cn_vindex_add(cn_vindex_writer *w, const cn_passage *p, const float *vec);
/* CN_EINVAL unless meta->count rows came; then the three files are in
 * place, together. Frees w whatever the result. */
cn_status cn_vindex_commit(cn_vindex_writer *w);
/* Gives up: nothing is written (a directory it made is removed). Frees w. */
void cn_vindex_abort(cn_vindex_writer *w);

/* ---- reading ---- */
typedef struct cn_vindex cn_vindex;
/* Opens dir: meta.json, the vectors (mapped) and the passages, checked to
 * agree (CN_EFORMAT naming the file: "I/passages.jsonl: 99 passages, the
 * vectors 100", a file cut short, a wrong header ...). NULL on failure. */
cn_vindex *cn_vindex_open(const char *dir);
void cn_vindex_close(cn_vindex *ix);
/* meta.json as read: strings owned by ix */
const cn_vindex_meta *cn_vindex_meta_of(const cn_vindex *ix);
const cn_vec_index *cn_vindex_vectors(const cn_vindex *ix);
int64_t cn_vindex_count(const cn_vindex *ix);
const cn_passage *cn_vindex_passage(const cn_vindex *ix, int64_t row);

/* Whether encoder e (opened from dir) is the one that made the index in
 * ix_dir: the same weights and tokenizer (their SHA-256) and dims; CN_EINVAL
 * naming both otherwise ("DIR: another encoder than the index's ..."). */
struct cn_encoder;
cn_status cn_vindex_check_encoder(const cn_vindex *ix, const char *ix_dir, const struct cn_encoder *e, const char *dir);
#endif
