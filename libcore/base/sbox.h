/* sbox: one command run apart from the caller, for code that no one here
 * wrote (generated Verilog and yosys scripts): in its own working directory
 * and process group, with a wall-time limit after which it is killed with
 * all its children, rlimits on memory, CPU time, file size and open files,
 * stdin from /dev/null, stdout and stderr to one log file, and a clean
 * environment (PATH, LC_ALL=C, and HOME and TMPDIR ".", the directory).
 *
 * Where the kernel allows it (as root, or through an unprivileged user
 * namespace), the command also gets a network namespace of its own (only a
 * loopback that is down: no network) and a PID namespace whose init it is,
 * so that killing it kills every process it started, even those that left
 * its process group; as root it then runs as nobody (uid and gid 65534,
 * no new privileges), the directory handed over to that user. */
#ifndef CN_SBOX_H
#define CN_SBOX_H
#include <stdint.h>
#include "log.h"

typedef struct {
    const char *dir;  /* the working directory (exists); the log is written there */
    const char *log;  /* the log's name in dir (stdout and stderr, in order) */
    double wall;      /* seconds before the kill (> 0) */
    uint64_t mem;     /* RLIMIT_AS of each process, bytes (0: none) */
    uint64_t fsize;   /* RLIMIT_FSIZE, bytes (0: none) */
    int isolate;      /* 1: namespaces where possible (see above); 0: none */
} cn_sbox_opts;

typedef enum { CN_SBOX_EXIT, CN_SBOX_SIGNAL, CN_SBOX_TIMEOUT } cn_sbox_end;

typedef struct {
    cn_sbox_end end;
    int code;     /* the exit status (EXIT) or the signal (SIGNAL) */
    double secs;  /* wall time */
    int isolated; /* 1: it ran in its own network and PID namespaces */
} cn_sbox_res;

/* Runs argv (argv[0] looked up on PATH) as above and waits for it, or kills
 * it with its children at o->wall. CN_EINVAL for bad options; CN_EIO when
 * the log cannot be made or fork fails (the command then did not run); a
 * command that cannot be executed ends as EXIT with code 127. Safe to call
 * from several threads at once. */
cn_status cn_sbox_run(char *const argv[], const cn_sbox_opts *o, cn_sbox_res *r);

/* Whether namespaces are to be had here (tried once, in a child): 1 or 0,
 * with the reason in cn_errmsg() when 0. */
int cn_sbox_can_isolate(void);

/* Whether cmd is an executable file on PATH (or at cmd, when it holds a
 * slash): 1 or 0. */
int cn_sbox_which(const char *cmd);

/* A new directory "PREFIX.XXXXXX" under parent (NULL: $TMPDIR, else /tmp),
 * malloc'd; NULL with the reason on failure. */
char *cn_sbox_mkdtemp(const char *parent, const char *prefix);
/* Removes dir and everything under it (symbolic links not followed). */
cn_status cn_sbox_rmtree(const char *dir);
#endif
