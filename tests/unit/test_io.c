/* io: plain and zstd round trips, zstd by magic, truncated frames, several
 * frames, atomic outputs that leave nothing behind on abort, exit or signal. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "io.h"
#include "rng.h"

static int nfiles(void) {
    DIR *d = opendir(".");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void write_file(const char *path, const uint8_t *p, size_t n, int flags) {
    cn_out *o = cn_out_open(path, flags);
    CHECK(o != NULL);
    /* uneven pieces, some larger than the buffer */
    for (size_t done = 0, step = 1; done < n; done += step, step = step * 3 + 1) {
        if (done + step > n) step = n - done;
        CHECK(cn_out_write(o, p + done, step) == CN_OK);
    }
    CHECK(cn_out_commit(o) == CN_OK);
}

static int read_back(const char *path, const uint8_t *want, size_t n, int zstd) {
    cn_in *in = cn_in_open(path);
    if (!in) return 0;
    int ok = cn_in_zstd(in) == zstd;
    size_t pos = 0;
    for (size_t step = 7;; step = step * 2 + 3) {
        size_t avail;
        const uint8_t *p = cn_in_get(in, step, &avail);
        if (!p) { ok = 0; break; }
        if (!avail) break;
        size_t take = avail < step ? avail : step;
        if (pos + take > n || memcmp(p, want + pos, take) != 0) { ok = 0; break; }
        cn_in_skip(in, take);
        pos += take;
    }
    cn_in_close(in);
    return ok && pos == n;
}

