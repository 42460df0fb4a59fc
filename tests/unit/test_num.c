/* Option number parsing: suffixes, junk and overflow are rejected. */
#include "check.h"
#include "num.h"

int main(void) {
    uint64_t v;
    CHECK(cn_parse_u64("0", &v) == CN_OK && v == 0);
    CHECK(cn_parse_u64("42", &v) == CN_OK && v == 42);
    CHECK(cn_parse_u64("64K", &v) == CN_OK && v == 64000);
    CHECK(cn_parse_u64("2M", &v) == CN_OK && v == 2000000);
    CHECK(cn_parse_u64("1B", &v) == CN_OK && v == 1000000000);
    CHECK(cn_parse_u64("1Gi", &v) == CN_OK && v == 1073741824);
    CHECK(cn_parse_u64("18446744073709551615", &v) == CN_OK && v == UINT64_MAX);
    CHECK(cn_parse_u64("18446744073709551616", &v) == CN_ERANGE);
    CHECK(cn_parse_u64("20000000000T", &v) == CN_ERANGE);
    CHECK(cn_parse_u64("-1", &v) == CN_EINVAL);
    CHECK(cn_parse_u64(" 1", &v) == CN_EINVAL);
    CHECK(cn_parse_u64("1 ", &v) == CN_EINVAL);
    CHECK(cn_parse_u64("1X", &v) == CN_EINVAL);
    CHECK(cn_parse_u64("", &v) == CN_EINVAL);
    double d;
    CHECK(cn_parse_double("0.25", &d) == CN_OK && d == 0.25);
    CHECK(cn_parse_double("1e-3", &d) == CN_OK && d == 1e-3);
    CHECK(cn_parse_double("nan", &d) == CN_EINVAL);
    CHECK(cn_parse_double("1.5x", &d) == CN_EINVAL);
    CHECK(cn_parse_double("", &d) == CN_EINVAL);
    return check_done();
}
