/* jsonl: records, line numbers in errors, invalid UTF-8 (error or replace),
 * long lines, constant memory over a large stream, string escaping. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "jsonl.h"

static void put(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(s, 1, n, f);
    fclose(f);
}

/* reads every record of path; returns the status that ended it, counts records */
static cn_status read_all(const char *path, int flags, int *records, const char *field) {
    cn_in *in = cn_in_open(path);
    if (!in) return CN_EIO;
    cn_jsonl *j = cn_jsonl_new(in, flags);
    cJSON *o;
    cn_status st;
    *records = 0;
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        if (field) {
            const char *s;
            size_t n;
            if ((st = cn_jsonl_text(j, field, &s, &n))) break;
        }
        (*records)++;
    }
    cn_jsonl_free(j);
    cn_in_close(in);
    return st;
}

int main(void) {
    int n;
    const char good[] = "{\"text\": \"a\"}\n\n   \n{\"text\": \"caf\\u00e9 \xE2\x82\xAC\", \"id\": 2}\r\n{\"text\":\"last, no newline\"}";
    put("good.jsonl", good, sizeof good - 1);
    CHECK(read_all("good.jsonl", 0, &n, "text") == CN_EOF && n == 3);

    put("empty.jsonl", "", 0);
    CHECK(read_all("empty.jsonl", 0, &n, "text") == CN_EOF && n == 0);

    const char bad[] = "{\"text\": \"a\"}\n{\"text\": \"b\",}\n";
    put("bad.jsonl", bad, sizeof bad - 1);
    CHECK(read_all("bad.jsonl", 0, &n, NULL) == CN_EFORMAT && n == 1);
    CHECK_MSG(strstr(cn_errmsg(), "bad.jsonl:2: malformed JSON") != NULL, "%s", cn_errmsg());

    const char trailing[] = "{\"text\": \"a\"} x\n";
    put("trailing.jsonl", trailing, sizeof trailing - 1);
    CHECK(read_all("trailing.jsonl", 0, &n, NULL) == CN_EFORMAT);

    const char notobj[] = "{\"text\": \"a\"}\n\n[1, 2]\n";
    put("notobj.jsonl", notobj, sizeof notobj - 1);
    CHECK(read_all("notobj.jsonl", 0, &n, NULL) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "notobj.jsonl:3: not a JSON object") != NULL, "%s", cn_errmsg());

    const char missing[] = "{\"txt\": \"a\"}\n";
    put("missing.jsonl", missing, sizeof missing - 1);
    CHECK(read_all("missing.jsonl", 0, &n, "text") == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "missing.jsonl:1: missing field 'text'") != NULL, "%s", cn_errmsg());

    const char utf[] = "{\"text\": \"ok\"}\n{\"text\": \"bad \xC3\x28 byte\"}\n";
    put("utf.jsonl", utf, sizeof utf - 1);
    CHECK(read_all("utf.jsonl", 0, &n, "text") == CN_EUTF8 && n == 1);
    CHECK_MSG(strstr(cn_errmsg(), "utf.jsonl:2: invalid UTF-8") != NULL, "%s", cn_errmsg());
    /* replacement instead */
    {
        cn_in *in = cn_in_open("utf.jsonl");
        cn_jsonl *j = cn_jsonl_new(in, CN_JSONL_REPLACE_UTF8);
        cJSON *o;
        const char *s;
        size_t len;
        CHECK(cn_jsonl_next(j, &o) == CN_OK);
        CHECK(cn_jsonl_next(j, &o) == CN_OK && cn_jsonl_text(j, "text", &s, &len) == CN_OK);
        CHECK(strcmp(s, "bad \xEF\xBF\xBD( byte") == 0);
        CHECK(cn_jsonl_next(j, &o) == CN_EOF);
        cn_jsonl_free(j);
        cn_in_close(in);
    }

    /* \u0000 is a NUL byte in the text; an escaped backslash before u0000 is
     * not; a stand-in character already in the line is kept as it is */
    const char nul[] = "{\"text\": \"a\\\\u0000b\"}\n"
                       "{\"n\": 1, \"text\": \"a\\u0000b\\u0000\\uFDD0\xEF\xB7\x91\", \"x\": \"\\u0000\"}\n"
                       "{\"text\": \"\\\\\\u0000\"}\n"
                       "{\"a\": [\"x\", \"y\\u0000z\"]}\n";
    put("nul.jsonl", nul, sizeof nul - 1);
    {
        cn_in *in = cn_in_open("nul.jsonl");
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *o;
        const char *s;
        size_t len;
        CHECK(cn_jsonl_next(j, &o) == CN_OK && cn_jsonl_text(j, "text", &s, &len) == CN_OK);
        CHECK(len == 8 && memcmp(s, "a\\u0000b", 8) == 0);
        CHECK(cn_jsonl_next(j, &o) == CN_OK && cn_jsonl_text(j, "text", &s, &len) == CN_OK);
        CHECK_MSG(len == 10 && memcmp(s, "a\0b\0\xEF\xB7\x90\xEF\xB7\x91", 10) == 0, "len %zu", len);
        CHECK(cn_jsonl_text(j, "text", &s, &len) == CN_OK && len == 10); /* asked twice */
        CHECK(cn_jsonl_text(j, "x", &s, &len) == CN_OK && len == 1 && s[0] == 0);
        CHECK(cn_jsonl_text(j, "text", &s, &len) == CN_OK && len == 10); /* after another field */
        char *d;
        CHECK(cn_jsonl_text_dup(j, "text", &d, &len) == CN_OK && len == 10 && memcmp(d, "a\0b\0", 4) == 0 && d[10] == 0);
        free(d);
        CHECK(cn_jsonl_item(j, "text", 0, &s, &len) == CN_OK && s == NULL); /* not an array */
        CHECK(cn_jsonl_next(j, &o) == CN_OK && cn_jsonl_text(j, "text", &s, &len) == CN_OK);
        CHECK(len == 2 && memcmp(s, "\\\0", 2) == 0);
        CHECK(cn_jsonl_next(j, &o) == CN_OK && cn_jsonl_item(j, "a", 1, &s, &len) == CN_OK && len == 3 && memcmp(s, "y\0z", 3) == 0);
        CHECK(cn_jsonl_item(j, "a", 0, &s, &len) == CN_OK && len == 1 && cn_jsonl_item(j, "a", 2, &s, &len) == CN_OK && !s);
        CHECK(cn_jsonl_next(j, &o) == CN_EOF);
        cn_jsonl_free(j);
        cn_in_close(in);
    }

    /* a line far longer than the read buffer, through zstd */
    size_t big = 3u << 20;
    char *line = malloc(big + 64);
    strcpy(line, "{\"text\": \"");
    size_t k = strlen(line);
    memset(line + k, 'x', big);
    strcpy(line + k + big, "\"}\n");
    cn_out *o = cn_out_open("long.jsonl.zst", 0);
    for (int i = 0; i < 3; i++) CHECK(cn_out_write(o, line, strlen(line)) == CN_OK);
    CHECK(cn_out_commit(o) == CN_OK);
    CHECK(read_all("long.jsonl.zst", 0, &n, "text") == CN_EOF && n == 3);
    free(line);

    /* constant memory: 6M records (400 MB) through a pipe, RSS stays small */
    pid_t pid = fork();
    if (pid == 0) {
        FILE *gen = popen("yes '{\"text\": \"a record of some length, repeated many times over\"}' | head -n 6000000", "r");
        dup2(fileno(gen), 0);
        int cnt;
        cn_status st = read_all("-", 0, &cnt, "text");
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr, "pipe: %d records, max RSS %ld KB\n", cnt, ru.ru_maxrss);
#ifdef __SANITIZE_ADDRESS__
        long limit = 1L << 30; /* AddressSanitizer keeps freed blocks in quarantine */
