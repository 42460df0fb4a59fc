/* ckpt: training checkpoints, written whole or not at all. */
#include "ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io.h"
#include "lora.h"
#include "st.h"

static const char *files[] = {"config.json",           "model.safetensors",     "adapter_config.json",     "adapter_model.safetensors",
                              "optimizer.safetensors", "trainer.json",          "tokenizer.json",          "tokenizer_config.json",
                              "generation_config.json"};

/* removes a checkpoint directory (only the files a checkpoint holds) */
static void remove_ckpt(const char *dir) { cn_ckpt_remove_model(dir); }

void cn_ckpt_remove_model(const char *dir) {
    char p[4400];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static cn_status fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return cn_fail(CN_EIO, "%s: %s", dir, strerror(errno));
    int r = fsync(fd);
    close(fd);
    return r ? cn_fail(CN_EIO, "%s: fsync: %s", dir, strerror(errno)) : CN_OK;
}

static cn_status save_moments(const cn_model *m, const char *path) {
    cn_st_writer *w = cn_st_writer_new();
    int np = cn_model_nparams(m);
    float **buf = calloc((size_t)np * 2, sizeof *buf);
    char (*names)[112] = calloc((size_t)np * 2, sizeof *names);
    cn_status st = w && buf && names ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (int i = 0; i < np && !st; i++) {
        const cn_param *p = cn_model_param(m, i);
        if (p->goff == SIZE_MAX) continue;
        buf[2 * i] = malloc(p->n * sizeof(float) + 4);
        buf[2 * i + 1] = malloc(p->n * sizeof(float) + 4);
        if (!buf[2 * i] || !buf[2 * i + 1]) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        if ((st = cn_model_get_moments(m, i, buf[2 * i], buf[2 * i + 1]))) break;
        snprintf(names[2 * i], 112, "exp_avg.%s", p->name);
        snprintf(names[2 * i + 1], 112, "exp_avg_sq.%s", p->name);
        if (!(st = cn_st_add(w, names[2 * i], CN_ST_F32, p->shape, p->ndim, buf[2 * i])))
            st = cn_st_add(w, names[2 * i + 1], CN_ST_F32, p->shape, p->ndim, buf[2 * i + 1]);
    }
    if (!st) st = cn_st_write(w, path);
    for (int i = 0; buf && i < 2 * np; i++) free(buf[i]);
    free(buf), free(names);
    cn_st_writer_free(w);
    return st;
}

static int step_of(const char *name, int64_t *n) {
    char *end;
    if (strncmp(name, "step-", 5) != 0) return 0;
    long long v = strtoll(name + 5, &end, 10);
    if (end == name + 5 || *end) return 0;
    *n = v;
    return 1;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

cn_status cn_ckpt_save(const char *out, int64_t step, const cn_model *m, const char *trainer_json, const char *tokenizer, int keep) {
    int made = mkdir(out, 0755) == 0;
    if (!made && errno != EEXIST) return cn_fail(CN_EIO, "%s: %s", out, strerror(errno));
    char tmp[4096], fin[4096], p[4200];
    snprintf(tmp, sizeof tmp, "%s/step-%lld.tmp", out, (long long)step);
    snprintf(fin, sizeof fin, "%s/step-%lld", out, (long long)step);
    remove_ckpt(tmp); /* a stale one from a crash */
    /* a LoRA run's checkpoint holds the adapters, not the frozen base */
    cn_status st = cn_model_has_lora(m) ? cn_model_save_adapter(m, tmp, NULL) : cn_model_save(m, tmp);
    if (!st) snprintf(p, sizeof p, "%s/optimizer.safetensors", tmp), st = save_moments(m, p);
    if (!st) snprintf(p, sizeof p, "%s/trainer.json", tmp), st = cn_write_text(p, trainer_json);
    if (!st && tokenizer) snprintf(p, sizeof p, "%s/tokenizer.json", tmp), st = cn_copy_file(tokenizer, p);
    if (!st) st = fsync_dir(tmp);
    if (!st) {
        remove_ckpt(fin); /* the same step again (a resumed run) */
        if (rename(tmp, fin) != 0) st = cn_fail(CN_EIO, "%s: rename: %s", fin, strerror(errno));
    }
    if (!st) snprintf(p, sizeof p, "%s/latest", out), st = cn_write_text(p, fin + strlen(out) + 1);
    if (!st) st = fsync_dir(out);
    if (st) {
        remove_ckpt(tmp);
        if (made) rmdir(out); /* nothing of this run is left */
        return st;
    }
    if (keep <= 0) return CN_OK;
    /* keep the newest `keep` */
    DIR *d = opendir(out);
    if (!d) return CN_OK;
    int64_t *steps = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t s;
        if (!step_of(e->d_name, &s)) continue;
        if (n == cap) {
            int64_t *x = realloc(steps, (cap = cap ? cap * 2 : 16) * sizeof *x);
            if (!x) break;
            steps = x;
        }
        steps[n++] = s;
    }
    closedir(d);
    qsort(steps, n, sizeof *steps, cmp_i64);
    for (size_t i = 0; i + (size_t)keep < n; i++) {
        if (steps[i] == step) continue;
        snprintf(p, sizeof p, "%s/step-%lld", out, (long long)steps[i]);
        remove_ckpt(p);
    }
    free(steps);
    return CN_OK;
}

