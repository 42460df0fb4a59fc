/* dist: data parallelism (DESIGN.md section 5). Under mpirun or srun each
 * rank reads the same data, packs the same global stream and takes every
 * N-th micro-batch; the gradients are summed across ranks here. Built with
 * MPI when it is installed (mpicc); without it, or when a program is not
 * started by an MPI launcher, there is one rank and these do nothing. On
 * GPUs (built with CUDA and NCCL) the sum is NCCL's all-reduce of device
 * memory (the backend's, cn_dist_coll), one rank a GPU; the MPI path stays
 * for host memory. */
#ifndef CN_DIST_H
#define CN_DIST_H
#include <stddef.h>
#include "log.h"

/* Joins the MPI job when started by a launcher. */
cn_status cn_dist_init(int *argc, char ***argv);
void cn_dist_finalize(void);
int cn_dist_rank(void);
int cn_dist_size(void);
/* This rank's index among the ranks on its machine (0 outside MPI): the GPU
 * a rank takes when none is named. */
int cn_dist_local_rank(void);
/* Collectives over a backend's device memory, which the backend gives
 * (the CUDA backend's NCCL: ops_cuda.h cn_cuda_coll), so that dist itself
 * knows no device library. */
typedef struct {
    size_t id_bytes;                                   /* a communicator's id: made on rank 0, sent to every rank */
    cn_status (*make_id)(void *id);
    cn_status (*join)(const void *id, int rank, int size, int device);
    cn_status (*sum_f32)(float *x, size_t n);          /* x = the sum over the ranks, in place */
    cn_status (*broadcast_f32)(float *x, const size_t *off, int size); /* rank r's x[off[r] .. off[r+1]) to every rank */
    void (*leave)(void);
} cn_dist_coll;
/* The gradients live on device `device` of a backend whose collectives are
 * coll from now on: with several ranks, cn_dist_sum_f32 and
 * cn_dist_allgather_f32 work on device memory through them (one rank a
 * device); an error when coll is NULL (a build without NCCL). Nothing with
 * one rank. */
cn_status cn_dist_use_device(const cn_dist_coll *coll, int device);
/* x = the sum of every rank's x, in place (the same bits on every rank);
 * device memory after cn_dist_use_device */
cn_status cn_dist_sum_f32(float *x, size_t n);
cn_status cn_dist_sum_f64(double *x, size_t n);
/* In place: rank r's x[off[r] .. off[r+1]) to every rank (off has size + 1
 * entries; a sharded optimizer's weights: cn_model_shard_sync); device
 * memory after cn_dist_use_device */
cn_status cn_dist_allgather_f32(float *x, const size_t *off);
/* 1 when this build has MPI */
int cn_dist_available(void);
#endif
