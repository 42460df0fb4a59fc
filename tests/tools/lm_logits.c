/* lm_logits: libcore's side of the llama.cpp comparison (tests/sh/gguf-llama.sh).
 *   lm_logits MODEL_DIR IDS.txt last|argmax
 * IDS.txt holds a JSON array of token ids a line; for each line, the model
 * (fp32, CPU) runs on those ids and prints one line: last, the logits of the
 * last position as a JSON array (%.9g); argmax, the most likely next token at
 * every position (the lowest id among equals). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "model.h"

static void die(const char *what) {
    fprintf(stderr, "lm_logits: %s: %s\n", what, cn_errmsg());
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[3], "last") && strcmp(argv[3], "argmax"))) {
        fprintf(stderr, "usage: lm_logits MODEL_DIR IDS.txt last|argmax\n");
        return 2;
    }
    int last = strcmp(argv[3], "last") == 0;
    cn_config c;
    if (cn_config_load(argv[1], &c)) die(argv[1]);
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    if (!m || cn_model_load(m, argv[1])) die(argv[1]);
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int batch = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *a = cJSON_Parse(line);
        int t = cJSON_GetArraySize(a);
        if (!cJSON_IsArray(a) || t < 1 || t > c.max_pos) {
            fprintf(stderr, "lm_logits: %s: a line is not an array of 1 to %d ids\n", argv[2], c.max_pos);
            return 1;
        }
        int32_t *ids = malloc((size_t)t * sizeof *ids);
        float *lg = malloc((size_t)t * (size_t)c.vocab * sizeof *lg);
        for (int i = 0; i < t; i++) ids[i] = (int32_t)cJSON_GetArrayItem(a, i)->valuedouble;
        if (t != batch && cn_model_batch(m, 1, t)) die("batch");
        batch = t;
        cn_batch b = {.ids = ids};
        if (cn_model_forward(m, &b, NULL) || cn_model_logits(m, lg)) die("forward");
        for (int i = last ? t - 1 : 0; i < t; i++) {
            const float *r = lg + (size_t)i * (size_t)c.vocab;
            if (last) {
                for (int v = 0; v < c.vocab; v++) printf("%s%.9g", v ? "," : "[", r[v]);
                continue;
            }
            int best = 0;
            for (int v = 1; v < c.vocab; v++)
                if (r[v] > r[best]) best = v;
            printf("%s%d", i ? "," : "[", best);
        }
        printf("]\n");
        free(ids), free(lg);
        cJSON_Delete(a);
    }
    free(line);
    fclose(f);
    cn_model_free(m);
    return 0;
}
