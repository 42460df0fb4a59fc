/* passage: cut at a line's end, else a sentence's, else a space, in the
 * passage's second half; a word cut only when nothing else is there, never a
 * character; every passage within the limit in characters (UTF-8); trimmed;
 * the overlap starting at a word within it; the whole text covered. */
#include <string.h>
#include "check.h"
#include "passage.h"

static size_t chars(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int is(const char *text, cn_span sp, const char *want) {
    return sp.end - sp.start == strlen(want) && memcmp(text + sp.start, want, sp.end - sp.start) == 0;
}

int main(void) {
    cn_span *sp;
    size_t n;
    /* short: one passage, trimmed */
    const char *a = "  one line  \n";
    CHECK(cn_passage_cut(a, strlen(a), 512, 0, &sp, &n) == CN_OK && n == 1 && is(a, sp[0], "one line"));
    free(sp);
    /* white space only: none */
    CHECK(cn_passage_cut(" \n\t ", 4, 512, 0, &sp, &n) == CN_OK && n == 0 && !sp);
    /* a line's end in the second half wins over a later sentence end */
    const char *b = "0123456789 abcdefg\nSecond. Third sentence here and more";
    CHECK(cn_passage_cut(b, strlen(b), 30, 0, &sp, &n) == CN_OK && n == 3);
    CHECK(n == 3 && is(b, sp[0], "0123456789 abcdefg") && is(b, sp[1], "Second. Third sentence here") && is(b, sp[2], "and more"));
    free(sp);
    /* a sentence end when there is no line end */
    const char *c = "Alpha beta gamma. Delta epsilon zeta eta theta.";
    CHECK(cn_passage_cut(c, strlen(c), 24, 0, &sp, &n) == CN_OK && n >= 2 && is(c, sp[0], "Alpha beta gamma."));
    free(sp);
    /* a space when no sentence ends: no word cut */
    const char *d = "aaaa bbbb cccc dddd eeee ffff gggg";
    CHECK(cn_passage_cut(d, strlen(d), 12, 0, &sp, &n) == CN_OK);
    for (size_t i = 0; i < n; i++) CHECK(sp[i].end - sp[i].start == 4 || sp[i].end - sp[i].start == 9);
    free(sp);
    /* one long word: cut at the limit, on character boundaries (2-byte é) */
    char e[301];
    for (int i = 0; i < 150; i++) e[2 * i] = (char)0xC3, e[2 * i + 1] = (char)0xA9;
    e[300] = 0;
    CHECK(cn_passage_cut(e, 300, 64, 0, &sp, &n) == CN_OK && n == 3);
    for (size_t i = 0; i < n; i++) CHECK(sp[i].start % 2 == 0 && sp[i].end % 2 == 0 && chars(e + sp[i].start, sp[i].end - sp[i].start) <= 64);
    CHECK(sp[0].start == 0 && sp[n - 1].end == 300 && sp[1].start == sp[0].end);
    free(sp);
    /* a longer text: each within the limit, in order, covering every word */
    char t[4000];
    size_t len = 0;
    for (int i = 0; len < 3900; i++) len += (size_t)snprintf(t + len, sizeof t - len, "Word%d is here%s", i, i % 7 == 6 ? ".\n" : i % 3 ? " " : ". ");
    CHECK(cn_passage_cut(t, len, 200, 0, &sp, &n) == CN_OK && n > 19);
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(chars(t + sp[i].start, sp[i].end - sp[i].start) <= 200);
        if (i) CHECK(sp[i].start >= sp[i - 1].end);
        covered += sp[i].end - sp[i].start;
    }
    size_t nonspace = 0;
    for (size_t i = 0; i < len; i++) nonspace += t[i] != ' ' && t[i] != '\n';
    size_t pnon = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = sp[i].start; j < sp[i].end; j++) pnon += t[j] != ' ' && t[j] != '\n';
    CHECK(pnon == nonspace && covered <= len);
    free(sp);
    /* overlap: each passage starts before the last one's end, at a word */
    CHECK(cn_passage_cut(t, len, 200, 40, &sp, &n) == CN_OK && n > 19);
    for (size_t i = 1; i < n; i++) {
        CHECK(sp[i].start < sp[i - 1].end && sp[i].start > sp[i - 1].start);
        CHECK(t[sp[i].start - 1] == ' ' || t[sp[i].start - 1] == '\n');
        CHECK(chars(t + sp[i].start, sp[i - 1].end - sp[i].start) <= 41);
    }
    free(sp);
    /* bad sizes */
    CHECK(cn_passage_cut(a, strlen(a), 10, 10, &sp, &n) == CN_EINVAL);
    CHECK(cn_passage_cut(a, strlen(a), 0, 0, &sp, &n) == CN_EINVAL);
    return check_done();
}
