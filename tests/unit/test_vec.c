/* vec: mean pooling over the valid tokens and L2 norm; the IndexFlatIP file
 * written and mapped back (and refused when cut short or of another class);
 * exact top-k against a brute-force ranking written here, across block
 * boundaries, with ties going to the lower row and k beyond the rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "io.h"
#include "rng.h"
#include "vec.h"

static cn_vec_index *write_index(const char *path, const float *x, int64_t n, int d) {
    cn_out *o = cn_out_open(path, 0);
    CHECK(o && cn_vec_write_header(o, n, d) == CN_OK && cn_out_write(o, x, (size_t)n * d * sizeof *x) == CN_OK);
    CHECK(cn_out_commit(o) == CN_OK);
    return cn_vec_index_open(path);
}

/* the best k rows for query q among n rows, brute force in double: their
 * ids, and every row's score in s (n) */
static void brute(const float *x, int64_t n, int d, const float *q, int k, int64_t *ids, double *s) {
    char *used = calloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i++) {
        double a = 0;
        for (int j = 0; j < d; j++) a += (double)x[i * d + j] * q[j];
        s[i] = a;
    }
    for (int r = 0; r < k; r++) {
        int64_t best = -1;
        for (int64_t i = 0; i < n; i++)
            if (!used[i] && (best < 0 || s[i] > s[best])) best = i;
        ids[r] = best;
        if (best >= 0) used[best] = 1;
    }
    free(used);
}

