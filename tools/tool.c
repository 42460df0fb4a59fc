/* tool: shared command-line conventions. */
#include "tool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "num.h"

const char *cn_prog = "cn";

void cn_tool_init(const char *name) { cn_prog = name; }

void cn_usage_error(const char *fmt, ...) {
    cn_progress_interrupt();
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cn_prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", cn_prog);
    exit(2);
}

void cn_die(const char *fmt, ...) {
    cn_progress_interrupt();
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cn_prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void cn_die_status(void) { cn_die("%s", cn_errmsg()); }

void cn_print_version(void) {
    printf("%s %s\n", cn_prog, CN_VERSION);
    exit(0);
}

char *cn_shell_command(int n, const char *const *words) {
    size_t cap = 1, len = 0;
    for (int i = 0; i < n; i++) cap += 4 * strlen(words[i]) + 3;
    char *s = malloc(cap);
    if (!s) cn_die("out of memory");
    for (int i = 0; i < n; i++) {
        const char *w = words[i];
        if (i) s[len++] = ' ';
        if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-") == strlen(w)) {
            memcpy(s + len, w, strlen(w)), len += strlen(w);
            continue;
        }
        s[len++] = '\'';
        for (; *w; w++) {
            if (*w == '\'') memcpy(s + len, "'\\''", 4), len += 4;
            else s[len++] = *w;
        }
        s[len++] = '\'';
    }
    s[len] = 0;
    return s;
}

uint64_t cn_opt_u64(const char *opt, const char *val) {
    uint64_t v;
    if (cn_parse_u64(val, &v)) cn_usage_error("option %s: %s", opt, cn_errmsg());
    return v;
}

double cn_opt_double(const char *opt, const char *val) {
    double v;
    if (cn_parse_double(val, &v)) cn_usage_error("option %s: %s", opt, cn_errmsg());
    return v;
}

const char *cn_opt_weighted(const char *arg, double *w, int optional) {
    const char *colon = strchr(arg, ':');
    char wbuf[64];
    size_t wl = colon ? (size_t)(colon - arg) : 0;
    *w = 1;
    if (!colon || colon == arg || !colon[1]) {
        if (optional) return arg;
        cn_usage_error("'%s': expected WEIGHT:PATH", arg);
    }
    if (wl >= sizeof wbuf) {
        if (optional) return arg;
        cn_usage_error("'%s': bad weight", arg);
    }
    memcpy(wbuf, arg, wl);
    wbuf[wl] = 0;
    if (optional && strspn(wbuf, "0123456789.eE+-") != wl) return arg; /* a path with a colon */
    if (cn_parse_double(wbuf, w) || !(*w > 0)) cn_usage_error("'%s': weight must be a positive number", arg);
    return colon + 1;
}

void cn_check_binary_stdout(const char *out_path, int force) {
    if ((!out_path || strcmp(out_path, "-") == 0) && !force && isatty(STDOUT_FILENO))
        cn_usage_error("refusing to write binary data to a terminal (use -o FILE, a pipe, or -f)");
}

const char *cn_opt_device(const char *opt, const char *val) {
    if (cn_device_check(val)) cn_usage_error("option %s: cpu, cuda or cuda:N (N a GPU's index), not '%s'", opt, val);
    return val;
}

cn_precision cn_opt_precision(const char *opt, const char *val) {
    cn_precision p;
    if (cn_precision_parse(val, &p)) cn_usage_error("option %s: fp32 or bf16", opt);
    return p;
}

const cn_ops *cn_tool_device(const char *spec) {
    const cn_ops *o = cn_backend(spec);
    if (!o) cn_die("--device %s: %s", spec, cn_errmsg());
    return o;
}

cn_chat_template cn_tool_template(const char *name, const char *dir) {
    cn_chat_template t;
    if (name) {
        if (cn_chat_template_by_name(name, &t)) cn_usage_error("--template: %s", cn_errmsg());
        return t;
    }
    cn_status st = cn_chat_dir_template(dir, &t, NULL, NULL);
    if (st == CN_EIO) cn_die("%s: no tokenizer_config.json naming a chat template: give --template llama2, chatml or chipnemo", dir);
    if (st) cn_die_status();
    return t;
}
