/* sbox: a command run apart (sbox.h). The parent forks a go-between A in a
 * process group of its own; A enters the new namespaces (a PID namespace
 * takes effect for A's children) and forks the command B, which becomes the
 * namespace's init, so that B's death kills whatever it started. A waits
 * for B and hands its wait status to the parent through a pipe. The parent
 * polls A, and at the limit kills the whole group; when A ends, anything
 * left in the group is killed too (A is kept a zombie until then, so that
 * its process-group id cannot be reused meanwhile). Between fork and exec
 * the children only make system calls (no allocation, no locks): all is
 * prepared before the fork. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sbox.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#define NOBODY 65534

/* the maps a user namespace needs before its process may create files:
 * our own uid and gid mapped to themselves */
typedef struct {
    char uid_map[64], gid_map[64];
} idmaps;

static void make_maps(idmaps *m) {
    snprintf(m->uid_map, sizeof m->uid_map, "%u %u 1\n", (unsigned)geteuid(), (unsigned)geteuid());
    snprintf(m->gid_map, sizeof m->gid_map, "%u %u 1\n", (unsigned)getegid(), (unsigned)getegid());
}

static int write_file(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t len = (ssize_t)strlen(s), w = write(fd, s, (size_t)len);
    close(fd);
    return w == len ? 0 : -1;
}

/* In a child: new network and PID namespaces, as root directly, else inside
 * a new user namespace. 0, or -1 with errno. */
static int enter_namespaces(const idmaps *m) {
    if (geteuid() == 0) return unshare(CLONE_NEWNET | CLONE_NEWPID);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID) != 0) return -1;
    if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", m->uid_map) ||
        write_file("/proc/self/gid_map", m->gid_map))
        return -1;
    return 0;
}

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int probe_errno = -1; /* 0: namespaces work */

static void probe(void) {
    idmaps m;
    make_maps(&m);
    pid_t p = fork();
    if (p == 0) _exit(enter_namespaces(&m) == 0 ? 0 : (errno & 0xff ? errno & 0xff : 1));
    int ws;
    if (p < 0 || waitpid(p, &ws, 0) != p) {
        probe_errno = p < 0 ? errno : ECHILD;
        return;
    }
    probe_errno = WIFEXITED(ws) ? WEXITSTATUS(ws) : EPERM;
}

int cn_sbox_can_isolate(void) {
    pthread_once(&probe_once, probe);
    if (probe_errno == 0) return 1;
    cn_fail(CN_EINVAL, "no network or PID namespace: unshare: %s", strerror(probe_errno));
    return 0;
}

