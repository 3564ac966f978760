/* fuzz-common: the common/ parsers every component relies on. Input byte 0 picks the parser and
 * byte 1 its flags; the rest is the text. Each accepted input is also checked against its inverse
 * (encode, format) where one exists, so a parser that accepts what it cannot have meant fails. */
#include "fz-util.h"

#include "cx-base64.h"
#include "cx-host.h"
#include "cx-text.h"
#include "cx-time.h"

#include <stdio.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-common: %s\n", what);
    abort();
}

static void base64(const char *t, size_t n, unsigned flags)
{
    size_t len = 0, len2 = 0;
    unsigned char *bin = cx_b64_decode(t, n, flags, &len);
    if ((bin != NULL) != cx_b64_valid(t, n, flags))
        fail("cx_b64_valid and cx_b64_decode disagree");
    if (!bin)
        return;
    /* Re-encoding in the alphabet decoded must decode to the same bytes. */
    unsigned enc_flags = (flags & CX_B64_URL) | CX_B64_NOPAD;
    char *again = cx_b64_encode(bin, len, enc_flags);
    unsigned char *bin2 = again ? cx_b64_decode(again, strlen(again), enc_flags, &len2) : NULL;
    if (again && (!bin2 || len2 != len || memcmp(bin, bin2, len) != 0))
        fail("base64 decode, encode, decode changed the bytes");
    free(bin2);
    free(again);
    free(bin);
    free(cx_b64url_decode(t, n, &len));
}

static void rfc3339(const char *s, unsigned flags)
{
    int64_t secs = 0, back = 0;
    uint32_t nsec = 0, nsec2 = 0;
    char out[CX_TIME_MAX];

    if (cx_time_parse(s, flags, &secs, &nsec) != 0)
        return;
    if (nsec > 999999999)
        fail("cx_time_parse gave a fraction of a second above 999999999 ns");
    /* Years 0000-9999 format without clamping and must read back to the same instant. */
    if (secs < -62167219200LL || secs > 253402300799LL)
        return;
    cx_time_format_frac(secs, nsec, 9, CX_TIME_RFC3339_Z, out);
    if (cx_time_parse(out, 0, &back, &nsec2) != 0 || back != secs || nsec2 != nsec)
        fail("a parsed time does not format and parse back to itself");
    cx_time_format(secs, CX_TIME_HTTP, out);
    cx_time_format(secs, CX_TIME_AAD, out);
}

static void host(const char *s, size_t n, unsigned flags)
{
    struct cx_hostport hp;
    struct cx_url u;

    if (cx_hostport_split(s, n, flags, &hp) == CX_HP_OK) {
        if (strlen(hp.host) > CX_HOST_MAX || (hp.has_port && (hp.port == 0 || hp.port > 65535)))
            fail("cx_hostport_split accepted a host or port out of range");
        cx_host_is_ip(hp.host);
    }
    if (cx_url_split(s, flags, &u) == CX_HP_OK && !u.path)
        fail("cx_url_split gave no path");
}

static void text(const char *s, size_t n, unsigned flags)
{
    size_t chars = 0;
    if (cx_utf8_valid(s, n, &chars) && strlen(s) == n && cx_utf8_count(s) != chars)
        fail("cx_utf8_valid and cx_utf8_count count differently");
    cx_is_hex(s, n, flags & CX_HEX_LOWER);
    char *low = fz_strndup((const uint8_t *)s, strlen(s));
    if (low) {
        cx_str_lower(low);
        if (cx_strcasecmp(low, s) != 0)
            fail("a string and its lower-case copy compare different");
        cx_str_ends_nocase(s, low + strlen(low) / 2);
        free(low);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned flags = data[1];
    const char *t = (const char *)data + 2;
    size_t n = size - 2;
    char *s = fz_strndup(data + 2, n);
    if (!s)
        return 0;
    switch (data[0] % 4) {
    case 0: base64(t, n, flags & 15); break;
    case 1: rfc3339(s, flags & CX_TIME_LENIENT); break;
    case 2: host(s, strlen(s), flags & 15); break;
    default: text(s, n, flags); break;
    }
    free(s);
    return 0;
}
