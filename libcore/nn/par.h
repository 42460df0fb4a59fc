/* par: work shared out over threads whose results must not depend on how
 * many there are: each thread's BLAS and loops single-threaded (its own
 * nthreads-var set to 1: OpenBLAS follows omp_get_max_threads()), so that a
 * product is summed the same way whatever the count. */
#ifndef CN_PAR_H
#define CN_PAR_H
#include "log.h"

/* one thread's part: thread is 0 .. n-1; *stop turns 1 when another part
 * failed (a long part may end early on seeing it) */
typedef cn_status (*cn_par_fn)(void *arg, int thread, volatile int *stop);

/* Runs fn once on each of n threads, in one parallel region (fn may share a
 * loop out with an orphaned `#pragma omp for`, which every thread must then
 * reach). Returns the first failure's status, its message kept; CN_OK. */
cn_status cn_par_run(int n, cn_par_fn fn, void *arg);
#endif
