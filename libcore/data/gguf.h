/* gguf: llama.cpp's model file, version 3, written: a header, key-value
 * metadata, tensor infos, then the tensors' data, each at an offset that is a
 * multiple of the alignment (32, written as general.alignment), the gaps
 * zero. A tensor's dimensions are given as in PyTorch (outermost first) and
 * written in GGUF's order (innermost first, ne[0]). Tensor data comes as
 * fp32 and is stored as F32, F16, BF16 (rounded to nearest even) or Q8_0
 * (llama.cpp's block of 32: an f16 scale d = max|x| / 127 and 32 int8
 * round(x / d)). Keys are written in the order they are set, tensors in the
 * order they are added. A tensor's data is converted when it is added, or,
 * declared only, given while the file is written: a model streams through
 * one tensor at a time. */
#ifndef CN_GGUF_H
#define CN_GGUF_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

/* ggml's tensor types, as numbered in ggml.h */
typedef enum { CN_GGML_F32 = 0, CN_GGML_F16 = 1, CN_GGML_Q8_0 = 8, CN_GGML_BF16 = 30 } cn_ggml_type;

typedef struct cn_gguf cn_gguf;

cn_gguf *cn_gguf_new(void);
void cn_gguf_free(cn_gguf *g);

/* Metadata. A key set twice is an error at cn_gguf_write (CN_EINVAL). The
 * strings and arrays are copied. */
cn_status cn_gguf_u32(cn_gguf *g, const char *key, uint32_t v);
cn_status cn_gguf_i32(cn_gguf *g, const char *key, int32_t v);
cn_status cn_gguf_f32(cn_gguf *g, const char *key, float v);
cn_status cn_gguf_bool(cn_gguf *g, const char *key, int v);
cn_status cn_gguf_str(cn_gguf *g, const char *key, const char *v);
cn_status cn_gguf_arr_str(cn_gguf *g, const char *key, const char *const *v, size_t n);
cn_status cn_gguf_arr_f32(cn_gguf *g, const char *key, const float *v, size_t n);
cn_status cn_gguf_arr_i32(cn_gguf *g, const char *key, const int32_t *v, size_t n);

/* A tensor of ndim (1 to 4) dimensions, dims outermost first, from n fp32
 * values (copied and converted now). Q8_0 needs the innermost dimension to
 * be a multiple of 32 (CN_EINVAL otherwise). */
cn_status cn_gguf_tensor(cn_gguf *g, const char *name, cn_ggml_type type, const int64_t *dims, int ndim, const float *data);
/* The same tensor declared only: its values are given while the file is
 * written (cn_gguf_write_next), so that a model's tensors need not all be in
 * memory at once. */
cn_status cn_gguf_tensor_later(cn_gguf *g, const char *name, cn_ggml_type type, const int64_t *dims, int ndim);

/* One row of n values (n a multiple of 32) as Q8_0 blocks: n / 32 x 34
 * bytes into dst (llama.cpp's quantize_row_q8_0_ref). */
void cn_gguf_q8_0(const float *x, size_t n, uint8_t *dst);

/* Writes the file, atomically (cn_out); on error nothing is left. Every
 * tensor must have its values (cn_gguf_tensor). */
cn_status cn_gguf_write(const cn_gguf *g, const char *path);

/* Writing with declared tensors: begin writes the header (and the data of
 * the tensors before the first declared one); next gives the declared
 * tensors' fp32 values in the order they were declared, each converted and
 * written at once (tensors added with their values are written as they are
 * reached); end commits the file, CN_EINVAL when a declared tensor was never
 * given; abort (or any error, after which next and end only return it)
 * leaves nothing. g must stay unchanged until end or abort. */
typedef struct cn_gguf_writer cn_gguf_writer;
cn_gguf_writer *cn_gguf_write_begin(const cn_gguf *g, const char *path);
cn_status cn_gguf_write_next(cn_gguf_writer *w, const float *x);
cn_status cn_gguf_write_end(cn_gguf_writer *w);
void cn_gguf_write_abort(cn_gguf_writer *w);
#endif