/* makes stdin a pipe fed with the file's bytes by a child process */
static int pipe_stdin(const char *path) {
    int fds[2];
    if (pipe(fds) != 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        execlp("cat", "cat", path, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    dup2(fds[0], 0);
    close(fds[0]);
    return pid > 0;
}

int main(void) {
    size_t n = 5u << 20;
    uint8_t *data = malloc(n);
    cn_rng r;
    uint64_t k = 1;
    cn_rng_seed(&r, &k, 1);
    for (size_t i = 0; i < n; i++) data[i] = (uint8_t)("abcdefgh\n"[cn_rng_below(&r, 9)]); /* compressible */

    write_file("plain.bin", data, n, 0);
    CHECK(read_back("plain.bin", data, n, 0));
    write_file("comp.zst", data, n, 0);
    CHECK(read_back("comp.zst", data, n, 1));
    write_file("forced", data, n, CN_OUT_ZSTD);
    CHECK(read_back("forced", data, n, 1));
    CHECK(nfiles() == 3); /* no temporary left */

    /* stdin as a pipe: plain and zstd are both detected without seeking */
    CHECK(pipe_stdin("comp.zst") && read_back("-", data, n, 1));
    CHECK(pipe_stdin("plain.bin") && read_back("-", data, n, 0));

    /* in memory: zstd decoded without a thread, truncation still an error */
    {
        FILE *f = fopen("comp.zst", "rb");
        fseek(f, 0, SEEK_END);
        size_t zn = (size_t)ftell(f);
        rewind(f);
        uint8_t *z = malloc(zn);
        CHECK(fread(z, 1, zn, f) == zn);
        fclose(f);
        for (int cut = 0; cut < 2; cut++) {
            cn_in *m = cn_in_mem(z, cut ? zn / 2 : zn, "mem");
            size_t pos = 0, avail;
            const uint8_t *q;
            while ((q = cn_in_get(m, 100000, &avail)) && avail) {
                if (pos + avail > n || memcmp(q, data + pos, avail) != 0) break;
                cn_in_skip(m, avail);
                pos += avail;
            }
            CHECK(cn_in_zstd(m));
            if (cut) CHECK(q == NULL && strstr(cn_errmsg(), "mem: truncated zstd frame"));
            else CHECK(q != NULL && pos == n);
            cn_in_close(m);
        }
        free(z);
    }

    /* two zstd frames back to back are one stream */
    CHECK(system("cat comp.zst comp.zst > two.zst") == 0);
    uint8_t *twice = malloc(2 * n);
    memcpy(twice, data, n);
    memcpy(twice + n, data, n);
    CHECK(read_back("two.zst", twice, 2 * n, 1));
    free(twice);

    /* a truncated frame is an error, not a short read */
    CHECK(system("head -c 1000 comp.zst > trunc.zst") == 0);
    cn_in *in = cn_in_open("trunc.zst");
    CHECK(in != NULL);
    size_t avail;
    const uint8_t *p = cn_in_get(in, n, &avail);
    CHECK(p == NULL);
    CHECK(strstr(cn_errmsg(), "truncated zstd frame") != NULL);
    cn_in_close(in);

    /* cn_in_read: whole, truncated and end-of-input results */
    in = cn_in_open("plain.bin");
    uint8_t buf[16];
    CHECK(cn_in_read(in, buf, 16) == CN_OK && memcmp(buf, data, 16) == 0);
    size_t left = n - 16;
    uint8_t *rest = malloc(left + 1);
    CHECK(cn_in_read(in, rest, left + 1) == CN_ETRUNC);
    CHECK(cn_in_read(in, buf, 1) == CN_EOF);
    free(rest);
    cn_in_close(in);

    /* empty file: no bytes, no error */
    write_file("empty", data, 0, 0);
    in = cn_in_open("empty");
    CHECK(in && cn_in_get(in, 1, &avail) && avail == 0);
    cn_in_close(in);
    CHECK(cn_in_open("does-not-exist") == NULL && strstr(cn_errmsg(), "does-not-exist") != NULL);

    /* abort leaves neither the file nor its temporary */
    int before = nfiles();
    cn_out *o = cn_out_open("aborted.zst", 0);
    CHECK(cn_out_write(o, data, 1000) == CN_OK);
    CHECK(nfiles() == before + 1);
    cn_out_abort(o);
    CHECK(nfiles() == before);

    /* exit() without commit, and SIGTERM, remove the temporary too */
    pid_t pid = fork();
    if (pid == 0) {
        static cn_out *c; /* reachable at exit: not a leak */
        c = cn_out_open("child-exit", 0);
        cn_out_write(c, data, 10);
        exit(1);
    }
    int ws;
    waitpid(pid, &ws, 0);
    CHECK(WIFEXITED(ws) && nfiles() == before);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        cn_out *c = cn_out_open("child-signal", 0);
        cn_out_write(c, data, 10);
        CHECK(write(fds[1], "x", 1) == 1);
        pause();
        _exit(0);
    }
    char x;
    CHECK(read(fds[0], &x, 1) == 1);
    CHECK(nfiles() == before + 1);
    kill(pid, SIGTERM);
    waitpid(pid, &ws, 0);
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM);
    CHECK(nfiles() == before);

    /* a directory made for the outputs (cn_out_own_dir) goes with them on
       SIGINT mid-write; one that other files keep stays */
    for (int keep = 0; keep < 2; keep++) {
        CHECK(mkdir("owned", 0755) == 0);
        if (keep) close(open("owned/other", O_WRONLY | O_CREAT, 0644));
        pid = fork();
        if (pid == 0) {
            cn_out_own_dir("owned");
            cn_out *c = cn_out_open("owned/part", 0);
            cn_out_write(c, data, 10);
            cn_out_flush(c);
            CHECK(write(fds[1], "x", 1) == 1);
            pause();
            _exit(0);
        }
        CHECK(read(fds[0], &x, 1) == 1);
        struct stat sb;
        CHECK(stat("owned", &sb) == 0); /* it landed mid-write: the temporary is there */
        CHECK(nfiles() == before + 1);
        kill(pid, SIGINT);
        waitpid(pid, &ws, 0);
        CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGINT);
        CHECK((stat("owned", &sb) == 0) == keep);
        if (keep) CHECK(unlink("owned/other") == 0 && rmdir("owned") == 0);
    }

    /* copied and referenced pieces come out in order, whatever their sizes */
    {
        cn_out *w = cn_out_open("mixed.bin", 0);
        size_t off = 0, k = 0;
        while (off < n) {
            size_t step = (size_t)cn_rng_below(&r, k % 7 == 0 ? 300000 : 3000) + 1;
            if (off + step > n) step = n - off;
            CHECK((k++ % 2 ? cn_out_write_ref(w, data + off, step) : cn_out_write(w, data + off, step)) == CN_OK);
            off += step;
        }
        CHECK(cn_out_commit(w) == CN_OK);
        CHECK(read_back("mixed.bin", data, n, 0));
        w = cn_out_open("mixed.zst", 0);
        CHECK(cn_out_write_ref(w, data, n / 2) == CN_OK && cn_out_write(w, data + n / 2, n - n / 2) == CN_OK);
        CHECK(cn_out_commit(w) == CN_OK);
        CHECK(read_back("mixed.zst", data, n, 1));
    }

    /* closing a stream whose read-ahead thread waits on an idle pipe returns */
    {
        int pf[2];
        CHECK(pipe(pf) == 0);
        CHECK(write(pf[1], "abcdefgh", 8) == 8);
        int saved = dup(0);
        dup2(pf[0], 0);
        cn_in *idle = cn_in_open("-");
        size_t got;
        const uint8_t *q = cn_in_get(idle, 8, &got);
        CHECK(q && got == 8 && memcmp(q, "abcdefgh", 8) == 0);
        cn_in_close(idle); /* the producer waits on the pipe: it is stopped */
        dup2(saved, 0);
        close(saved);
        close(pf[0]);
        close(pf[1]);
    }

    /* writing to a full device is an error */
    o = cn_out_open("/dev/full", 0);
    CHECK(o != NULL);
    cn_status st = CN_OK;
    for (int i = 0; i < 4 && !st; i++) st = cn_out_write(o, data, n);
    if (!st) st = cn_out_commit(o);
    else cn_out_abort(o);
    CHECK(st == CN_EIO);
    free(data);
    return check_done();
}
