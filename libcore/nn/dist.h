/* dist: data parallelism (DESIGN.md section 5). Under mpirun or srun each
 * rank reads the same data, packs the same global stream and takes every
 * N-th micro-batch; the gradients are summed across ranks here. Built with
 * MPI when it is installed (mpicc); without it, or when a program is not
 * started by an MPI launcher, there is one rank and these do nothing. On
 * GPUs (built with CUDA and NCCL) the sum is NCCL's all-reduce of device
 * memory, one rank a GPU; the MPI path stays for host memory. */
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
/* The gradients live on CUDA device `device` from now on: with several
 * ranks, cn_dist_sum_f32 sums device memory through NCCL (one rank a GPU);
 * an error when the build has no NCCL. Nothing with one rank. */
cn_status cn_dist_use_device(int device);
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
