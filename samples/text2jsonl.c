/* text2jsonl: turn text files into JSONL document records.
 *
 * Reads lines PATH<TAB>ID<TAB>SOURCE<TAB>KIND (from LIST or stdin) and, for
 * each, reads PATH whole, repairs invalid UTF-8 (U+FFFD), splits it into chunks
 * of at most --chunk bytes at line boundaries (a longer line is cut at a
 * character boundary) and writes one record per chunk:
 *   {"text": "...", "id": "ID#N", "source": "SOURCE", "kind": "KIND"}
 * Files that hold a NUL byte (binary) or only white space are skipped and
 * counted. Output order follows the list, so the same list gives the same bytes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "jsonl.h"
#include "log.h"
#include "num.h"
#include "utf8.h"

#define VERSION "0.1"

typedef struct {
    char *kind;
    uint64_t files, records, bytes, skipped;
} kstat;

typedef struct {
    kstat *v;
    size_t n, cap;
} kstats;

/* growable byte buffer */
typedef struct {
    char *p;
    size_t n, cap;
} buf;

static const char *prog = "text2jsonl";

static void usage(FILE *f) {
    fprintf(f,
            "Usage: %s [OPTIONS] [LIST]\n"
            "Turns text files into JSONL records. LIST (default stdin) holds lines\n"
            "PATH<TAB>ID<TAB>SOURCE<TAB>KIND; each file becomes one record per chunk:\n"
            "  {\"text\": ..., \"id\": \"ID#N\", \"source\": SOURCE, \"kind\": KIND}\n"
            "Invalid UTF-8 is replaced with U+FFFD; files with NUL bytes (binary) or\n"
            "only white space are skipped.\n"
            "\n"
            "  -o, --output FILE  output file (default stdout); zstd when FILE ends in .zst\n"
            "  -z, --zstd         compress the output whatever its name\n"
            "  -l, --level N      zstd level (default 3)\n"
            "  -c, --chunk BYTES  most text bytes per record (default 64Ki = 65536)\n"
            "  -s, --stats FILE   write per-kind statistics (TSV: kind files records bytes skipped)\n"
            "  -q, --quiet        no summary on stderr\n"
            "  -f, --force        write compressed output to a terminal\n"
            "  -h, --help         this help\n"
            "      --version      print the version\n",
            prog);
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help'\n", prog);
    return 2;
}

static cn_status buf_reserve(buf *b, size_t n) {
    if (n <= b->cap) return CN_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < n) {
        if (cap > SIZE_MAX / 2) return cn_fail(CN_ENOMEM, "out of memory");
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) return cn_fail(CN_ENOMEM, "out of memory (%zu bytes)", n);
    b->p = p;
    b->cap = cap;
    return CN_OK;
}

static cn_status buf_append(buf *b, const void *s, size_t n) {
    if (n == 0) return CN_OK;
    cn_status st = buf_reserve(b, b->n + n);
    if (st) return st;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return CN_OK;
}

static kstat *kstat_get(kstats *ks, const char *kind) {
    for (size_t i = 0; i < ks->n; i++)
        if (strcmp(ks->v[i].kind, kind) == 0) return &ks->v[i];
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 16;
        kstat *v = realloc(ks->v, cap * sizeof *v);
        if (!v) return NULL;
        ks->v = v;
        ks->cap = cap;
    }
    kstat *k = &ks->v[ks->n];
    memset(k, 0, sizeof *k);
    k->kind = strdup(kind);
    if (!k->kind) return NULL;
    ks->n++;
    return k;
}

static int kstat_cmp(const void *a, const void *b) {
    return strcmp(((const kstat *)a)->kind, ((const kstat *)b)->kind);
}

/* Next line of the list without its '\n' (and '\r'), in *line. Returns CN_OK,
 * CN_EOF at the end, or an error. */
static cn_status next_line(cn_in *in, buf *line) {
    size_t want = 4096, avail;
    line->n = 0;
    for (;;) {
        const uint8_t *p = cn_in_get(in, want, &avail);
        if (!p) return CN_EIO;
        const uint8_t *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        if (nl || avail < want) {
            if (!nl && avail == 0) return CN_EOF;
            cn_status st = buf_append(line, p, take);
            if (st) return st;
            cn_in_skip(in, nl ? take + 1 : take);
            if (line->n && line->p[line->n - 1] == '\r') line->n--;
            if ((st = buf_reserve(line, line->n + 1))) return st;
            line->p[line->n] = 0;
            return CN_OK;
        }
        if (want > SIZE_MAX / 2) return cn_fail(CN_ENOMEM, "out of memory");
        want = 2 * avail;
    }
}

