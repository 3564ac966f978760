/* log.c: request and notice lines, text or JSON. */
#include "log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
    char ts[64], principal[140], line[1400];
    const char *appid = q->appid ? q->appid : "", *oid = q->oid ? q->oid : "";
    const char *vault = q->vault ? q->vault : "", *code = q->error_code ? q->error_code : "";

    if (l->format == MV_LOG_OFF)
        return;
    iso_time(ts);
    if (appid[0])
        snprintf(principal, sizeof principal, "appid=%s;oid=%s", appid, oid);
    else
        snprintf(principal, sizeof principal, "-");
    if (l->format == MV_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "method", q->method);
        cJSON_AddStringToObject(o, "path", q->path ? q->path : "");
        cJSON_AddStringToObject(o, "vault", vault);
        cJSON_AddStringToObject(o, "operation", q->operation ? q->operation : "-");
        cJSON_AddStringToObject(o, "appid", appid);
        cJSON_AddStringToObject(o, "oid", oid);
        cJSON_AddNumberToObject(o, "status", q->status);
        cJSON_AddStringToObject(o, "errorCode", code);
        cJSON_AddNumberToObject(o, "latencyMs", (double)(long)(q->latency_ms * 1000) / 1000.0);
        cJSON_AddStringToObject(o, "requestId", q->request_id ? q->request_id : "");
        emit_json(l, o);
        return;
    }
    snprintf(line, sizeof line, "%s %s %s vault=%s op=%s principal=%s status=%u%s%s %.2fms", ts,
             q->method, q->path ? q->path : "", vault[0] ? vault : "-",
             q->operation ? q->operation : "-", principal, q->status, code[0] ? " error=" : "",
             code, q->latency_ms);
    emit(l, line);
}

void mv_log_notice(struct mv_log *l, const char *fmt, ...)
{
    char msg[1024], ts[64], line[1200];
    va_list ap;

    if (l->format == MV_LOG_OFF)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
