/* dist: gradient sums across MPI ranks (a backend's collectives for device
 * memory), or nothing. */
#include "dist.h"

#include <stdio.h>
#include <stdlib.h>

/* started as one of several tasks by a launcher (srun's count, or mpirun's) */
static int several_tasks(void) {
    const char *n = getenv("SLURM_STEP_NUM_TASKS"), *m = getenv("OMPI_COMM_WORLD_SIZE");
    return (n && atoi(n) > 1) || (m && atoi(m) > 1);
}

#ifdef CN_MPI
#include <mpi.h>
static const cn_dist_coll *coll; /* the gradients are in device memory: these sum them */

static int rank, size = 1, active;

/* an MPI launcher's environment: mpirun's, or a PMI server's (srun
 * --mpi=pmix or pmi2, which give the rank and size without flags) */
static int launched(void) { return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK"); }

cn_status cn_dist_init(int *argc, char ***argv) {
    /* srun without an MPI plugin: every task would be a rank 0 of one,
     * each training alone into the same output */
    const char *mpi = getenv("SLURM_MPI_TYPE");
    if (!launched() && several_tasks())
        return cn_fail(CN_EINVAL, "srun started %s tasks with no MPI plugin (SLURM_MPI_TYPE=%s): run srun --mpi=pmix (or set "
                                  "MpiDefault=pmix in slurm.conf)", getenv("SLURM_STEP_NUM_TASKS"), mpi ? mpi : "none");
    if (!launched()) return CN_OK;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return cn_fail(CN_EIO, "MPI_Init failed");
    active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return CN_OK;
}

void cn_dist_finalize(void) {
    if (coll) coll->leave();
    coll = NULL;
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

cn_status cn_dist_use_device(const cn_dist_coll *c, int device) {
    if (!active || size < 2 || coll) return CN_OK;
    if (!c)
        return cn_fail(CN_EINVAL, "%d ranks on GPUs sum their gradients with NCCL, and this build has none (make NCCL=1 finds it in "
                                  "CUDA's directory or /usr/include)", size);
    void *id = calloc(1, c->id_bytes);
    if (!id) return cn_fail(CN_ENOMEM, "out of memory");
    cn_status st = rank == 0 ? c->make_id(id) : CN_OK;
    char why[256] = "";
    if (st) snprintf(why, sizeof why, ": %s", cn_errmsg());
    int ok = st == CN_OK, all = 0;
    /* every rank learns whether rank 0 has an id, so none waits forever */
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS || !all)
        st = cn_fail(CN_EIO, "NCCL: no unique id on rank 0%s", why);
    else if (MPI_Bcast(id, (int)c->id_bytes, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        st = cn_fail(CN_EIO, "MPI_Bcast failed");
    else if (!(st = c->join(id, rank, size, device)))
        coll = c;
    free(id);
    return st;
}

int cn_dist_rank(void) { return rank; }
int cn_dist_size(void) { return size; }
int cn_dist_available(void) { return 1; }

/* in chunks: MPI counts are ints */
cn_status cn_dist_sum_f32(float *x, size_t n) {
    if (coll) return coll->sum_f32(x, n);
    for (size_t at = 0; active && size > 1 && at < n; at += 1 << 28) {
        int c = (int)(n - at < (1u << 28) ? n - at : (1u << 28));
        if (MPI_Allreduce(MPI_IN_PLACE, x + at, c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return cn_fail(CN_EIO, "MPI_Allreduce failed");
    }
    return CN_OK;
}

cn_status cn_dist_allgather_f32(float *x, const size_t *off) {
    if (!active || size < 2) return CN_OK;
    if (coll) return coll->broadcast_f32(x, off, size);
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
    /* each task would train alone into the same output */
    if (several_tasks()) return cn_fail(CN_EINVAL, "started as one of several tasks, and this build has no MPI (make deps installs openmpi)");
    return CN_OK;
}
void cn_dist_finalize(void) {}
int cn_dist_rank(void) { return 0; }
int cn_dist_size(void) { return 1; }
int cn_dist_available(void) { return 0; }
int cn_dist_local_rank(void) { return 0; }
cn_status cn_dist_use_device(const cn_dist_coll *c, int device) {
    (void)c, (void)device;
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
