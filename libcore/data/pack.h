/* pack: documents packed into training sequences, as Megatron/NeMo do: the
 * stream of [BOS] doc EOS [BOS] doc EOS ... is cut into samples of T + 1
 * tokens, consecutive samples sharing one token, so every token but the last
 * of the stream is a target once. Each sample carries its inputs (T ids),
 * targets (T ids), the document index of each input within the sample
 * (segments, for a mask that keeps attention inside documents) and positions
 * that restart at each document's start when asked. The sources are read in
 * order; at the end of the last one the stream starts again from the first
 * (another epoch) when they can be read again. */
#ifndef CN_PACK_H
#define CN_PACK_H
#include <stdint.h>
#include "jsonl.h"
#include "log.h"
#include "shard.h"

typedef struct cn_packer cn_packer;

typedef struct {
    int t;               /* tokens per sequence */
    int64_t bos, eos;    /* ids added around each document (-1: none) */
    int restart_pos;     /* positions restart at each document (with the segment mask) */
    uint32_t vocab_size; /* ids must be below */
} cn_pack_opts;

/* Takes the sources (owned after success). */
cn_packer *cn_packer_new(cn_docsrc **srcs, int n, const cn_pack_opts *o);
void cn_packer_free(cn_packer *p);
/* The next sample: ids, targets, segment, pos each [T]. CN_EOF when the
 * data ends and cannot be read again. */
cn_status cn_packer_next(cn_packer *p, int32_t *ids, int32_t *targets, int32_t *segment, int32_t *pos);
/* Where the packer is, for a checkpoint: documents loaded, the place in the
 * current one, the token carried to the next sample. */
typedef struct {
    uint64_t docs, dpos, carry_doc;
    int32_t pos, carry, carry_pos;
    int have_carry, ended;
} cn_pack_state;
void cn_packer_state(const cn_packer *p, cn_pack_state *s);
/* On a fresh packer over the same data: reads the documents again up to the
 * state (so a stream on stdin is read as far again) and continues from there. */
cn_status cn_packer_restore(cn_packer *p, const cn_pack_state *s);
/* The state as trainer.json's "data" object (added to o), and back: every
 * field checked (CN_EFORMAT naming where) before the packer sees it. */
void cn_pack_state_to_json(const cn_pack_state *s, cJSON *o);
cn_status cn_pack_state_from_json(const cJSON *o, const char *where, cn_pack_state *s);
/* Tokens taken from the sources so far, and passes over them. */
uint64_t cn_packer_tokens(const cn_packer *p);
uint64_t cn_packer_epochs(const cn_packer *p);
/* The passes over the data as a fraction once one pass ended (its tokens
 * known); before that, 0. */
double cn_packer_passes(const cn_packer *p);
#endif