/* calls each(dir/step-N) for the checkpoints in dir; the count */
static size_t each_step(const char *dir, void (*each)(const char *path)) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t s;
        if (!step_of(e->d_name, &s)) continue;
        n++;
        if (!each) continue;
        char *p = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!p) break;
        sprintf(p, "%s/%s", dir, e->d_name);
        each(p);
        free(p);
    }
    closedir(d);
    return n;
}

int cn_ckpt_in_use(const char *dir) {
    char *p = malloc(strlen(dir) + 32);
    if (!p) return 1;
    int used = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files && !used; i++) {
        sprintf(p, "%s/%s", dir, files[i]);
        used = access(p, F_OK) == 0;
    }
    sprintf(p, "%s/latest", dir);
    used = used || access(p, F_OK) == 0 || each_step(dir, NULL) > 0;
    free(p);
    return used;
}

void cn_ckpt_clear(const char *out) {
    each_step(out, remove_ckpt);
    char *p = malloc(strlen(out) + 8);
    if (p) sprintf(p, "%s/latest", out), unlink(p);
    free(p);
    cn_ckpt_remove_model(out);
}

char *cn_ckpt_latest(const char *out) {
    char p[4096], name[256] = "";
    snprintf(p, sizeof p, "%s/latest", out);
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    if (!fgets(name, sizeof name, f)) name[0] = 0;
    fclose(f);
    name[strcspn(name, "\r\n")] = 0;
    int64_t s;
    if (!step_of(name, &s)) return NULL;
    char *dir = malloc(strlen(out) + strlen(name) + 2);
    if (dir) sprintf(dir, "%s/%s", out, name);
    return dir;
}

cn_status cn_ckpt_load(const char *dir, cn_model *m, char **trainer_json) {
    cn_status st = cn_model_has_lora(m) ? cn_model_load_adapter(m, dir) : cn_model_load(m, dir);
    if (st) return st;
    char p[4200];
    snprintf(p, sizeof p, "%s/optimizer.safetensors", dir);
    cn_st *s = cn_st_open(p);
    if (!s) return cn_last_status();
    for (int i = 0; i < cn_model_nparams(m) && !st; i++) {
        const cn_param *pp = cn_model_param(m, i);
        if (pp->goff == SIZE_MAX) continue;
        char n1[128], n2[128];
        snprintf(n1, sizeof n1, "exp_avg.%s", pp->name);
        snprintf(n2, sizeof n2, "exp_avg_sq.%s", pp->name);
        const cn_st_tensor *t1 = cn_st_find(s, n1), *t2 = cn_st_find(s, n2);
        if (!t1 || !t2) {
            st = cn_fail(CN_EFORMAT, "%s: moments of '%s' missing", p, pp->name);
            break;
        }
        float *a = malloc(pp->n * sizeof *a + 4), *b = malloc(pp->n * sizeof *b + 4);
        if (!a || !b) st = cn_fail(CN_ENOMEM, "out of memory");
        if (!st && !(st = cn_st_to_f32(t1, a, pp->n)) && !(st = cn_st_to_f32(t2, b, pp->n))) st = cn_model_set_moments(m, i, a, b);
        free(a), free(b);
    }
    cn_st_close(s);
    if (st) return st;
    snprintf(p, sizeof p, "%s/trainer.json", dir);
    size_t len;
    if (!(*trainer_json = cn_read_all(p, &len))) return cn_last_status();
    return CN_OK;
}

cn_status cn_ckpt_trainer_parse(const char *text, size_t n, const char *where, cn_trainer_state *s) {
    memset(s, 0, sizeof *s);
    cJSON *root = cJSON_ParseWithLength(text, n);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", where);
    }
    s->root = root;
    s->options = cJSON_GetObjectItemCaseSensitive(root, "options");
    s->data = cJSON_GetObjectItemCaseSensitive(root, "data");
    cn_status st = CN_OK;
    if (!cJSON_IsObject(s->options) || !cJSON_IsObject(s->data))
        st = cn_fail(CN_EFORMAT, "%s: not a trainer.json (no \"options\" and \"data\" objects)", where);
    if (!st) st = cn_json_int(root, "steps", where, 1, CN_JSON_INT_MAX, &s->steps);
    if (!st) st = cn_json_int(root, "step", where, 0, s->steps, &s->step);
    if (!st) st = cn_json_int(root, "tokens", where, 0, CN_JSON_INT_MAX, &s->tokens);
    if (!st) st = cn_json_int(root, "seed", where, 0, CN_JSON_INT_MAX, &s->seed);
    if (!st) st = cn_json_int(root, "threads", where, 1, 1 << 16, &s->threads);
    if (st) cn_ckpt_trainer_free(s);
    return st;
}

void cn_ckpt_trainer_free(cn_trainer_state *s) {
    cJSON_Delete(s->root);
    memset(s, 0, sizeof *s);
}
