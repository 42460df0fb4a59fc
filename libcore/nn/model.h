/* model: the transformer of config.h on a cn_ops backend. Parameters live in
 * one allocation, gradients of the trainable ones in another, AdamW's moments
 * in two more; each tensor keeps its Hugging Face name, so a model loads from
 * and saves to a transformers checkpoint directory unchanged. Activations for
 * a batch of B sequences of T tokens are one allocation sized from the
 * config (cn_model_memory says how much before anything is allocated).
 *
 * LLaMA: logits and the mean cross-entropy of next-token targets; BERT: the
 * last hidden states, and for training a loss given by the caller as the
 * gradient of the hidden states. */
#ifndef CN_MODEL_H
#define CN_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "log.h"
#include "ops.h"

typedef struct {
    char name[96];
    int ndim;
    int64_t shape[2];
    size_t off, n;   /* in the parameter buffer */
    size_t goff;     /* in the gradient buffer, or SIZE_MAX when frozen */
    int trainable;
    int lora;        /* a LoRA adapter tensor: saved with the adapter, not the model */
    int decay;       /* AdamW weight decay applies (not to norms and biases) */
} cn_param;

typedef struct cn_model cn_model;

/* What one training step needs, in bytes (parameters, gradients, moments,
 * activations for B x T), before allocating any of it. */
typedef struct {
    uint64_t params, grads, moments, acts, total;
} cn_model_mem;
void cn_model_memory(const cn_config *c, int b, int t, int trainable_all, cn_model_mem *m);

/* A model with every parameter zero (cn_model_init_random or _load fill it). */
cn_model *cn_model_new(const cn_config *c, const cn_ops *ops);
void cn_model_free(cn_model *m);
const cn_config *cn_model_config(const cn_model *m);
int cn_model_nparams(const cn_model *m);
const cn_param *cn_model_param(const cn_model *m, int i);
/* The index of a parameter by HF name, or -1. */
int cn_model_find(const cn_model *m, const char *name);
/* Host copies of a parameter's values or gradient (n floats). */
cn_status cn_model_get(const cn_model *m, int i, float *dst);
cn_status cn_model_set(cn_model *m, int i, const float *src);
cn_status cn_model_get_grad(const cn_model *m, int i, float *dst);

/* Normal(0, std) weights, norms one, biases zero; deterministic in seed. */
void cn_model_init_random(cn_model *m, uint64_t seed, float std);
/* Loads the parameters from a checkpoint (safetensors file, index or
 * directory); F32, F16, BF16 are converted to fp32. A tied head needs no
 * lm_head.weight; BERT names may carry a "bert." prefix. */
cn_status cn_model_load(cn_model *m, const char *path);
/* Reads a checkpoint one tensor at a time, without making the model (what a
 * converter does with a model of any size): fn gets each parameter of c's
 * model in the model's order, with its values as fp32, each found and
 * checked as cn_model_load does; a tied head comes once, as the embedding.
 * Stops at fn's first error. path NULL: the parameters alone, x NULL (what
 * a converter declares before it writes). */
typedef cn_status (*cn_model_read_fn)(const cn_param *p, const float *x, void *arg);
cn_status cn_model_read_each(const cn_config *c, const char *path, cn_model_read_fn fn, void *arg);
/* A row added to the embedding (and head): token id, and the base
 * tokenizer's pieces of it whose rows it starts as the mean of. */
typedef struct {
    uint32_t id;
    const uint32_t *base;
    uint32_t nbase;
} cn_new_row;
/* Loads a checkpoint whose vocabulary is smaller than m's (a base model
 * before tokenizer augmentation): every tensor as cn_model_load, but the
 * embedding and an untied head, whose first rows come from the checkpoint and
 * whose new rows (ids from its vocabulary size up to m's, each given exactly
 * once in rows) are the mean of the base rows of their pieces; the head's
 * new rows are that mean too, or zero with head_zero. */
cn_status cn_model_load_grown(cn_model *m, const char *path, const cn_new_row *rows, size_t n, int head_zero);
/* Writes DIR/config.json and DIR/model.safetensors (fp32). */
cn_status cn_model_save(const cn_model *m, const char *dir);

/* Trainable and frozen parameters: a frozen one gets no gradient and no
 * moments (nothing is allocated for it). Set them, then commit: the gradient
 * buffer is laid out again for the trainable ones (and zeroed). */
void cn_model_set_trainable(cn_model *m, int i, int trainable);
cn_status cn_model_commit_trainable(cn_model *m);
/* Floats of gradient storage (the trainable parameters). */
size_t cn_model_grad_size(const cn_model *m);

/* Gradient accumulation over micro-batches that matches summing them across
 * ranks bit for bit: each micro-batch's gradients are computed alone (zero
 * them first), then cn_model_accumulate adds them to a running sum (first:
 * the sum starts at them), and cn_model_accumulated makes the sum the
 * gradients. */
cn_status cn_model_accumulate(cn_model *m, int first);
void cn_model_accumulated(cn_model *m);
/* The gradient buffer itself (backend memory) and its length in floats, for
 * summing it across ranks. */
float *cn_model_grad_data(cn_model *m, size_t *n);

