/* st: safetensors files (https://github.com/huggingface/safetensors, the
 * format's spec): an 8-byte little-endian header length N, N bytes of JSON
 * {"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [BEGIN, END]},
 * "__metadata__": {"key": "value"}}, then the data, every byte of it indexed
 * exactly once.
 *
 * Reading maps the files (no copy) and checks everything before a tensor is
 * handed out: the header length against the file, the JSON, each dtype,
 * shape and offsets (inside the data, no overlap, no hole, size equal to the
 * shape times the dtype's size), duplicate names. A checkpoint is one
 * .safetensors file, a model.safetensors.index.json naming shards (as Hub
 * checkpoints of 7B models ship), or a directory holding either.
 *
 * Writing sorts the tensors by name, pads the header with spaces so the data
 * starts 8-byte aligned, and writes atomically (io's cn_out). */
#ifndef CN_ST_H
#define CN_ST_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "log.h"

typedef enum {
    CN_ST_F32, CN_ST_F16, CN_ST_BF16, CN_ST_F64, CN_ST_I64, CN_ST_I32, CN_ST_I16, CN_ST_I8, CN_ST_U8, CN_ST_U16,
    CN_ST_U32, CN_ST_U64, CN_ST_BOOL, CN_ST_F8_E4M3, CN_ST_F8_E5M2, CN_ST_NDTYPES
} cn_st_dtype;

#define CN_ST_MAXDIM 8

typedef struct {
    const char *name;
    cn_st_dtype dtype;
    int ndim;
    int64_t shape[CN_ST_MAXDIM];
    uint64_t numel, nbytes;
    const void *data; /* mapped, little-endian */
} cn_st_tensor;

/* "F32" for CN_ST_F32 ...; the element size in bytes */
const char *cn_st_dtype_name(cn_st_dtype d);
size_t cn_st_dtype_size(cn_st_dtype d);

typedef struct cn_st cn_st;
/* Opens a checkpoint (file, index or directory); NULL with cn_errmsg() on
 * error, e.g. "m.safetensors: tensor 'x': data_offsets [0, 12] overlap 'y'". */
cn_st *cn_st_open(const char *path);
/* The weights file of a model directory (malloc'd; NULL when out of memory),
 * in the order transformers looks for them: DIR/model.safetensors, else
 * DIR/model.safetensors.index.json, else DIR/model.safetensors (absent: for
 * the error that names it). */
char *cn_st_dir_weights(const char *dir);
void cn_st_close(cn_st *s);
size_t cn_st_count(const cn_st *s);
/* The i-th tensor, in name order. */
const cn_st_tensor *cn_st_at(const cn_st *s, size_t i);
/* The tensor of that name, or NULL. */
const cn_st_tensor *cn_st_find(const cn_st *s, const char *name);
/* A __metadata__ value of the (first) file, or NULL. */
const char *cn_st_metadata(const cn_st *s, const char *key);
/* Copies a floating-point tensor (F32, F16, BF16, F64) into dst as fp32;
 * errors: another dtype, numel != n. */
cn_status cn_st_to_f32(const cn_st_tensor *t, float *dst, size_t n);

typedef struct cn_st_writer cn_st_writer;
cn_st_writer *cn_st_writer_new(void);
void cn_st_writer_free(cn_st_writer *w);
/* Adds a tensor; data (numel x dtype size bytes, little-endian) is not copied
 * and must stay until cn_st_write. Names must be unique. */
cn_status cn_st_add(cn_st_writer *w, const char *name, cn_st_dtype dtype, const int64_t *shape, int ndim, const void *data);
cn_status cn_st_set_metadata(cn_st_writer *w, const char *key, const char *value);
/* Writes the file atomically. */
cn_status cn_st_write(cn_st_writer *w, const char *path);
#endif
