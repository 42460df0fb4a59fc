/* dist: gradient sums across MPI ranks (NCCL for device memory when built
 * with it), or nothing. */
#include "dist.h"

#include <stdlib.h>

#ifdef CN_MPI
#include <mpi.h>
#ifdef CN_NCCL
#include <cuda_runtime_api.h>
#include <nccl.h>
static ncclComm_t comm;
static int nccl_on; /* the gradients are in device memory: NCCL sums them */
#endif

static int rank, size = 1, active;

static int launched(void) { /* an MPI launcher's environment */
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK") || getenv("SLURM_STEP_NUM_TASKS");
}

cn_status cn_dist_init(int *argc, char ***argv) {
    if (!launched()) return CN_OK;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return cn_fail(CN_EIO, "MPI_Init failed");
    active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return CN_OK;
}

void cn_dist_finalize(void) {
#ifdef CN_NCCL
    if (nccl_on) ncclCommDestroy(comm);
    nccl_on = 0;
#endif
    if (active) MPI_Finalize();
    active = 0;
}

int cn_dist_local_rank(void) {
    if (!active) return 0;
    MPI_Comm local;
    int r = 0;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local) != MPI_SUCCESS) return 0;
    MPI_Comm_rank(local, &r);
    MPI_Comm_free(&local);
    return r;
}

cn_status cn_dist_use_device(int device) {
    if (!active || size < 2) return CN_OK;
#ifdef CN_NCCL
    if (nccl_on) return CN_OK;
    ncclUniqueId id;
    ncclResult_t r = rank == 0 ? ncclGetUniqueId(&id) : ncclSuccess;
    int ok = r == ncclSuccess, all = 0;
    /* every rank learns whether rank 0 has an id, so none waits forever */
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS || !all)
        return cn_fail(CN_EIO, "NCCL: no unique id on rank 0%s%s", r != ncclSuccess ? ": " : "", r != ncclSuccess ? ncclGetErrorString(r) : "");
    if (MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS) return cn_fail(CN_EIO, "MPI_Bcast failed");
    if (cudaSetDevice(device) != cudaSuccess) return cn_fail(CN_EIO, "NCCL: CUDA device %d cannot be used", device);
    if ((r = ncclCommInitRank(&comm, size, id, rank)) != ncclSuccess)
        return cn_fail(CN_EIO, "NCCL on rank %d (CUDA device %d): %s", rank, device, ncclGetErrorString(r));
    nccl_on = 1;
    return CN_OK;
#else
    (void)device;
    return cn_fail(CN_EINVAL, "%d ranks on GPUs sum their gradients with NCCL, and this build has none (it is found in CUDA's "
                              "directory or /usr/include when make runs)", size);
#endif
}

int cn_dist_rank(void) { return rank; }
int cn_dist_size(void) { return size; }
int cn_dist_available(void) { return 1; }

/* in chunks: MPI counts are ints */
cn_status cn_dist_sum_f32(float *x, size_t n) {
#ifdef CN_NCCL
    if (nccl_on) { /* on the legacy default stream, in order with the backend's kernels */
        ncclResult_t r = ncclAllReduce(x, x, n, ncclFloat, ncclSum, comm, (cudaStream_t)0);
        if (r != ncclSuccess) return cn_fail(CN_EIO, "ncclAllReduce: %s", ncclGetErrorString(r));
        if (cudaStreamSynchronize((cudaStream_t)0) != cudaSuccess) return cn_fail(CN_EIO, "ncclAllReduce: the device failed");
        return CN_OK;
    }
#endif
    for (size_t at = 0; active && size > 1 && at < n; at += 1 << 28) {
        int c = (int)(n - at < (1u << 28) ? n - at : (1u << 28));
        if (MPI_Allreduce(MPI_IN_PLACE, x + at, c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return cn_fail(CN_EIO, "MPI_Allreduce failed");
    }
    return CN_OK;
}

cn_status cn_dist_allgather_f32(float *x, const size_t *off) {
    if (!active || size < 2) return CN_OK;
#ifdef CN_NCCL
    if (nccl_on) { /* a broadcast from each rank, one group */
        ncclResult_t r = ncclGroupStart();
        for (int k = 0; k < size && r == ncclSuccess; k++)
            if (off[k + 1] > off[k]) r = ncclBroadcast(x + off[k], x + off[k], off[k + 1] - off[k], ncclFloat, k, comm, (cudaStream_t)0);
        ncclResult_t e = ncclGroupEnd();
        if (r == ncclSuccess) r = e;
        if (r != ncclSuccess) return cn_fail(CN_EIO, "ncclBroadcast: %s", ncclGetErrorString(r));
        if (cudaStreamSynchronize((cudaStream_t)0) != cudaSuccess) return cn_fail(CN_EIO, "ncclBroadcast: the device failed");
        return CN_OK;
    }
#endif
    for (int k = 0; k < size; k++)
        for (size_t at = off[k]; at < off[k + 1]; at += 1 << 28) {
            int c = (int)(off[k + 1] - at < (1u << 28) ? off[k + 1] - at : (1u << 28));
            if (MPI_Bcast(x + at, c, MPI_FLOAT, k, MPI_COMM_WORLD) != MPI_SUCCESS) return cn_fail(CN_EIO, "MPI_Bcast failed");
        }
    return CN_OK;
}

cn_status cn_dist_sum_f64(double *x, size_t n) {
    if (active && size > 1 && MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return cn_fail(CN_EIO, "MPI_Allreduce failed");
    return CN_OK;
}
#else
cn_status cn_dist_init(int *argc, char ***argv) {
    (void)argc, (void)argv;
    return CN_OK;
}
void cn_dist_finalize(void) {}
int cn_dist_rank(void) { return 0; }
int cn_dist_size(void) { return 1; }
int cn_dist_available(void) { return 0; }
int cn_dist_local_rank(void) { return 0; }
cn_status cn_dist_use_device(int device) {
    (void)device;
    return CN_OK;
}
cn_status cn_dist_sum_f32(float *x, size_t n) {
    (void)x, (void)n;
    return CN_OK;
}
cn_status cn_dist_sum_f64(double *x, size_t n) {
    (void)x, (void)n;
    return CN_OK;
}
cn_status cn_dist_allgather_f32(float *x, const size_t *off) {
    (void)x, (void)off;
    return CN_OK;
}
#endif