int main(void) {
    /* pooling: the mean of the valid rows, normalised; none valid: zeros */
    float h[2 * 3 * 2] = {3, 4, 100, 100, 1, 0, /* sequence 0: rows 0 and 2 valid */ 5, 5, 5, 5, 5, 5};
    uint8_t valid[6] = {1, 0, 1, 0, 0, 0};
    float out[4];
    cn_vec_pool(out, NULL, h, valid, 2, 3, 2);
    CHECK(fabsf(out[0] - 2.0f / sqrtf(8.0f)) < 1e-6f && fabsf(out[1] - 2.0f / sqrtf(8.0f)) < 1e-6f);
    CHECK(out[2] == 0 && out[3] == 0);
    cn_vec_pool(out, NULL, h, NULL, 1, 2, 2); /* NULL: every token */
    CHECK(fabsf(out[0] - 51.5f / hypotf(51.5f, 52.0f)) < 1e-6f);

    /* the file: its header is FAISS's (45 bytes before the rows) */
    int d = 8;
    int64_t n = 5000; /* more than a block of 4096 */
    float *x = malloc((size_t)n * d * sizeof *x), *q = malloc(20 * (size_t)d * sizeof *q);
    cn_rng r;
    uint64_t seed = 3;
    cn_rng_seed(&r, &seed, 1);
    for (int64_t i = 0; i < n * d; i++) x[i] = (float)cn_rng_below(&r, 1000) / 1000.0f - 0.5f;
    for (int64_t i = 0; i < n; i++) { /* unit rows, as an index holds */
        float ss = 0;
        for (int j = 0; j < d; j++) ss += x[i * d + j] * x[i * d + j];
        for (int j = 0; j < d; j++) x[i * d + j] /= sqrtf(ss);
    }
    for (int i = 0; i < 20 * d; i++) q[i] = (float)cn_rng_below(&r, 1000) / 1000.0f - 0.5f;
    memcpy(x + 100 * d, x + 17 * d, (size_t)d * sizeof *x);  /* row 100 ties row 17 exactly (one block) */
    memcpy(q, x + 17 * d, (size_t)d * sizeof *x);            /* and query 0 is that row */
    cn_vec_index *ix = write_index("v.faiss", x, n, d);
    CHECK(ix && cn_vec_index_count(ix) == n && cn_vec_index_dim(ix) == d);
    size_t sz;
    char *bytes = cn_read_all("v.faiss", &sz);
    CHECK(bytes && sz == 45 + (size_t)n * d * 4 && memcmp(bytes, "IxFI", 4) == 0);
    float row[8];
    cn_vec_index_row(ix, 4999, row);
    CHECK(memcmp(row, x + 4999 * d, sizeof row) == 0);

    /* search against brute force */
    int k = 10, agree = 1;
    int64_t ids[20 * 10], want[10];
    float sc[20 * 10];
    double *bs = malloc((size_t)n * sizeof *bs);
    CHECK(cn_vec_search(ix, q, 20, k, ids, sc) == CN_OK);
    for (int qi = 0; qi < 20; qi++) { /* each rank's row scores as brute force's (rows within rounding may swap) */
        brute(x, n, d, q + qi * d, k, want, bs);
        for (int j = 0; j < k; j++) {
            int64_t got = ids[qi * k + j];
            if (j && sc[qi * k + j] > sc[qi * k + j - 1]) agree = 0; /* best first */
            if (got < 0 || fabs(bs[got] - bs[want[j]]) > 1e-6 || fabs(sc[qi * k + j] - bs[got]) > 1e-5) agree = 0;
        }
    }
    CHECK(agree);
    free(bs);
    CHECK(ids[0] == 17 && ids[1] == 100 && sc[0] == sc[1]); /* a tie: the lower row first */
    /* k beyond the rows: -1 and -inf after them */
    cn_vec_index *small = write_index("s.faiss", x, 3, d);
    int64_t sid[5];
    float ss[5];
    CHECK(small && cn_vec_search(small, q, 1, 5, sid, ss) == CN_OK);
    CHECK(sid[3] == -1 && sid[4] == -1 && isinf(ss[4]) && ss[4] < 0 && sid[0] >= 0 && sid[2] >= 0);
    cn_vec_index_close(small);

    /* a file cut short, another class, another metric */
    FILE *f = fopen("cut.faiss", "wb");
    fwrite(bytes, 1, sz - 4, f);
    fclose(f);
    CHECK(cn_vec_index_open("cut.faiss") == NULL && cn_last_status() == CN_EFORMAT && strstr(cn_errmsg(), "the file has"));
    bytes[3] = '2'; /* IxF2: IndexFlatL2 */
    f = fopen("l2.faiss", "wb");
    fwrite(bytes, 1, sz, f);
    fclose(f);
    CHECK(cn_vec_index_open("l2.faiss") == NULL && strstr(cn_errmsg(), "not a FAISS IndexFlatIP file (class IxF2)"));
    bytes[3] = 'I', bytes[33] = 1;
    f = fopen("m.faiss", "wb");
    fwrite(bytes, 1, sz, f);
    fclose(f);
    CHECK(cn_vec_index_open("m.faiss") == NULL && strstr(cn_errmsg(), "metric type 1"));
    f = fopen("tiny.faiss", "wb");
    fwrite(bytes, 1, 10, f);
    fclose(f);
    CHECK(cn_vec_index_open("tiny.faiss") == NULL && strstr(cn_errmsg(), "shorter than"));
    CHECK(cn_vec_index_open("none.faiss") == NULL && cn_last_status() == CN_EIO);
    /* a count whose n x d overflows to the float count given (0): refused, not searched (fuzz_vec found it) */
    unsigned char hd[45] = "IxFI";
    int32_t d256 = 256;
    int64_t huge = (int64_t)1 << 57;
    memcpy(hd + 4, &d256, 4), memcpy(hd + 8, &huge, 8), hd[32] = 1;
    f = fopen("huge.faiss", "wb");
    fwrite(hd, 1, sizeof hd, f);
    fclose(f);
    CHECK(cn_vec_index_open("huge.faiss") == NULL && strstr(cn_errmsg(), "holding 0 floats"));
    unlink("huge.faiss");
    free(bytes), free(x), free(q);
    cn_vec_index_close(ix);
    unlink("v.faiss"), unlink("s.faiss"), unlink("cut.faiss"), unlink("l2.faiss"), unlink("m.faiss"), unlink("tiny.faiss");
    return check_done();
}