/* argv0 on PATH (or as given when it holds a slash) into buf; 0 when found */
static int resolve(const char *argv0, char *buf, size_t cap) {
    if (strchr(argv0, '/')) {
        if (snprintf(buf, cap, "%s", argv0) >= (int)cap) return -1;
        return access(buf, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (snprintf(buf, cap, "%.*s%s%s", (int)n, p, n ? "/" : "", argv0) < (int)cap && access(buf, X_OK) == 0) {
            struct stat st;
            if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return 0;
        }
        if (!e) return -1;
        p = e + 1;
    }
}

int cn_sbox_which(const char *cmd) {
    char buf[PATH_MAX];
    return resolve(cmd, buf, sizeof buf) == 0;
}

static void set_limit(int what, uint64_t v) {
    struct rlimit r = {(rlim_t)v, (rlim_t)v};
    setrlimit(what, &r);
}

typedef struct {
    int isolated; /* A entered the namespaces */
    int status;   /* B's wait status */
} report;

cn_status cn_sbox_run(char *const argv[], const cn_sbox_opts *o, cn_sbox_res *r) {
    memset(r, 0, sizeof *r);
    if (!argv || !argv[0] || !o || !o->dir || !o->log || !(o->wall > 0))
        return cn_fail(CN_EINVAL, "sbox: a command, a directory, a log name and a time limit are needed");
    char exe[PATH_MAX];
    if (resolve(argv[0], exe, sizeof exe) != 0) {
        r->end = CN_SBOX_EXIT, r->code = 127;
        return CN_OK;
    }
    char dir[PATH_MAX], logpath[PATH_MAX + 256], home[16], tmp[16], pathenv[PATH_MAX + 8];
    if (!realpath(o->dir, dir)) return cn_fail_errno(CN_EIO, "%s", o->dir);
    if (snprintf(logpath, sizeof logpath, "%s/%s", dir, o->log) >= (int)sizeof logpath)
        return cn_fail(CN_EINVAL, "sbox: %s: path too long", dir);
    /* relative: the command starts there, and as nobody it may not be able to
     * pass through the directories above */
    snprintf(home, sizeof home, "HOME=.");
    snprintf(tmp, sizeof tmp, "TMPDIR=.");
    const char *path = getenv("PATH");
    snprintf(pathenv, sizeof pathenv, "PATH=%s", path ? path : "/usr/bin:/bin");
    char *envp[] = {pathenv, home, tmp, "LC_ALL=C", NULL};
    int root = geteuid() == 0, isolate = o->isolate && cn_sbox_can_isolate();
    idmaps m;
    make_maps(&m);

    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) return cn_fail_errno(CN_EIO, "%s", logpath);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC), pfd[2];
    if (nullfd < 0 || pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0) {
        cn_status st = cn_fail_errno(CN_EIO, "sbox: /dev/null or a pipe");
        close(logfd);
        if (nullfd >= 0) close(nullfd);
        return st;
    }
    if (isolate && root && (chown(dir, NOBODY, NOBODY) != 0 || fchown(logfd, NOBODY, NOBODY) != 0)) {
        cn_status st = cn_fail_errno(CN_EIO, "%s: handing it to nobody", dir);
        close(logfd), close(nullfd), close(pfd[0]), close(pfd[1]);
        return st;
    }
    double t0 = cn_now();
    pid_t a = fork();
    if (a == 0) { /* A */
        setpgid(0, 0);
        report rep = {0, 0};
        if (isolate) rep.isolated = enter_namespaces(&m) == 0;
        pid_t b = fork();
        if (b == 0) { /* B: the command */
            sigset_t all;
            sigemptyset(&all);
            sigprocmask(SIG_SETMASK, &all, NULL);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (chdir(dir)) _exit(126); /* before the switch to nobody: see HOME */
            if (rep.isolated && root && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))) _exit(126);
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            if (o->mem) set_limit(RLIMIT_AS, o->mem);
            if (o->fsize) set_limit(RLIMIT_FSIZE, o->fsize);
            set_limit(RLIMIT_CPU, (uint64_t)o->wall + 2);
            set_limit(RLIMIT_CORE, 0);
            set_limit(RLIMIT_NOFILE, 256);
            if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0) _exit(126);
            execve(exe, argv, envp);
            _exit(127);
        }
        if (b < 0) _exit(126);
        int ws;
        while (waitpid(b, &ws, 0) < 0)
            if (errno != EINTR) _exit(126);
        rep.status = ws;
        ssize_t w = write(pfd[1], &rep, sizeof rep);
        _exit(w == (ssize_t)sizeof rep ? 0 : 126);
    }
    int err = errno;
    close(logfd), close(nullfd), close(pfd[1]);
    if (a < 0) {
        close(pfd[0]);
        errno = err;
        return cn_fail_errno(CN_EIO, "sbox: fork");
    }
    setpgid(a, a); /* also here, so that the group exists before any kill */
    int timed_out = 0;
    struct timespec nap = {0, 1000000};
    for (;;) {
        siginfo_t si;
        si.si_pid = 0;
        if (waitid(P_PID, (id_t)a, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == a) break;
        if (cn_now() - t0 >= o->wall) {
            timed_out = 1;
            kill(-a, SIGKILL);
            break;
        }
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 20000000) nap.tv_nsec *= 2;
    }
    kill(-a, SIGKILL); /* whatever is left in the group; A, a zombie or dying, keeps its id */
    int ws;
    while (waitpid(a, &ws, 0) < 0 && errno == EINTR) {
    }
    r->secs = cn_now() - t0;
    report rep;
    ssize_t got = read(pfd[0], &rep, sizeof rep);
    close(pfd[0]);
    if (timed_out) {
        r->end = CN_SBOX_TIMEOUT, r->isolated = isolate;
    } else if (got == (ssize_t)sizeof rep) {
        r->isolated = rep.isolated;
        if (WIFEXITED(rep.status)) r->end = CN_SBOX_EXIT, r->code = WEXITSTATUS(rep.status);
        else r->end = CN_SBOX_SIGNAL, r->code = WTERMSIG(rep.status);
    } else { /* A itself failed */
        r->end = CN_SBOX_EXIT, r->code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 126;
    }
    return CN_OK;
}

char *cn_sbox_mkdtemp(const char *parent, const char *prefix) {
    if (!parent) parent = getenv("TMPDIR");
    if (!parent || !*parent) parent = "/tmp";
    char *d;
    if (asprintf(&d, "%s/%s.XXXXXX", parent, prefix) < 0) {
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    if (!mkdtemp(d)) {
        cn_fail_errno(CN_EIO, "%s: making a directory", parent);
        free(d);
        return NULL;
    }
    return d;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)flag, (void)f;
    return remove(path) ? -1 : 0;
}

cn_status cn_sbox_rmtree(const char *dir) {
    if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) return cn_fail_errno(CN_EIO, "%s: removing it", dir);
    return CN_OK;
}
