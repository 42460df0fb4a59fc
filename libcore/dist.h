/* dist: data parallelism (DESIGN.md section 5). Under mpirun or srun each
 * rank reads the same data, packs the same global stream and takes every
 * N-th micro-batch; the gradients are summed across ranks here. Built with
 * MPI when it is installed (mpicc); without it, or when a program is not
 * started by an MPI launcher, there is one rank and these do nothing. */
#ifndef CN_DIST_H
#define CN_DIST_H
#include <stddef.h>
#include "log.h"

/* Joins the MPI job when started by a launcher. */
cn_status cn_dist_init(int *argc, char ***argv);
void cn_dist_finalize(void);
int cn_dist_rank(void);
int cn_dist_size(void);
/* x = the sum of every rank's x, in place (the same bits on every rank) */
cn_status cn_dist_sum_f32(float *x, size_t n);
cn_status cn_dist_sum_f64(double *x, size_t n);
/* 1 when this build has MPI */
int cn_dist_available(void);
#endif