#else
        long limit = 32 * 1024;
#endif
        _exit(st != CN_EOF || ru.ru_maxrss > limit || cnt != 6000000 ? 1 : 0);
    }
    int ws;
    waitpid(pid, &ws, 0);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);

    /* escaping round trip through cJSON */
    const char raw[] = "quote\" back\\ nl\n tab\t ctl\x01 del\x7f \xE2\x82\xAC";
    o = cn_out_open("esc.json", 0);
    CHECK(cn_json_write_string(o, raw, sizeof raw - 1) == CN_OK);
    CHECK(cn_out_commit(o) == CN_OK);
    FILE *f = fopen("esc.json", "rb");
    char back[256] = {0};
    size_t got = fread(back, 1, sizeof back - 1, f);
    fclose(f);
    cJSON *v = cJSON_ParseWithLength(back, got);
    CHECK(cJSON_IsString(v) && strcmp(v->valuestring, raw) == 0);
    cJSON_Delete(v);

    /* the one string writer: byte for byte what cJSON prints (the same escapes
     * as serde_json), whole and streamed in pieces across its 1,024-byte
     * steps; empty */
    size_t bn = 5000;
    char *lg = malloc(bn + 1);
    for (size_t i = 0; i < bn; i++) lg[i] = "a\"\\\n\x01\x1f\t\xc3\xa9/"[i % 10];
    lg[bn] = 0;
    cJSON *ref = cJSON_CreateString(lg);
    char *want = cJSON_PrintUnformatted(ref), *mine = cn_json_quote_dup(lg);
    CHECK(want && mine && strcmp(want, mine) == 0);
    o = cn_out_open("big.json", 0);
    CHECK(o && cn_json_write_string(o, lg, bn) == CN_OK && cn_out_commit(o) == CN_OK);
    size_t blen;
    char *streamed = cn_read_all("big.json", &blen);
    CHECK(streamed && blen == strlen(want) && memcmp(streamed, want, blen) == 0);
    free(streamed), free(want), free(mine), free(lg);
    cJSON_Delete(ref);
    mine = cn_json_quote_dup("");
    CHECK(mine && strcmp(mine, "\"\"") == 0);
    free(mine);
    o = cn_out_open("empty.json", 0);
    CHECK(o && cn_json_write_string(o, "", 0) == CN_OK && cn_out_commit(o) == CN_OK);
    streamed = cn_read_all("empty.json", &blen);
    CHECK(streamed && blen == 2 && memcmp(streamed, "\"\"", 2) == 0);
    free(streamed);
    return check_done();
}