/* The gradients' L2 norm (deterministic); scales them by s. */
double cn_model_grad_norm(const cn_model *m);
void cn_model_scale_grad(cn_model *m, float s);
/* One AdamW step (torch.optim.AdamW) on the trainable parameters; weight
 * decay only where cn_param.decay (matrices, not norms or biases); step from
 * 1; the moments are allocated on the first call. */
cn_status cn_model_adamw(cn_model *m, float lr, float beta1, float beta2, float eps, float wd, int64_t step);

/* ZeRO stage 1 (Rajbhandari et al. 2020): AdamW's moments sharded across
 * nparts ranks. Part `part` owns a contiguous run of whole trainable
 * parameters (about 1 / nparts of the gradients) and holds and updates only
 * their moments: cn_model_adamw steps only them, and cn_model_shard_sync
 * then gives every rank the others' new weights (an all-gather through the
 * gradient buffer, whose gradients the step has used). Moments held already
 * (whole, as a checkpoint loads them) are cut to the part. The results are
 * the unsharded optimizer's, bit for bit. The moments of another part's
 * parameter are CN_EINVAL to get or set; cn_model_unshard gathers them all
 * on every rank (a checkpoint) and ends the sharding. A new trainable
 * layout (cn_model_commit_trainable) ends it too. */
typedef cn_status (*cn_allgather_fn)(float *x, const size_t *off); /* part r's x[off[r] .. off[r+1]) to every part */
cn_status cn_model_shard_optimizer(cn_model *m, int part, int nparts);
/* the parts' bounds in the gradient buffer, off[0..nparts] (NULL, 0: not sharded) */
const size_t *cn_model_shard_bounds(const cn_model *m, int *nparts);
cn_status cn_model_shard_sync(cn_model *m, cn_allgather_fn gather);
cn_status cn_model_unshard(cn_model *m, cn_allgather_fn gather);

/* Precision of the products. CN_PREC_BF16 is mixed precision as the big
 * trainers do it: every matrix product of the forward and backward takes
 * bf16 operands with fp32 sums (cn_ops.matmul_bf16); the weights' bf16
 * copies are made from the fp32 master weights before the first forward
 * after they change (a step, a set, a load, a LoRA merge); master weights,
 * gradients, moments, activations, norms, attention, softmax and loss stay
 * fp32 (no loss scaling: bf16 has fp32's range). LoRA adapters' own small
 * products stay fp32. Checkpoints hold the fp32 master weights, the same
 * files in either precision. The default is CN_PREC_FP32. */
typedef enum { CN_PREC_FP32, CN_PREC_BF16 } cn_precision;
cn_status cn_model_set_precision(cn_model *m, cn_precision p);
/* "fp32" or "bf16" -> *p; CN_EINVAL otherwise */
cn_status cn_precision_parse(const char *s, cn_precision *p);
const char *cn_precision_name(cn_precision p);

/* AdamW's moments of parameter i, host copies (zero before the first step);
 * set allocates them when needed. CN_EINVAL for a frozen parameter. */
cn_status cn_model_get_moments(const cn_model *m, int i, float *m1, float *m2);
cn_status cn_model_set_moments(cn_model *m, int i, const float *m1, const float *m2);

/* Training mode: LoRA dropout is applied (with masks drawn from seed) only
 * in it; off by default. */
void cn_model_set_training(cn_model *m, int training, uint64_t seed);

/* Allocates the activations for b sequences of t tokens. */
cn_status cn_model_batch(cn_model *m, int b, int t);

typedef struct {
    const int32_t *ids;     /* [B*T] */
    const int32_t *pos;     /* [B*T] or NULL: 0..T-1 in each sequence */
    const int32_t *segment; /* [B*T] or NULL: attention stays within a segment */
    const uint8_t *valid;   /* [B*T] or NULL: 0 marks padding (BERT) */
    const int32_t *types;   /* [B*T] or NULL: BERT token types (0) */
    const int32_t *targets; /* [B*T] or NULL: LLaMA next-token targets, < 0 ignored */
} cn_batch;

/* Forward. LLaMA with targets: returns the mean loss over the counted
 * targets and keeps what the backward needs (the logits become their
 * gradient). Results on the host: cn_model_logits / cn_model_hidden. */
cn_status cn_model_forward(cn_model *m, const cn_batch *b, double *loss);
/* The same mean loss (the same bits) without the logits' gradient, for
 * evaluation: the logits stay logits (cn_model_logits) and no backward
 * follows (cn_model_backward refuses). LLaMA with targets only. */
cn_status cn_model_loss(cn_model *m, const cn_batch *b, double *loss);
/* [B*T, V] logits of the last forward (LLaMA, before any backward) */
cn_status cn_model_logits(const cn_model *m, float *dst);
/* rows row0 .. row0 + n - 1 of them [n, V] (what an evaluation reads: a
 * GPU copies those rows only) */
cn_status cn_model_logits_rows(const cn_model *m, size_t row0, size_t n, float *dst);
/* [B*T, C] last hidden states of the last forward */
cn_status cn_model_hidden(const cn_model *m, float *dst);
/* Backward of the last forward, adding into the gradients (zero them with
 * cn_model_zero_grad). LLaMA: of the mean loss; BERT: dhidden [B*T, C] is
 * the loss's gradient with respect to the hidden states. */
cn_status cn_model_backward(cn_model *m, const float *dhidden);
void cn_model_zero_grad(cn_model *m);
#endif
