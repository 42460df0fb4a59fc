/* UTF-8 validation and repair (maximal subparts, Unicode 15 section 3.9). */
#include <string.h>
#include "check.h"
#include "utf8.h"

static int repaired(const char *in, size_t n, const char *want) {
    char out[256];
    size_t k = cn_utf8_repair(out, in, n);
    return k == strlen(want) && memcmp(out, want, k) == 0;
}

#define R "\xEF\xBF\xBD"

int main(void) {
    const char *ok[] = {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                        "\xED\x9F\xBF", "\xEE\x80\x80"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) CHECK_MSG(cn_utf8_check(ok[i], strlen(ok[i])) == strlen(ok[i]), "case %zu", i);
    struct { const char *s; size_t bad; } badv[] = {
        {"ab\x80", 2},              /* lone continuation */
        {"\xC0\xAF", 0},            /* overlong */
        {"\xC1\xBF", 0},
        {"\xE0\x80\xAF", 0},        /* overlong 3-byte */
        {"\xED\xA0\x80", 0},        /* surrogate */
        {"\xF4\x90\x80\x80", 0},    /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 0},
        {"abcdefgh\xE2\x82", 8},    /* truncated at the end, after the ASCII fast path */
        {"\xFF", 0},
    };
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++)
        CHECK_MSG(cn_utf8_check(badv[i].s, strlen(badv[i].s)) == badv[i].bad, "bad case %zu", i);
    /* NUL is valid UTF-8 */
    CHECK(cn_utf8_check("a\0b", 3) == 3);
    /* maximal subparts: the Unicode standard's table 3-8 example */
    CHECK(repaired("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", 13, "a" R R R "b" R "c" R R "d"));
    CHECK(repaired("\xF0\x80\x80", 3, R R R));
    CHECK(repaired("\xE2\x82", 2, R));
    CHECK(repaired("\xED\xA0\x80x", 4, R R R "x"));
    CHECK(repaired("ok \xC3\xA9", 5, "ok \xC3\xA9"));
    return check_done();
}