/* Reads the whole of path into b (replacing its contents). */
static cn_status read_file(const char *path, buf *b) {
    b->n = 0;
    cn_in *in = cn_in_open(path);
    if (!in) return CN_EIO;
    cn_status st = CN_OK;
    uint64_t size;
    const uint8_t *m = cn_in_map(in, &size);
    if (cn_in_mapped(in)) {
        if (size > SIZE_MAX / 4) st = cn_fail(CN_ENOMEM, "%s: too large", path);
        else if (size) st = buf_append(b, m, (size_t)size);
    } else {
        for (;;) {
            size_t avail;
            const uint8_t *p = cn_in_get(in, 1u << 20, &avail);
            if (!p) { st = CN_EIO; break; }
            if (!avail) break;
            if ((st = buf_append(b, p, avail))) break;
            cn_in_skip(in, avail);
        }
    }
    cn_in_close(in);
    return st;
}

/* Makes s[0..n) valid UTF-8 in place or into tmp; returns the text to use. */
static cn_status repair(const char *s, size_t n, buf *tmp, const char **out, size_t *outn) {
    size_t bad = cn_utf8_check(s, n);
    if (bad == n) {
        *out = s;
        *outn = n;
        return CN_OK;
    }
    if (n > SIZE_MAX / 3) return cn_fail(CN_ENOMEM, "out of memory");
    cn_status st = buf_reserve(tmp, 3 * n);
    if (st) return st;
    memcpy(tmp->p, s, bad);
    tmp->n = bad + cn_utf8_repair(tmp->p + bad, s + bad, n - bad);
    *out = tmp->p;
    *outn = tmp->n;
    return CN_OK;
}

/* Length of the next chunk of s[0..n): the longest prefix of at most max bytes
 * ending with a newline, else cut before a UTF-8 continuation byte. */
static size_t chunk_len(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    const char *nl = memrchr(s, '\n', max);
    if (nl) return (size_t)(nl - s) + 1;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return k ? k : max;
}

static int blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
            s[i] != '\v')
            return 0;
    return 1;
}

static cn_status write_field(cn_out *out, const char *key, const char *s, size_t n, buf *tmp) {
    const char *v;
    size_t vn;
    cn_status st = repair(s, n, tmp, &v, &vn);
    if (!st) st = cn_out_write(out, key, strlen(key));
    if (!st) st = cn_json_write_string(out, v, vn);
    return st;
}

/* Writes the records of one file; *records gets their number. */
static cn_status write_records(cn_out *out, const char *text, size_t n, const char *id,
                               const char *source, const char *kind, size_t max, buf *idb,
                               buf *tmp, uint64_t *records) {
    size_t idlen = strlen(id), off = 0, k = 0;
    cn_status st = CN_OK;
    while (off < n && !st) {
        size_t len = chunk_len(text + off, n - off, max);
        idb->n = 0;
        st = buf_reserve(idb, idlen + 32);
        if (st) break;
        memcpy(idb->p, id, idlen);
        idb->n = idlen + (size_t)snprintf(idb->p + idlen, 32, "#%zu", k);
        if (!st) st = cn_out_write(out, "{\"text\": ", 9);
        if (!st) st = cn_json_write_string(out, text + off, len);
        if (!st) st = write_field(out, ", \"id\": ", idb->p, idb->n, tmp);
        if (!st) st = write_field(out, ", \"source\": ", source, strlen(source), tmp);
        if (!st) st = write_field(out, ", \"kind\": ", kind, strlen(kind), tmp);
        if (!st) st = cn_out_write(out, "}\n", 2);
        off += len;
        k++;
    }
    *records = k;
    return st;
}

