/* vec_bench: exact search timed, for make bench BENCH=search.
 *   vec_bench INDEX.faiss QUERIES.f32 K [REPS]
 * QUERIES.f32: raw float32 rows of the index's dims. Maps the index
 * (cn_vec_index_open), searches every query for its top K (cn_vec_search)
 * REPS times (default 3) and prints the best seconds; then the sum of the
 * ids found (the peer prints the same, as a check that both found the same). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "io.h"
#include "vec.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: vec_bench INDEX.faiss QUERIES.f32 K [REPS]\n");
        return 2;
    }
    cn_vec_index *ix = cn_vec_index_open(argv[1]);
    size_t bytes;
    float *q = (float *)cn_read_all(argv[2], &bytes);
    int k = atoi(argv[3]), reps = argc > 4 ? atoi(argv[4]) : 3;
    if (!ix || !q) {
        fprintf(stderr, "vec_bench: %s\n", cn_errmsg());
        return 1;
    }
    int d = cn_vec_index_dim(ix), nq = (int)(bytes / sizeof(float) / (size_t)d);
    int64_t *ids = malloc((size_t)nq * k * sizeof *ids);
    float *sc = malloc((size_t)nq * k * sizeof *sc);
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (cn_vec_search(ix, q, nq, k, ids, sc)) return 1;
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    long long sum = 0;
    for (size_t i = 0; i < (size_t)nq * k; i++) sum += ids[i];
    printf("%.4f %lld\n", best, sum);
    free(ids), free(sc), free(q);
    cn_vec_index_close(ix);
    return 0;
}
