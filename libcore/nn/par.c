/* par: work shared out over single-threaded BLAS threads (par.h). */
#include "par.h"

#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

cn_status cn_par_run(int n, cn_par_fn fn, void *arg) {
    volatile int stop = 0;
    cn_status st = CN_OK;
    char why[512] = "";
#pragma omp parallel num_threads(n)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
        omp_set_num_threads(1);
#endif
        cn_status s = fn(arg, t, &stop);
        if (s) {
#pragma omp critical(cn_par_fail)
            {
                if (!st) st = s, snprintf(why, sizeof why, "%s", cn_errmsg()); /* the first failure */
                stop = 1;
            }
        }
    }
    return st ? cn_fail(st, "%s", why) : CN_OK;
}
