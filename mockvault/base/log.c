/* log.c: request and notice lines, text or JSON. */
#include "log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-text.h"
#include "util.h"

static void iso_time(char out[64])
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* The length of the UTF-8 sequence at s (at most n bytes) when it is valid and prints as
 * itself in a log: not a C1 control (U+0080-U+009F) nor a line or paragraph separator (U+2028,
 * U+2029), which some viewers break lines at. 0 otherwise. */
static size_t printable_utf8(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;

    if (len == 0 || len > n || !cx_utf8_valid((const char *)s, len, NULL))
        return 0;
    if (s[0] == 0xC2 && s[1] < 0xA0)
        return 0;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9))
        return 0;
    return len;
}

size_t mv_log_escape(const char *in, char *out, size_t n, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    size_t len = strlen((const char *)s), o = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t seq = s[i] >= 0x80 ? printable_utf8(s + i, len - i) : 0;
        char esc[8];
        size_t add;

        if (seq) {
            memcpy(esc, s + i, seq);
            add = seq;
        } else if (s[i] < 0x20 || s[i] == 0x7F || s[i] >= 0x80 ||
                   ((flags & MV_ESC_SPACE) && s[i] == ' ')) {
            add = (size_t)snprintf(esc, sizeof esc, "\\x%02X", s[i]);
            seq = 1;
        } else if (s[i] == '\\') {
            memcpy(esc, "\\\\", 2);
            add = 2;
            seq = 1;
        } else {
            esc[0] = (char)s[i];
            add = seq = 1;
        }
        /* A field that does not fit is cut between escapes, never inside one. */
        if (o + add >= n)
            break;
        memcpy(out + o, esc, add);
        o += add;
        i += seq;
    }
    out[o] = '\0';
    return o;
}

void mv_log_init(struct mv_log *l, FILE *out, enum mv_log_format format)
{
    l->out = out;
    l->format = format;
    pthread_mutex_init(&l->lock, NULL);
}

void mv_log_destroy(struct mv_log *l)
{
    pthread_mutex_destroy(&l->lock);
}

/* Writes one line under the log lock so lines from pool threads never interleave. */
static void emit(struct mv_log *l, const char *line)
{
    pthread_mutex_lock(&l->lock);
    fputs(line, l->out);
    fputc('\n', l->out);
    fflush(l->out);
    pthread_mutex_unlock(&l->lock);
}

/* Writes o as one line of JSON and deletes it (both JSON line kinds, requests and notices, end
 * here). A line that cannot be printed (out of memory) is dropped. */
static void emit_json(struct mv_log *l, cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    if (text)
        emit(l, text);
    free(text);
}

void mv_log_request(struct mv_log *l, const struct mv_request_record *q)
{
    char ts[64], principal[160], line[2000];
    /* Every field is escaped: the path comes from an unauthenticated client, and no field may
     * end a line, forge another one or make the JSON line invalid UTF-8. In text lines spaces
     * (the field separator) and backslashes are escaped too. */
    unsigned f = l->format == MV_LOG_TEXT ? MV_ESC_SPACE : 0;
    char method[40], path[1024], vault[200], op[200], appid[200], oid[200], code[200], rid[200];
    char alg[64];

    if (l->format == MV_LOG_OFF)
        return;
    iso_time(ts);
    mv_log_escape(q->method, method, sizeof method, f);
    mv_log_escape(q->path, path, sizeof path, f);
    mv_log_escape(q->vault, vault, sizeof vault, f);
    mv_log_escape(q->operation ? q->operation : "-", op, sizeof op, f);
    mv_log_escape(q->appid, appid, sizeof appid, f);
    mv_log_escape(q->oid, oid, sizeof oid, f);
    mv_log_escape(q->error_code, code, sizeof code, f);
    mv_log_escape(q->request_id, rid, sizeof rid, f);
    mv_log_escape(q->algorithm, alg, sizeof alg, f);
    if (appid[0])
        snprintf(principal, sizeof principal, "appid=%s;oid=%s", appid, oid);
    else
        snprintf(principal, sizeof principal, "-");
    if (l->format == MV_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "method", method);
        cJSON_AddStringToObject(o, "path", path);
        cJSON_AddStringToObject(o, "vault", vault);
        cJSON_AddStringToObject(o, "operation", op);
        cJSON_AddStringToObject(o, "appid", appid);
        cJSON_AddStringToObject(o, "oid", oid);
        cJSON_AddNumberToObject(o, "status", q->status);
        cJSON_AddStringToObject(o, "errorCode", code);
        cJSON_AddNumberToObject(o, "latencyMs", (double)(long)(q->latency_ms * 1000) / 1000.0);
        cJSON_AddStringToObject(o, "requestId", rid);
        if (alg[0])
            cJSON_AddStringToObject(o, "algorithm", alg);
        emit_json(l, o);
        return;
    }
    snprintf(line, sizeof line, "%s %s %s vault=%s op=%s%s%s principal=%s status=%u%s%s %.2fms", ts,
             method, path, vault[0] ? vault : "-", op, alg[0] ? " alg=" : "", alg, principal,
             q->status, code[0] ? " error=" : "", code, q->latency_ms);
    emit(l, line);
}

void mv_log_notice(struct mv_log *l, const char *fmt, ...)
{
    char raw[1024], msg[1024], ts[64], line[1200];
    va_list ap;

    if (l->format == MV_LOG_OFF)
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Notices quote file names and libmicrohttpd's messages: one line each, whatever they hold. */
    mv_log_escape(raw, msg, sizeof msg, 0);
    iso_time(ts);
    if (l->format == MV_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "notice", msg);
        emit_json(l, o);
        return;
    }
    snprintf(line, sizeof line, "%s mockvault: %s", ts, msg);
    emit(l, line);
}
