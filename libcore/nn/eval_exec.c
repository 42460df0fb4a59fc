/* eval_exec: answers run by iverilog, vvp and yosys (eval_exec.h) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "eval_exec.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "io.h"
#include "jsonl.h"
#include "sbox.h"

static int id_ok(const char *s) {
    if (!*s || strlen(s) > 128) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
              *s == '-'))
            return 0;
    return 1;
}

static cn_status field(const cJSON *o, const char *key, const char *path, uint64_t line, const char **out) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(x)) return cn_fail(CN_EFORMAT, "%s:%llu: no \"%s\" string", path, (unsigned long long)line, key);
    *out = x->valuestring;
    return CN_OK;
}

static cn_status task_of(cJSON *o, const char *path, uint64_t line, cn_exec_task *t) {
    const char *kind = NULL, *prompt;
    cn_status st;
    *t = (cn_exec_task){.line = line};
    if ((st = field(o, "id", path, line, &t->id)) || (st = field(o, "kind", path, line, &kind)) ||
        (st = field(o, "prompt", path, line, &prompt)))
        return st;
    if (!id_ok(t->id))
        return cn_fail(CN_EFORMAT, "%s:%llu: id \"%.40s\" is not 1 to 128 of [A-Za-z0-9_.-]", path, (unsigned long long)line, t->id);
    if (strcmp(kind, "verilog") == 0) {
        t->kind = CN_EXEC_VERILOG;
        if ((st = field(o, "testbench", path, line, &t->bench))) return st;
    } else if (strcmp(kind, "yosys") == 0) {
        t->kind = CN_EXEC_YOSYS;
        if ((st = field(o, "design", path, line, &t->design)) || (st = field(o, "check", path, line, &t->bench))) return st;
    } else {
        return cn_fail(CN_EFORMAT, "%s:%llu: kind \"%.40s\": verilog or yosys", path, (unsigned long long)line, kind);
    }
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "level");
    if (lv && !cJSON_IsString(lv)) return cn_fail(CN_EFORMAT, "%s:%llu: \"level\" is not a string", path, (unsigned long long)line);
    t->level = lv ? lv->valuestring : "all";
    return CN_OK;
}

/* one task, its record kept; an id given twice is an error */
static cn_status exec_record(cn_jsonl *j, cJSON *o, void *arg) {
    cn_exec_set *set = arg;
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 64;
        cn_exec_task *v = realloc(set->v, cap * sizeof *v);
        if (!v) return cn_fail(CN_ENOMEM, "out of memory");
        set->v = v, set->cap = cap;
    }
    cJSON *own = cJSON_Duplicate(o, 1);
    if (!own) return cn_fail(CN_ENOMEM, "out of memory");
    cn_exec_task *t = &set->v[set->n];
    cn_status st = task_of(own, set->path, cn_jsonl_line(j), t);
    if (st) {
        cJSON_Delete(own);
        return st;
    }
    t->rec = own;
    set->n++;
    long first = cn_exec_find(set, t->id);
    if (first != (long)set->n - 1)
        return cn_fail(CN_EFORMAT, "%s:%llu: id \"%s\" again (first on line %llu)", set->path, (unsigned long long)t->line, t->id,
                       (unsigned long long)set->v[first].line);
    return CN_OK;
}

cn_status cn_exec_read(const char *path, cn_exec_set *set) {
    memset(set, 0, sizeof *set);
    set->path = path;
    cn_status st = cn_jsonl_each(path, 0, exec_record, set);
    if (!st && !set->n) st = cn_fail(CN_EFORMAT, "%s: no tasks", path);
    if (st) {
        cn_exec_free(set);
        set->path = path;
    }
    return st;
}

void cn_exec_free(cn_exec_set *set) {
    for (size_t i = 0; i < set->n; i++) cJSON_Delete(set->v[i].rec);
    free(set->v);
    memset(set, 0, sizeof *set);
}

long cn_exec_find(const cn_exec_set *set, const char *id) {
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].id, id) == 0) return (long)i;
    return -1;
}

/* a line that opens or closes a fence: ``` after any spaces or tabs */
static int fence(const char *line) {
    line += strspn(line, " \t");
    return strncmp(line, "```", 3) == 0;
}

char *cn_exec_code(const char *a) {
    const char *body = NULL, *end = NULL;
    for (const char *line = a; *line;) {
        const char *nl = strchr(line, '\n'), *next = nl ? nl + 1 : line + strlen(line);
        if (fence(line)) {
            if (!body) {
                body = next;
            } else {
                end = line;
                break;
            }
        }
        line = next;
    }
    if (!body) return strdup(a);
    if (!end) end = body + strlen(body);
    return strndup(body, (size_t)(end - body));
}

/* dir/name holding s: made anew (a file or link the answer left there is
 * removed first, and none is followed) */
