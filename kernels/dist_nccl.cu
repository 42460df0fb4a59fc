/* dist_nccl: the CUDA backend's collectives for dist.h (NCCL), with one
 * rank a GPU: an all-reduce of the gradients and the broadcasts of a sharded
 * optimizer's weights, on the legacy default stream, in order with the
 * backend's kernels and waited for. Built with NCCL=1 (CN_NCCL); without it
 * the backend has none. */
#include <string.h>
#include "cuda_common.cuh"

extern "C" {
#include "dist.h"
#include "ops_cuda.h"
}

#ifdef CN_NCCL
#include <nccl.h>

static ncclComm_t comm;
static int joined;

static cn_status make_id(void *id) {
    ncclResult_t r = ncclGetUniqueId((ncclUniqueId *)id);
    return r == ncclSuccess ? CN_OK : cn_fail(CN_EIO, "%s", ncclGetErrorString(r));
}

static cn_status join(const void *id, int rank, int size, int device) {
    if (cudaSetDevice(device) != cudaSuccess) return cn_fail(CN_EIO, "NCCL: CUDA device %d cannot be used", device);
    ncclUniqueId u;
    memcpy(&u, id, sizeof u);
    ncclResult_t r = ncclCommInitRank(&comm, size, u, rank);
    if (r != ncclSuccess) return cn_fail(CN_EIO, "NCCL on rank %d (CUDA device %d): %s", rank, device, ncclGetErrorString(r));
    joined = 1;
    return CN_OK;
}

static cn_status sum_f32(float *x, size_t n) {
    ncclResult_t r = ncclAllReduce(x, x, n, ncclFloat, ncclSum, comm, (cudaStream_t)0);
    if (r != ncclSuccess) return cn_fail(CN_EIO, "ncclAllReduce: %s", ncclGetErrorString(r));
    if (cudaStreamSynchronize((cudaStream_t)0) != cudaSuccess) return cn_fail(CN_EIO, "ncclAllReduce: the device failed");
    return CN_OK;
}

static cn_status broadcast_f32(float *x, const size_t *off, int size) { /* a broadcast from each rank, one group */
    ncclResult_t r = ncclGroupStart();
    for (int k = 0; k < size && r == ncclSuccess; k++)
        if (off[k + 1] > off[k]) r = ncclBroadcast(x + off[k], x + off[k], off[k + 1] - off[k], ncclFloat, k, comm, (cudaStream_t)0);
    ncclResult_t e = ncclGroupEnd();
    if (r == ncclSuccess) r = e;
    if (r != ncclSuccess) return cn_fail(CN_EIO, "ncclBroadcast: %s", ncclGetErrorString(r));
    if (cudaStreamSynchronize((cudaStream_t)0) != cudaSuccess) return cn_fail(CN_EIO, "ncclBroadcast: the device failed");
    return CN_OK;
}

static void leave(void) {
    if (joined) ncclCommDestroy(comm);
    joined = 0;
}

static const cn_dist_coll nccl = {sizeof(ncclUniqueId), make_id, join, sum_f32, broadcast_f32, leave};

extern "C" const cn_dist_coll *cn_cuda_coll(void) { return &nccl; }
#else
extern "C" const cn_dist_coll *cn_cuda_coll(void) { return NULL; }
#endif
