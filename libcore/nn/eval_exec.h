/* eval_exec: generated Verilog and yosys scripts checked by running the real
 * tools on them, as ChipNeMo's EDA-script benchmark and VerilogEval check
 * code, and pass@k, the unbiased estimator of Chen et al. (2021).
 *
 * A task is one JSONL record:
 *   {"id": ID, "kind": "verilog", "prompt": P, "testbench": TB, ...}
 *   {"id": ID, "kind": "yosys", "prompt": P, "design": V, "check": YS, ...}
 * ID of [A-Za-z0-9_.-]; other keys (a "level", the "reference" solution...)
 * are kept. A Verilog answer is compiled with the testbench, whose top
 * module is tb (iverilog -g2012 -s tb -o sim.vvp tb.v gen.v), and simulated
 * (vvp -n sim.vvp); it passes when vvp exits 0 having printed a line that is
 * exactly PASS. A yosys answer is run as a script (yosys -q -s gen.ys) in a
 * directory holding design.v, then the task's check (yosys -q -s check.ys)
 * reads what it wrote; it passes when both exit 0. Every command runs in
 * the sandbox of sbox.h, in a directory of the run's own. */
#ifndef CN_EVAL_EXEC_H
#define CN_EVAL_EXEC_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef enum { CN_EXEC_VERILOG, CN_EXEC_YOSYS } cn_exec_kind;

typedef struct {
    const char *id, *level; /* level: the "level" string, or "all" when none */
    cn_exec_kind kind;
    const char *bench;      /* verilog: the testbench; yosys: the check script */
    const char *design;     /* yosys: the design; verilog: NULL */
    cJSON *rec;             /* the record, owned (the strings above are its) */
    uint64_t line;
} cn_exec_task;

typedef struct {
    const char *path;
    cn_exec_task *v;
    size_t n, cap;
} cn_exec_set;

/* Reads the tasks of path. Errors name the file and line: a missing or
 * non-string field, an unknown kind, a bad or repeated id; a file without
 * tasks is CN_EFORMAT. set is empty after an error. */
cn_status cn_exec_read(const char *path, cn_exec_set *set);
void cn_exec_free(cn_exec_set *set);
/* The index of the task id, or -1. */
long cn_exec_find(const cn_exec_set *set, const char *id);

/* The code in an answer (malloc'd, NULL when out of memory): the body of
 * its first fenced block (a line starting ``` opens it, whatever follows on
 * that line, and one starting ``` closes it, else the answer's end), or
 * the whole answer when it has none. */
char *cn_exec_code(const char *answer);

typedef enum { CN_EXEC_PASS, CN_EXEC_FAIL, CN_EXEC_TIMEOUT, CN_EXEC_SIGNAL } cn_exec_verdict;

typedef struct {
    double wall;         /* seconds each command may run */
    uint64_t mem;        /* bytes of address space each process may have (0: no limit) */
    int isolate;         /* namespaces where possible (sbox.h) */
    const char *keep;    /* NULL: a temporary directory per run, removed after;
                            else runs in keep/NAME, which is left */
} cn_exec_opts;

typedef struct {
    cn_exec_verdict verdict;
    const char *stage;   /* where it ended: compile, simulate (verilog); script, check (yosys) */
    int code;            /* that command's exit status, or its signal */
    double secs;         /* the commands' wall time together */
    int isolated;        /* every command ran in its own namespaces */
    char log[1024];      /* the end of that command's output (stdout and stderr), NUL-terminated */
} cn_exec_res;

/* Runs code (a solution: cn_exec_code of an answer) on task t. name names
 * the run's directory under o->keep ([A-Za-z0-9_.-], not there yet). A
 * failing answer is a verdict, not an error; errors are the sandbox's (a
 * directory or file that cannot be made: CN_EIO). */
cn_status cn_exec_run(const cn_exec_task *t, const char *code, const char *name, const cn_exec_opts *o, cn_exec_res *r);

/* The names of a verdict ("pass", "fail", "timeout", "signal") and a kind */
const char *cn_exec_verdict_name(cn_exec_verdict v);
const char *cn_exec_kind_name(cn_exec_kind k);

/* pass@k of a task with c of n samples passing, 1 <= k <= n:
 * 1 - C(n-c, k) / C(n, k), as a product (Chen et al.'s numerically stable form). */
double cn_exec_pass_at_k(unsigned n, unsigned c, unsigned k);
#endif
