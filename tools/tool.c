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

void cn_check_binary_stdout(const char *out_path, int force) {
    if ((!out_path || strcmp(out_path, "-") == 0) && !force && isatty(STDOUT_FILENO))
        cn_usage_error("refusing to write binary data to a terminal (use -o FILE, a pipe, or -f)");
}
