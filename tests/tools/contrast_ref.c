/* contrast_ref: one contrastive micro-batch through a BERT model directory,
 * for tests/sh/contrast-ref.sh to redo in PyTorch.
 *   contrast_ref MODEL_DIR Q NEG T SCALE SEED OUT.safetensors
 * Q queries, Q positives and Q x NEG hard negatives as random token ids
 * ([CLS] ids [SEP], lengths from 3 to T, padded to T), seeded; runs
 * cn_contrast_step with its backward and writes the inputs (ids, valid), the
 * loss and every parameter's gradient ("grad." NAME). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "contrast.h"
#include "mdir.h"
#include "rng.h"
#include "st.h"

static void die(const char *what) {
    fprintf(stderr, "contrast_ref: %s: %s\n", what, cn_errmsg());
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: contrast_ref MODEL_DIR Q NEG T SCALE SEED OUT.safetensors\n");
        return 2;
    }
    cn_mdir md;
    if (cn_mdir_open(&md, argv[1], NULL, CN_MDIR_TOKENIZER)) die(argv[1]);
    int nq = atoi(argv[2]), neg = atoi(argv[3]), t = atoi(argv[4]), nc = nq + nq * neg, n = nq + nc;
    float scale = (float)atof(argv[5]);
    uint64_t seed = strtoull(argv[6], NULL, 10);
    cn_model *m = cn_model_new(&md.c, cn_ops_cpu());
    if (!m || cn_model_load(m, md.weights) || cn_model_batch(m, n, t)) die("model");
    int32_t *ids = calloc((size_t)n * t, sizeof *ids);
    uint8_t *valid = calloc((size_t)n * t, 1);
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    for (int s = 0; s < n; s++) {
        int len = 3 + (int)cn_rng_below(&r, (uint64_t)(t - 2));
        for (int j = 0; j < len; j++) {
            int32_t id = j == 0 ? (int32_t)md.bos : j == len - 1 ? (int32_t)md.eos : 5 + (int32_t)cn_rng_below(&r, (uint64_t)md.c.vocab - 5);
            ids[(size_t)s * t + j] = id, valid[(size_t)s * t + j] = 1;
        }
    }
    cn_contrast_batch b = {nq, nc, t, ids, valid};
    double loss;
    cn_model_zero_grad(m);
    if (cn_contrast_step(m, &b, scale, 1, &loss)) die("step");
    cn_st_writer *w = cn_st_writer_new();
    int64_t shape[2] = {n, t}, one = 1;
    float lossf = (float)loss;
    cn_st_add(w, "ids", CN_ST_I32, shape, 2, ids);
    cn_st_add(w, "valid", CN_ST_U8, shape, 2, valid);
    cn_st_add(w, "loss", CN_ST_F32, &one, 1, &lossf);
    int np = cn_model_nparams(m);
    float **g = calloc((size_t)np, sizeof *g);
    char (*names)[112] = calloc((size_t)np, sizeof *names);
    for (int i = 0; i < np; i++) {
        const cn_param *p = cn_model_param(m, i);
        g[i] = malloc(p->n * sizeof **g);
        if (cn_model_get_grad(m, i, g[i])) die("gradient");
        snprintf(names[i], sizeof names[i], "grad.%s", p->name);
        cn_st_add(w, names[i], CN_ST_F32, p->shape, p->ndim, g[i]);
    }
    if (cn_st_write(w, argv[7])) die(argv[7]);
    cn_st_writer_free(w);
    for (int i = 0; i < np; i++) free(g[i]);
    free(g), free(names), free(ids), free(valid);
    cn_model_free(m);
    cn_mdir_close(&md);
    return 0;
}