static cn_status write_stats(const char *path, kstats *ks) {
    cn_out *out = cn_out_open(path, 0);
    if (!out) return CN_EIO;
    char line[512];
    int n = snprintf(line, sizeof line, "kind\tfiles\trecords\tbytes\tskipped\n");
    cn_status st = cn_out_write(out, line, (size_t)n);
    for (size_t i = 0; i < ks->n && !st; i++) {
        kstat *k = &ks->v[i];
        n = snprintf(line, sizeof line, "%s\t%llu\t%llu\t%llu\t%llu\n", k->kind,
                     (unsigned long long)k->files, (unsigned long long)k->records,
                     (unsigned long long)k->bytes, (unsigned long long)k->skipped);
        st = cn_out_write(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
    if (st) {
        cn_out_abort(out);
        return st;
    }
    return cn_out_commit(out);
}

static void print_summary(kstats *ks) {
    uint64_t f = 0, r = 0, b = 0, s = 0;
    fprintf(stderr, "%-12s %8s %8s %12s %8s\n", "kind", "files", "records", "bytes", "skipped");
    for (size_t i = 0; i < ks->n; i++) {
        kstat *k = &ks->v[i];
        fprintf(stderr, "%-12s %8llu %8llu %12llu %8llu\n", k->kind, (unsigned long long)k->files,
                (unsigned long long)k->records, (unsigned long long)k->bytes,
                (unsigned long long)k->skipped);
        f += k->files, r += k->records, b += k->bytes, s += k->skipped;
    }
    fprintf(stderr, "%-12s %8llu %8llu %12llu %8llu\n", "total", (unsigned long long)f,
            (unsigned long long)r, (unsigned long long)b, (unsigned long long)s);
}

int main(int argc, char **argv) {
    const char *output = "-", *stats = NULL, *list = "-";
    int zflag = 0, quiet = 0, force = 0;
    uint64_t level = 3, chunk = 65536;
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"zstd", no_argument, 0, 'z'},
        {"level", required_argument, 0, 'l'},  {"chunk", required_argument, 0, 'c'},
        {"stats", required_argument, 0, 's'},  {"quiet", no_argument, 0, 'q'},
        {"force", no_argument, 0, 'f'},        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},      {0, 0, 0, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:zl:c:s:qfh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'z': zflag = 1; break;
        case 'l':
            if (cn_parse_u64(optarg, &level) || level < 1 || level > 22)
                return usage_error("bad zstd level '%s' (1..22)", optarg);
            break;
        case 'c':
            if (cn_parse_u64(optarg, &chunk) || chunk < 4 || chunk > (1u << 30))
                return usage_error("bad chunk size '%s' (4 bytes .. 1Gi)", optarg);
            break;
        case 's': stats = optarg; break;
        case 'q': quiet = 1; break;
        case 'f': force = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("%s %s\n", prog, VERSION); return 0;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1) return usage_error("too many arguments ('%s')", argv[optind + 1]);
    if (argc - optind == 1) list = argv[optind];
    int to_stdout = strcmp(output, "-") == 0;
    if (to_stdout && zflag && !force && isatty(STDOUT_FILENO))
        return usage_error("%s", "refusing to write compressed data to a terminal (use -f)");

    cn_out_set_level((int)level);
    cn_in *in = cn_in_open(list);
    if (!in) {
        fprintf(stderr, "%s: %s\n", prog, cn_errmsg());
        return 1;
    }
    cn_out *out = cn_out_open(output, zflag ? CN_OUT_ZSTD : 0);
    if (!out) {
        fprintf(stderr, "%s: %s\n", prog, cn_errmsg());
        cn_in_close(in);
        return 1;
    }

    kstats ks = {0};
    buf line = {0}, data = {0}, fixed = {0}, idb = {0}, tmp = {0};
    uint64_t lineno = 0;
    cn_status st;
    while ((st = next_line(in, &line)) == CN_OK) {
        lineno++;
        if (line.n == 0) continue;
        char *f[4], *p = line.p;
        int nf = 0;
        for (; nf < 4; nf++) {
            f[nf] = p;
            p = nf < 3 ? strchr(p, '\t') : NULL;
            if (!p) break;
            *p++ = 0;
        }
        if (nf != 3 || strchr(f[3], '\t') || !*f[0] || !*f[1] || !*f[3]) {
            st = cn_fail(CN_EFORMAT, "%s:%llu: expected PATH<TAB>ID<TAB>SOURCE<TAB>KIND",
                         cn_in_name(in), (unsigned long long)lineno);
            break;
        }
        kstat *k = kstat_get(&ks, f[3]);
        if (!k) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        if ((st = read_file(f[0], &data))) break;
        const char *text = data.p;
        size_t n = data.n;
        if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, n -= 3; /* BOM */
        if (n == 0 || memchr(text, 0, n) || blank(text, n)) {
            k->skipped++;
            continue;
        }
        const char *t;
        size_t tn;
        if ((st = repair(text, n, &fixed, &t, &tn))) break;
        uint64_t recs;
        st = write_records(out, t, tn, f[1], f[2], f[3], (size_t)chunk, &idb, &tmp, &recs);
        if (st) break;
        k->files++;
        k->records += recs;
        k->bytes += tn;
    }
    if (st == CN_EOF) st = CN_OK;
    cn_in_close(in);
    if (ks.n) qsort(ks.v, ks.n, sizeof *ks.v, kstat_cmp);
    if (!st) st = cn_out_commit(out);
    else cn_out_abort(out);
    if (!st && stats) st = write_stats(stats, &ks);
    if (st) fprintf(stderr, "%s: %s\n", prog, cn_errmsg());
    else if (!quiet) print_summary(&ks);
    for (size_t i = 0; i < ks.n; i++) free(ks.v[i].kind);
    free(ks.v);
    free(line.p), free(data.p), free(fixed.p), free(idb.p), free(tmp.p);
    return st ? 1 : 0;
}
