/* log.c: request and notice lines, text or JSON. */
#include "log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http.h"
#include "util.h"
#include "journal.h"

static void iso_time(char out[64])
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Writes one line under the log lock so lines from pool threads never interleave. */
static void emit(struct mv_server *srv, const char *line)
{
    pthread_mutex_lock(&srv->log_lock);
    fputs(line, srv->log);
    fputc('\n', srv->log);
    fflush(srv->log);
    pthread_mutex_unlock(&srv->log_lock);
}

void mv_log_request(struct mv_req *r)
{
    struct mv_server *srv = r->srv;
    double ms = (mv_mono_now() - r->start) * 1000.0;
    char ts[64], principal[140], line[1400];

    mv_journal_record(r);
    if (srv->cfg.log_format == MV_LOG_OFF)
        return;
    iso_time(ts);
    if (r->appid[0])
        snprintf(principal, sizeof principal, "appid=%s;oid=%s", r->appid, r->oid);
    else
        snprintf(principal, sizeof principal, "-");
    if (srv->cfg.log_format == MV_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();
        char *text;

        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "method", r->method);
        cJSON_AddStringToObject(o, "path", r->path ? r->path : "");
        cJSON_AddStringToObject(o, "vault", r->vault);
        cJSON_AddStringToObject(o, "operation", r->operation ? r->operation : "-");
        cJSON_AddStringToObject(o, "appid", r->appid);
        cJSON_AddStringToObject(o, "oid", r->oid);
        cJSON_AddNumberToObject(o, "status", r->status);
        cJSON_AddStringToObject(o, "errorCode", r->error_code);
        cJSON_AddNumberToObject(o, "latencyMs", (double)(long)(ms * 1000) / 1000.0);
        cJSON_AddStringToObject(o, "requestId", r->request_id);
        text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text)
            emit(srv, text);
        free(text);
        return;
    }
    snprintf(line, sizeof line, "%s %s %s vault=%s op=%s principal=%s status=%u%s%s %.2fms", ts,
             r->method, r->path ? r->path : "", r->vault[0] ? r->vault : "-",
             r->operation ? r->operation : "-", principal, r->status, r->error_code[0] ? " error=" : "",
             r->error_code, ms);
    emit(srv, line);
}

void mv_log_notice(struct mv_server *srv, const char *fmt, ...)
{
    char msg[1024], ts[64], line[1200];
    va_list ap;

    if (srv->cfg.log_format == MV_LOG_OFF)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    iso_time(ts);
    if (srv->cfg.log_format == MV_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();
        char *text;

        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "notice", msg);
        text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text)
            emit(srv, text);
        free(text);
        return;
    }
    snprintf(line, sizeof line, "%s mockvault: %s", ts, msg);
    emit(srv, line);
}
