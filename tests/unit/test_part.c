/* part: FILE.part written a whole line at a time, continued by a later open
 * (a line cut short cut off, a header alone begun again), refused without
 * resume while it holds lines, locked while open, cut back and removed by
 * cn_part_cut, moved onto FILE by cn_part_commit. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "io.h"

static char *slurp(const char *path) {
    size_t n;
    return cn_read_all(path, &n);
}

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static int line_is(const cn_part *p, size_t i, const char *want) {
    size_t n;
    const char *l = cn_part_line(p, i, &n);
    return n == strlen(want) && memcmp(l, want, n) == 0;
}

int main(void) {
    /* begun, two lines, committed: FILE holds the lines without the header */
    cn_part *p = cn_part_open("a.jsonl", "{\"h\":1}", 0);
    CHECK(p && !cn_part_header(p) && cn_part_kept(p) == 0 && cn_part_count(p) == 0);
    CHECK(strcmp(cn_part_name(p), "a.jsonl.part") == 0);
    CHECK(cn_part_write(p, "one\n", 4) == CN_OK && cn_part_write(p, "two\n", 4) == CN_OK);
    char *t = slurp("a.jsonl.part"); /* on disk as it goes */
    CHECK(t && strcmp(t, "{\"h\":1}\none\ntwo\n") == 0);
    free(t);
    /* locked while open */
    CHECK(cn_part_open("a.jsonl", "{\"h\":1}", 1) == NULL && strstr(cn_errmsg(), "a.jsonl.part: in use by another run"));
    CHECK(cn_part_count(p) == 2 && cn_part_commit(p) == CN_OK);
    cn_part_free(p);
    t = slurp("a.jsonl");
    CHECK(t && strcmp(t, "one\ntwo\n") == 0);
    free(t);
    CHECK(access("a.jsonl.part", F_OK) != 0);

    /* left by a killed run: a line cut short is cut off; without resume it is
     * refused (and left as it was) */
    put("b.part", "{\"h\":2}\nfirst\nsecond\nthi");
    CHECK(cn_part_open("b", "{\"h\":2}", 0) == NULL && strstr(cn_errmsg(), "b.part: the answers of an earlier run are kept there"));
    t = slurp("b.part");
    CHECK(t && strcmp(t, "{\"h\":2}\nfirst\nsecond\nthi") == 0);
    free(t);
    p = cn_part_open("b", "{\"h\":9}", 1);
    CHECK(p && cn_part_header(p) && strcmp(cn_part_header(p), "{\"h\":2}") == 0); /* the caller compares */
    CHECK(cn_part_kept(p) == 2 && line_is(p, 0, "first") && line_is(p, 1, "second"));
    CHECK(cn_part_write(p, "third\n", 6) == CN_OK && cn_part_count(p) == 3);
    t = slurp("b.part");
    CHECK(t && strcmp(t, "{\"h\":2}\nfirst\nsecond\nthird\n") == 0);
    free(t);
    /* cut: keeps whole lines (a write that failed half-way is undone) */
    int fd = open("b.part", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "four", 4) == 4);
    close(fd);
    CHECK(cn_part_cut(p) == 3);
    cn_part_free(p);
    t = slurp("b.part");
    CHECK(t && strcmp(t, "{\"h\":2}\nfirst\nsecond\nthird\n") == 0);
    free(t);

    /* a header alone, or a header cut short, is begun again with the new one,
     * with or without resume */
    put("c.part", "{\"h\":3}\n");
    p = cn_part_open("c", "{\"h\":4}", 0);
    CHECK(p && !cn_part_header(p) && cn_part_kept(p) == 0);
    cn_part_free(p);
    t = slurp("c.part");
    CHECK(t && strcmp(t, "{\"h\":4}\n") == 0);
    free(t);
    put("c.part", "{\"h\"");
    p = cn_part_open("c", "{\"h\":5}", 1);
    CHECK(p && !cn_part_header(p));
    /* cut with no line after the header removes the file */
    CHECK(cn_part_cut(p) == 0 && access("c.part", F_OK) != 0);
    cn_part_free(p);

    /* a file that cannot be made: NULL, named, nothing left */
    CHECK(cn_part_open("no/such/dir/d", "{}", 0) == NULL && strstr(cn_errmsg(), "no/such/dir/d.part"));
    return check_done();
}
