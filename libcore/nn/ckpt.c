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
#include "mdir.h"
#include "st.h"

static const char *files[] = {"config.json",           "model.safetensors",     "adapter_config.json",     "adapter_model.safetensors",
                              "optimizer.safetensors", "trainer.json",          "tokenizer.json",          "tokenizer_config.json",
                              "generation_config.json"};

/* removes a checkpoint directory (only the files a checkpoint holds) */
static void remove_ckpt(const char *dir) { cn_ckpt_remove_model(dir); }

void cn_ckpt_remove_model(const char *dir) {
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = cn_path_join(dir, files[i]);
        if (p) unlink(p);
        free(p);
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

cn_status cn_ckpt_save(const char *out, int64_t step, const cn_model *m, const char *trainer_json, const cn_ckpt_side *side,
                       int keep) {
    int made = mkdir(out, 0755) == 0;
    if (!made && errno != EEXIST) return cn_fail(CN_EIO, "%s: %s", out, strerror(errno));
    char name[48];
    snprintf(name, sizeof name, "step-%lld.tmp", (long long)step);
    char *tmp = cn_path_join(out, name);
    name[strlen(name) - 4] = 0;
    char *fin = cn_path_join(out, name), *p = NULL;
    if (!tmp || !fin) {
        free(tmp), free(fin);
        return CN_ENOMEM;
    }
    remove_ckpt(tmp); /* a stale one from a crash */
    /* a LoRA run's checkpoint holds the adapters, not the frozen base */
    cn_status st = cn_model_has_lora(m) ? cn_model_save_adapter(m, tmp, NULL) : cn_model_save(m, tmp);
    if (!st) st = (p = cn_path_join(tmp, "optimizer.safetensors")) ? save_moments(m, p) : CN_ENOMEM;
    free(p), p = NULL;
    if (!st) st = (p = cn_path_join(tmp, "trainer.json")) ? cn_write_text(p, trainer_json) : CN_ENOMEM;
    free(p), p = NULL;
    if (!st && side->tokenizer) st = cn_mdir_write_tokenizer(tmp, side->tokenizer);
    if (!st) st = cn_mdir_carry(tmp, side->carry_from, side->carry);
    if (!st) st = fsync_dir(tmp);
    if (!st) {
        remove_ckpt(fin); /* the same step again (a resumed run) */
        if (rename(tmp, fin) != 0) st = cn_fail(CN_EIO, "%s: rename: %s", fin, strerror(errno));
    }
    if (!st) st = (p = cn_path_join(out, "latest")) ? cn_write_text(p, name) : CN_ENOMEM;
    free(p), free(fin);
    if (!st) st = fsync_dir(out);
    if (st) remove_ckpt(tmp);
    free(tmp);
    if (st) {
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
        snprintf(name, sizeof name, "step-%lld", (long long)steps[i]);
        char *p = cn_path_join(out, name);
        if (p) remove_ckpt(p);
        free(p);
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
        char *p = cn_path_join(dir, e->d_name);
        if (!p) break;
        each(p);
        free(p);
    }
    closedir(d);
    return n;
}

int cn_ckpt_in_use(const char *dir) {
    int used = 0;
    for (size_t i = 0; i <= sizeof files / sizeof *files && !used; i++) {
        char *p = cn_path_join(dir, i < sizeof files / sizeof *files ? files[i] : "latest");
        used = !p || access(p, F_OK) == 0; /* out of memory: in use, to be safe */
        free(p);
    }
    return used || each_step(dir, NULL) > 0;
}

void cn_ckpt_clear(const char *out) {
    each_step(out, remove_ckpt);
    char *p = cn_path_join(out, "latest");
    if (p) unlink(p);
    free(p);
    cn_ckpt_remove_model(out);
}

char *cn_ckpt_latest(const char *out) {
    char *p = cn_path_join(out, "latest"), name[256] = "";
    FILE *f = p ? fopen(p, "r") : NULL;
    free(p);
    if (!f) return NULL;
    if (!fgets(name, sizeof name, f)) name[0] = 0;
    fclose(f);
    name[strcspn(name, "\r\n")] = 0;
    int64_t s;
    if (!step_of(name, &s)) return NULL;
    return cn_path_join(out, name);
}

cn_status cn_ckpt_load(const char *dir, cn_model *m, char **trainer_json) {
    cn_status st = cn_model_has_lora(m) ? cn_model_load_adapter(m, dir) : cn_model_load(m, dir);
    if (st) return st;
    char *p = cn_path_join(dir, "optimizer.safetensors");
    cn_st *s = p ? cn_st_open(p) : NULL;
    if (!s) return free(p), cn_last_status();
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
    free(p);
    if (st) return st;
    size_t len;
    p = cn_path_join(dir, "trainer.json");
    *trainer_json = p ? cn_read_all(p, &len) : NULL;
    free(p);
    return *trainer_json ? CN_OK : cn_last_status();
}
