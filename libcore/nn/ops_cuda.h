/* ops_cuda: the CUDA backend of ops.h (kernels/), built when nvcc is found
 * (make CUDA=0 leaves it out; the tools then know it as absent). Its table
 * is private; this init function is all it exports. */
#ifndef CN_OPS_CUDA_H
#define CN_OPS_CUDA_H
#include "dist.h"
#include "ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The backend on CUDA device `device` (0-based), set as this process's
 * device; the same table for the same device again. One device a process:
 * another device than the first is an error. On error (no driver, no such
 * device, cuBLAS failing to start) returns NULL with the reason in
 * cn_errmsg(). Tensors are fp32 in device memory; a CUDA error inside an op
 * (a kernel fault) aborts the process with file, line and the error, as a
 * broken invariant would. */
const cn_ops *cn_ops_cuda(int device);

/* CUDA devices on this machine (0 without a driver or device). */
int cn_cuda_devices(void);

/* The collectives over device memory (NCCL, on the legacy default stream,
 * in order with the backend's kernels) for dist.h, or NULL when the
 * backend was built without NCCL (make NCCL=1). */
const cn_dist_coll *cn_cuda_coll(void);

#ifdef __cplusplus
}
#endif
#endif