static cn_status put_file(const char *dir, const char *name, const char *s) {
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0) return cn_fail(CN_ENOMEM, "out of memory");
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    size_t n = strlen(s), done = 0;
    while (fd >= 0 && done < n) {
        ssize_t w = write(fd, s + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    cn_status st = fd >= 0 && done == n && close(fd) == 0 ? CN_OK : cn_fail_errno(CN_EIO, "%s", p);
    if (st && fd >= 0) close(fd);
    free(p);
    return st;
}

/* the last bytes of dir/log into r->log */
static void log_tail(const char *dir, const char *log, cn_exec_res *r) {
    char *p;
    r->log[0] = 0;
    if (asprintf(&p, "%s/%s", dir, log) < 0) return;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(p);
    struct stat st;
    if (fd < 0) return;
    if (fstat(fd, &st) == 0) {
        off_t off = st.st_size > (off_t)sizeof r->log - 1 ? st.st_size - (off_t)sizeof r->log + 1 : 0;
        ssize_t got = pread(fd, r->log, sizeof r->log - 1, off);
        r->log[got > 0 ? got : 0] = 0;
        for (ssize_t i = 0; i < got; i++)
            if (!r->log[i]) r->log[i] = ' ';
    }
    close(fd);
}

/* whether dir/log has a line that is exactly PASS */
static int printed_pass(const char *dir, const char *log) {
    char *p, *line = NULL;
    size_t cap = 0;
    if (asprintf(&p, "%s/%s", dir, log) < 0) return 0;
    FILE *f = fopen(p, "re");
    free(p);
    int found = 0;
    ssize_t n;
    while (f && !found && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        found = strcmp(line, "PASS") == 0;
    }
    free(line);
    if (f) fclose(f);
    return found;
}

/* one command of a run: *ok = 1 when it exited 0; r's verdict (as if it
 * were the last), stage, code and log set either way */
static cn_status stage(char *const argv[], const char *dir, const char *name, const char *log, const cn_exec_opts *o, cn_exec_res *r,
                       int *ok) {
    cn_sbox_opts so = {.dir = dir, .log = log, .wall = o->wall, .mem = o->mem, .fsize = 64u << 20, .isolate = o->isolate};
    cn_sbox_res sr;
    cn_status st = cn_sbox_run(argv, &so, &sr);
    if (st) return st;
    r->secs += sr.secs;
    r->isolated &= sr.isolated;
    r->stage = name, r->code = sr.code;
    *ok = sr.end == CN_SBOX_EXIT && sr.code == 0;
    r->verdict = sr.end == CN_SBOX_TIMEOUT ? CN_EXEC_TIMEOUT : sr.end == CN_SBOX_SIGNAL ? CN_EXEC_SIGNAL : CN_EXEC_FAIL;
    log_tail(dir, log, r);
    return CN_OK;
}

static cn_status run_in(const cn_exec_task *t, const char *code, const char *dir, const cn_exec_opts *o, cn_exec_res *r) {
    cn_status st;
    int ok = 0;
    if (t->kind == CN_EXEC_VERILOG) {
        char *cc[] = {"iverilog", "-g2012", "-s", "tb", "-o", "sim.vvp", "tb.v", "gen.v", NULL};
        char *sim[] = {"vvp", "-n", "sim.vvp", NULL};
        if ((st = put_file(dir, "tb.v", t->bench)) || (st = put_file(dir, "gen.v", code)) ||
            (st = stage(cc, dir, "compile", "compile.log", o, r, &ok)) || !ok ||
            (st = stage(sim, dir, "simulate", "simulate.log", o, r, &ok)) || !ok)
            return st;
        if (printed_pass(dir, "simulate.log")) r->verdict = CN_EXEC_PASS;
        return CN_OK;
    }
    char *script[] = {"yosys", "-q", "-s", "gen.ys", NULL};
    char *check[] = {"yosys", "-q", "-s", "check.ys", NULL};
    /* the check and its copy of the design are written after the answer ran,
     * so that the answer cannot change them */
    if ((st = put_file(dir, "design.v", t->design)) || (st = put_file(dir, "gen.ys", code)) ||
        (st = stage(script, dir, "script", "script.log", o, r, &ok)) || !ok)
        return st;
    if (put_file(dir, "design.v", t->design) || put_file(dir, "check.ys", t->bench)) { /* the answer's doing */
        r->stage = "check", r->code = -1;
        snprintf(r->log, sizeof r->log, "the answer left no room for the check's files: %s", cn_errmsg());
        return CN_OK;
    }
    if ((st = stage(check, dir, "check", "check.log", o, r, &ok)) || !ok) return st;
    r->verdict = CN_EXEC_PASS;
    return CN_OK;
}

cn_status cn_exec_run(const cn_exec_task *t, const char *code, const char *name, const cn_exec_opts *o, cn_exec_res *r) {
    memset(r, 0, sizeof *r);
    r->isolated = 1, r->verdict = CN_EXEC_FAIL, r->stage = "";
    char *dir;
    if (o->keep) {
        if (!id_ok(name)) return cn_fail(CN_EINVAL, "run name \"%s\" is not of [A-Za-z0-9_.-]", name);
        if (asprintf(&dir, "%s/%s", o->keep, name) < 0) return cn_fail(CN_ENOMEM, "out of memory");
        if (mkdir(dir, 0755) != 0) {
            cn_status st = cn_fail_errno(CN_EIO, "%s", dir);
            free(dir);
            return st;
        }
    } else if (!(dir = cn_sbox_mkdtemp(NULL, "cn-exec"))) {
        return cn_last_status();
    }
    cn_status st = run_in(t, code, dir, o, r);
    if (!o->keep) {
        cn_status rm = cn_sbox_rmtree(dir);
        if (!st) st = rm;
    }
    free(dir);
    return st;
}

const char *cn_exec_verdict_name(cn_exec_verdict v) {
    static const char *const n[] = {"pass", "fail", "timeout", "signal"};
    return n[v];
}

const char *cn_exec_kind_name(cn_exec_kind k) { return k == CN_EXEC_VERILOG ? "verilog" : "yosys"; }

double cn_exec_pass_at_k(unsigned n, unsigned c, unsigned k) {
    if (n - c < k) return 1.0;
    double p = 1.0; /* C(n-c, k) / C(n, k) = prod over i in (n-c, n] of (1 - k/i) */
    for (unsigned i = n - c + 1; i <= n; i++) p *= 1.0 - (double)k / i;
    return 1.0 - p;
}
