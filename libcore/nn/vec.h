/* vec: sentence vectors, their index file and exact search.
 *   B batch, T time, C channels (D: a vector's dims), N rows of an index,
 *   Q queries, K results a query
 *
 * Pooling is sentence-transformers' Pooling (mean tokens) then Normalize: the
 * mean of a sequence's last hidden states over its valid tokens, divided by
 * its L2 norm (at least 1e-12, as torch's F.normalize).
 *
 * The index is FAISS's own IndexFlatIP file, as faiss.write_index writes it
 * and faiss.read_index loads it:
 *   "IxFI"                                 the class (flat, inner product)
 *   i32 d, i64 ntotal, i64 2^20, i64 2^20  the Index header (two unused fields)
 *   u8 is_trained (1), i32 metric_type (0, inner product)
 *   u64 n x d                              the count of floats, then
 *   f32 [ntotal, d]                        the rows, little-endian
 * Opened here by mapping the file, never copied. Search is exact: scores of
 * a block of rows by sgemm, each query's best K kept in a bounded heap, a tie
 * going to the lower row. */
#ifndef CN_VEC_H
#define CN_VEC_H
#include <stdint.h>
#include "io.h"
#include "log.h"

/* out (B, C) = the mean of h (B*T, C) over the tokens whose valid (B*T) is
 * not 0 (NULL: all), then L2-normalised; norm (B, or NULL) keeps each mean's
 * norm (at least 1e-12) for the backward. A sequence with no valid token
 * gives zeros (its norm 0). */
void cn_vec_pool(float *out, float *norm, const float *h, const uint8_t *valid, int b, int t, int c);
/* Its backward: dh (B*T, C) = the gradient through the norm and the mean
 * from dout (B, C), given the forward's out and norm; padding gets 0. */
void cn_vec_pool_bwd(float *dh, const float *dout, const float *out, const float *norm, const uint8_t *valid, int b, int t, int c);

/* ---- the index file ---- */

/* The file's header for N rows of D into out (io.h: written atomically,
 * and committed with the files beside it); the caller writes the N x D
 * floats after it, in row order. */
cn_status cn_vec_write_header(cn_out *out, int64_t n, int d);

typedef struct cn_vec_index cn_vec_index;
/* Maps an IndexFlatIP file. NULL on failure: CN_EIO, or CN_EFORMAT naming
 * the file and what is wrong ("x.faiss: not a FAISS IndexFlatIP file (class
 * IxF2)", "x.faiss: 100 rows of 384 need 153600045 bytes, the file has 4096"). */
cn_vec_index *cn_vec_index_open(const char *path);
void cn_vec_index_close(cn_vec_index *ix);
int64_t cn_vec_index_count(const cn_vec_index *ix);
int cn_vec_index_dim(const cn_vec_index *ix);
/* row i into dst (D floats) */
void cn_vec_index_row(const cn_vec_index *ix, int64_t i, float *dst);

/* The K rows of highest inner product with each query q (Q, D), best first:
 * ids (Q, K) and their scores (Q, K); where the index has fewer than K rows,
 * the rest are id -1 and score -inf (as FAISS); a NaN score is never kept.
 * Queries are scored 1,024 at a time (memory: 1,024 x 4,096 scores at most).
 * CN_EINVAL for K < 1, CN_ENOMEM. */
cn_status cn_vec_search(const cn_vec_index *ix, const float *q, int nq, int k, int64_t *ids, float *scores);
#endif
