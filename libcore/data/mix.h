/* mix: weighted, deterministic, resumable blending of document sources into
 * one shard stream, as Megatron/NeMo blend datasets.
 *
 * Weights are shares of output tokens. Each next document comes from the
 * source whose realised token count lags its share the most (greedy largest
 * deficit, ties to the earliest source), so that at every prefix of the output
 * each source is within about one document of its share. */
#ifndef CN_MIX_H
#define CN_MIX_H

#include <stdint.h>
#include "log.h"
#include "shard.h"

typedef struct {
    uint64_t tokens;    /* stop once this many tokens are out (0: see epochs) */
    uint64_t epochs;    /* sources may repeat up to this many epochs (0: no repeat unless tokens) */
    uint64_t seed;      /* for shuffle */
    uint64_t skip_docs; /* documents of the stream not written (resume) */
    int shuffle;        /* permute documents within each source, anew each epoch */
    int force;          /* allow different tokenizers or flags */
    cn_docsrc_opts src; /* how to open the sources */
} cn_mix_opts;

typedef struct {
    const char *name;
    double weight;          /* normalised */
    uint64_t docs, tokens;  /* written (after skip_docs) */
    double epochs;          /* passes over the source, fractional when its size is known */
    int sized;              /* its size is known (0: not read to its end yet) */
} cn_mix_stats;

typedef struct cn_mix cn_mix;

void cn_mix_opts_init(cn_mix_opts *o);
cn_mix *cn_mix_new(const cn_mix_opts *o);
void cn_mix_free(cn_mix *m);
/* Opens and adds a source. CN_EINVAL for a source the options cannot use
 * (--shuffle without random access, two stdin sources), CN_EMISMATCH for a
 * tokenizer or flags different from the first source (unless force), other
 * errors from opening it. */
cn_status cn_mix_add(cn_mix *m, double weight, const char *path);
/* Writes the blend to out as one shard (out is not committed here). prog may
 * be NULL. */
cn_status cn_mix_run(cn_mix *m, cn_out *out, cn_progress *prog);
size_t cn_mix_sources(const cn_mix *m);
void cn_mix_stat(const cn_mix *m, size_t i, cn_mix_stats *s);

#endif
