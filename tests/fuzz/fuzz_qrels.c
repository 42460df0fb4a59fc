/* libFuzzer target: relevance judgements (BEIR's qrels TSV) scored against a
 * fixed results file (cn_ir_evaluate): every value of what scores lies in
 * [0, 1], and the bootstrap of it stays there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "eval_ir.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char qp[64], rp[64];
    snprintf(qp, sizeof qp, "%s/fuzz_qrels.%d.tsv", fuzz_tmp(), (int)getpid());
    snprintf(rp, sizeof rp, "%s/fuzz_qrels.%d.jsonl", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(qp, "wb"), *g = fopen(rp, "wb");
    if (!f || !g) {
        if (f) fclose(f);
        if (g) fclose(g);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    fputs("{\"query\": \"q1\", \"doc\": \"d1\", \"score\": 0.5}\n{\"query\": \"q1\", \"doc\": \"d2\", \"score\": 0.5}\n"
          "{\"query\": \"q2\", \"doc\": \"d1\", \"score\": 0.9}\n",
          g);
    fclose(g);
    int k[2] = {1, 3};
    cn_ir_scores s;
    if (cn_ir_evaluate(qp, rp, k, 2, &s) == CN_OK) {
        for (size_t i = 0; i < s.nq * (size_t)s.nmetric; i++)
            if (!(s.v[i] >= 0 && s.v[i] <= 1 + 1e-12)) abort();
        double mean, lo, hi;
        cn_ir_bootstrap(s.v, s.nq, (size_t)s.nmetric, 100, 1, &mean, &lo, &hi);
        if (!(lo <= mean + 1e-12 && mean <= hi + 1e-12)) abort();
        cn_ir_scores_free(&s);
    }
    unlink(qp), unlink(rp);
    return 0;
}
