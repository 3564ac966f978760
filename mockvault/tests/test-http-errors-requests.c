/* test-http-errors-requests.c: requests the vault refuses for what they ask (§2 / §5 request
 * validation, table-driven), and the mock's own routing answers: unknown vault, path and method,
 * and an oversized header (errors-common.h says how the suites run). */
#include "errors-common.h"

static const char not_found_fmt[] =
    "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) %s was not "
    "found "
    "in this key vault. If you recently deleted this secret you may be able to recover it using "
    "the "
    "correct recovery command. For help resolving this issue, please see "
    "https://go.microsoft.com/fwlink/?linkid=2125182\"}}";

/* ---- §2 / §5 request validation, table-driven ---- */

enum big_kind {
    BIG_NONE = 0,
    BIG_VALUE_25601,   /* {"value":"a"*25601} */
    BIG_VALUE_25600,   /* exactly the limit: accepted */
    BIG_TAGS_16,       /* 16 tags */
    BIG_TAGS_15,       /* 15 tags: accepted */
    BIG_CT_256,        /* contentType of 256 characters */
    BIG_CT_255,        /* 255: accepted */
    BIG_NAME_128,      /* PUT /secrets/{128 chars} */
    BIG_NAME_127,      /* 127: accepted */
    BIG_BODY_OVER_1MB, /* a body just over 1 MiB */
    BIG_TAG_VALUE_257, /* a tag value of 257 characters */
};

struct bad_row {
    const char *label;
    const char *method;
    const char *path; /* without the api-version when api is NULL... see below */
    const char *body;
    enum big_kind big;
    long status;
    const char *code;    /* error.code, or NULL: not checked */
    const char *inner;   /* error.innererror.code, or NULL: not checked */
    const char *message; /* exact error.message, or NULL: not checked */
    const char *exact;   /* exact body, or NULL */
};

#define BAD_NAME_BODY(n)                                                                           \
    "{\"error\":{\"code\":\"BadParameter\",\"message\":\"The request URI contains an invalid "     \
    "name: " n "\"}}"

static const struct bad_row bad_rows[] = {
    /* §2 "api-version unknown": exact recorded format with the latest supported version. */
    {"s2_api_version_unknown_get", "GET", "/secrets/api-key/?api-version=7.99", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"The specified version (7.99) is not "
     "recognized. Consider using the latest supported version (2025-07-01).\"}}"},
    {"s2_api_version_unknown_put", "PUT", "/secrets/new-one?api-version=7.99", "{\"value\":\"v\"}",
     BIG_NONE, 400, "BadParameter", NULL,
     "The specified version (7.99) is not recognized. Consider using the latest supported version "
     "(2025-07-01).",
     NULL},
    /* §2 "api-version missing": suggested 400 BadParameter. */
    {"s2_api_version_missing", "GET", "/secrets/api-key/", NULL, BIG_NONE, 400, "BadParameter",
     NULL, NULL, NULL},
    {"s2_api_version_missing_put", "PUT", "/secrets/new-one", "{\"value\":\"v\"}", BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_api_version_empty", "GET", "/secrets?api-version=", NULL, BIG_NONE, 400, "BadParameter",
     NULL, NULL, NULL},
    /* §2 "Bad secret name": exact recorded body. */
    {"s2_bad_name_underscore", "PUT", "/secrets/my_secret?api-version=7.4", "{\"value\":\"v\"}",
     BIG_NONE, 400, NULL, NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s2_bad_name_dot", "PUT", "/secrets/a.b?api-version=7.4", "{\"value\":\"v\"}", BIG_NONE, 400,
     NULL, NULL, NULL, BAD_NAME_BODY("a.b")},
    {"s2_bad_name_get", "GET", "/secrets/my_secret/?api-version=7.4", NULL, BIG_NONE, 400, NULL,
     NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s2_bad_name_delete", "DELETE", "/secrets/my_secret?api-version=7.4", NULL, BIG_NONE, 400,
     NULL, NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s5_bad_name_128_chars", "PUT", NULL, "{\"value\":\"v\"}", BIG_NAME_128, 400, "BadParameter",
     NULL, NULL, NULL},
    {"s5_name_127_chars_ok", "PUT", NULL, "{\"value\":\"v\"}", BIG_NAME_127, 200, NULL, NULL, NULL,
     NULL},
    /* §2 "Value over 25 KB". */
    {"s2_value_25601_too_large", "PUT", "/secrets/big-value?api-version=7.4", NULL, BIG_VALUE_25601,
     400, "BadParameter", "SecretTooLarge",
     "Secret is beyond the maximum permitted length of 25600 characters.", NULL},
    {"s5_value_25600_ok", "PUT", "/secrets/big-value?api-version=7.4", NULL, BIG_VALUE_25600, 200,
     NULL, NULL, NULL, NULL},
    /* §2 "More than 15 tags": exact recorded body, CRLF included. */
    {"s2_tags_16", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAGS_16, 400, NULL, NULL,
     NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Property has invalid value\\r\\n\"}}"},
    {"s2_tags_16_patch", "PATCH", "/secrets/api-key/?api-version=7.4", NULL, BIG_TAGS_16, 400, NULL,
     NULL, NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Property has invalid value\\r\\n\"}}"},
    {"s5_tags_15_ok", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAGS_15, 200, NULL, NULL,
     NULL, NULL},
    {"s5_tag_value_257", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAG_VALUE_257, 400,
     NULL, NULL, NULL, NULL},
    /* §5 contentType at most 255 characters. */
    {"s5_content_type_256", "PUT", "/secrets/ct?api-version=7.4", NULL, BIG_CT_256, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s5_content_type_255_ok", "PUT", "/secrets/ct?api-version=7.4", NULL, BIG_CT_255, 200, NULL,
     NULL, NULL, NULL},
    /* §2 "maxresults > 25" and §5 maxresults 1..25. */
    {"s2_maxresults_0", "GET", "/secrets?api-version=7.4&maxresults=0", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26", "GET", "/secrets?api-version=7.4&maxresults=26", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_abc", "GET", "/secrets?api-version=7.4&maxresults=abc", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_negative", "GET", "/secrets?api-version=7.4&maxresults=-1", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26_deleted", "GET", "/deletedsecrets?api-version=7.4&maxresults=26", NULL,
     BIG_NONE, 400, "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26_versions", "GET", "/secrets/api-key/versions?api-version=7.4&maxresults=26",
     NULL, BIG_NONE, 400, "BadParameter", NULL, NULL, NULL},
    /* Bodies that are not the SetSecret shape (real texts unknown: status and envelope only). */
    {"body_invalid_json", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    /* cJSON alone would stop after the first document and accept this. */
    {"body_trailing_data", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":\"v\"} trailing",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_empty", "PUT", "/secrets/api-key?api-version=7.4", "", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_json_array", "PUT", "/secrets/api-key?api-version=7.4", "[\"value\"]", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_json_null", "PUT", "/secrets/api-key?api-version=7.4", "null", BIG_NONE, 400, NULL, NULL,
     NULL, NULL},
    {"body_json_string", "PUT", "/secrets/api-key?api-version=7.4", "\"value\"", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_value_missing", "PUT", "/secrets/api-key?api-version=7.4", "{\"contentType\":\"x\"}",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_value_number", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":5}", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_value_null", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":null}", BIG_NONE,
     400, NULL, NULL, NULL, NULL},
    {"body_tags_array", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"tags\":[\"a\"]}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_tag_value_number", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"tags\":{\"a\":1}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_enabled_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"enabled\":\"true\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_exp_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"exp\":\"2030-01-01\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_nbf_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"nbf\":\"1700000000\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    /* Issue 13: numbers with no int64 value (checked before any cast, clean under UBSan), fractions
     * and times outside years 1..9999 are a 400, not undefined behaviour. */
    {"body_exp_huge", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"exp\":1e300}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_nbf_negative_huge", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"nbf\":-1e300}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_exp_fraction", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"exp\":1700000000.5}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_exp_year_10000", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"exp\":253402300800}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_patch_exp_2e63", "PATCH", "/secrets/api-key/?api-version=7.4",
     "{\"attributes\":{\"exp\":9223372036854775808}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_attributes_array", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":[true]}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_content_type_number", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"contentType\":42}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_invalid_utf8", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":\"\xff\xfe\xc3\"}",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_patch_invalid_json", "PATCH", "/secrets/api-key/?api-version=7.4", "{tags:", BIG_NONE,
     400, NULL, NULL, NULL, NULL},
    {"body_patch_enabled_string", "PATCH", "/secrets/api-key/?api-version=7.4",
     "{\"attributes\":{\"enabled\":\"no\"}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_patch_exp_string", "PATCH", "/secrets/api-key/?api-version=7.4",
     "{\"attributes\":{\"exp\":\"soon\"}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_restore_not_json", "POST", "/secrets/restore?api-version=7.4", "<xml/>", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    /* The mock's 1 MiB cap (DESIGN §2 http): 413, and the server keeps serving. */
    {"body_over_1mib_413", "PUT", "/secrets/api-key?api-version=7.4", NULL, BIG_BODY_OVER_1MB, 413,
     NULL, NULL, NULL, NULL},
    /* §2 404 rows. */
    {"s2_secret_missing_get", "GET", "/secrets/missing/?api-version=7.4", NULL, BIG_NONE, 404, NULL,
     NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_soft_deleted_get", "GET", "/secrets/old-secret?api-version=7.4", NULL, BIG_NONE,
     404, NULL, NULL, NULL, "NOTFOUND:old-secret"},
    {"s2_secret_missing_delete", "DELETE", "/secrets/missing?api-version=7.4", NULL, BIG_NONE, 404,
     NULL, NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_missing_recover", "POST", "/deletedsecrets/never-existed/recover?api-version=7.4",
     "", BIG_NONE, 404, NULL, NULL, NULL, "NOTFOUND:never-existed"},
    {"s2_secret_missing_backup", "POST", "/secrets/missing/backup?api-version=7.4", "", BIG_NONE,
     404, NULL, NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_soft_deleted_backup", "POST", "/secrets/old-secret/backup?api-version=7.4", "",
     BIG_NONE, 404, NULL, NULL, NULL, "NOTFOUND:old-secret"},
    {"s2_secret_missing_patch", "PATCH", "/secrets/missing/?api-version=7.4", "{\"tags\":{}}",
     BIG_NONE, 404, "SecretNotFound", NULL, NULL, NULL},
    {"s2_deleted_missing_get", "GET", "/deletedsecrets/missing?api-version=7.4", NULL, BIG_NONE,
     404, NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: missing\"}}"},
    {"s2_deleted_live_get", "GET", "/deletedsecrets/api-key?api-version=7.4", NULL, BIG_NONE, 404,
     NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: api-key\"}}"},
    {"s2_deleted_missing_purge", "DELETE", "/deletedsecrets/missing?api-version=7.4", NULL,
     BIG_NONE, 404, NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: missing\"}}"},
    {"s2_version_missing", "GET",
     "/secrets/api-key/00000000000000000000000000000000?api-version=7.4", NULL, BIG_NONE, 404,
     "SecretNotFound", NULL, NULL, NULL},
    /* Mock routing: unknown path on a vault (after the checks), wrong methods. */
    {"mock_unknown_vault_path", "GET", "/secrets/a/b/c?api-version=7.4", NULL, BIG_NONE, 404, NULL,
     NULL, NULL, NULL},
    {"mock_wrong_method_post_list", "POST", "/secrets?api-version=7.4", "{}", BIG_NONE, 405, NULL,
     NULL, NULL, NULL},
    {"mock_wrong_method_delete_list", "DELETE", "/secrets?api-version=7.4", NULL, BIG_NONE, 405,
     NULL, NULL, NULL, NULL},
    {"mock_wrong_method_put_deleted", "PUT", "/deletedsecrets/old-secret?api-version=7.4",
     "{\"value\":\"v\"}", BIG_NONE, 405, NULL, NULL, NULL, NULL},
};

/* Builds the body / path of a row with a generated size. Returns malloc'd strings. */
static void build_row(const struct bad_row *row, char **path, char **body)
{
    size_t n;
    char *b = NULL, *p = NULL;

    switch (row->big) {
    case BIG_VALUE_25601:
    case BIG_VALUE_25600:
        n = row->big == BIG_VALUE_25601 ? 25601 : 25600;
        b = hc_xmalloc(n + 32);
        strcpy(b, "{\"value\":\"");
        memset(b + 10, 'a', n);
        strcpy(b + 10 + n, "\"}");
        break;
    case BIG_TAGS_16:
    case BIG_TAGS_15: {
        int k = row->big == BIG_TAGS_16 ? 16 : 15;
        size_t off;
        b = hc_xmalloc(1024);
        off = (size_t)sprintf(b, "{%s\"tags\":{",
                              strcmp(row->method, "PATCH") ? "\"value\":\"v\"," : "");
        for (int i = 0; i < k; i++)
            off += (size_t)sprintf(b + off, "%s\"t%d\":\"v\"", i ? "," : "", i);
        strcpy(b + off, "}}");
        break;
    }
    case BIG_TAG_VALUE_257:
        b = hc_xmalloc(400);
        strcpy(b, "{\"value\":\"v\",\"tags\":{\"t\":\"");
        n = strlen(b);
        memset(b + n, 'x', 257);
        strcpy(b + n + 257, "\"}}");
        break;
    case BIG_CT_256:
    case BIG_CT_255:
        n = row->big == BIG_CT_256 ? 256 : 255;
        b = hc_xmalloc(n + 64);
        strcpy(b, "{\"value\":\"v\",\"contentType\":\"");
        memset(b + strlen(b), 'c', n);
        strcpy(b + 28 + n, "\"}");
        break;
    case BIG_NAME_128:
    case BIG_NAME_127:
        n = row->big == BIG_NAME_128 ? 128 : 127;
        p = hc_xmalloc(n + 64);
        strcpy(p, "/secrets/");
        memset(p + 9, 'n', n);
        strcpy(p + 9 + n, "?api-version=7.4");
        break;
    case BIG_BODY_OVER_1MB:
        n = 1024 * 1024 + 16;
        b = hc_xmalloc(n + 32);
        strcpy(b, "{\"value\":\"");
        memset(b + 10, 'a', n);
        strcpy(b + 10 + n, "\"}");
        break;
    default: break;
    }
    *path = p ? p : strdup(row->path);
    *body = b ? b : (row->body ? strdup(row->body) : NULL);
}

/* One row of the table: exact status (and body, code, inner code or message where the spec
 * gives them), the common headers, no challenge on non-401s, and for refusals an unchanged
 * store. */
START_TEST(test_s2_bad_request_rows)
{
    const struct bad_row *row = &bad_rows[_i];
    char *path, *body, *s0 = hc_state(srv), *s1, hb[256];
    struct mvt_resp r;

    build_row(row, &path, &body);
    hc_req(srv, row->method, DEMO, path, tok, NULL, body, &r);
    hc_assert_status(&r, row->status, row->label);
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", row->label);
    ck_assert_msg(hc_is_guid(mvt_header(&r, "x-ms-request-id", hb, sizeof hb)), "%s: request id",
                  row->label);
    hc_assert_no_header(&r, "WWW-Authenticate", row->label);
    if (row->status >= 400) {
        ck_assert_msg(r.json && cJSON_IsString(hc_jget(r.json, "error.code")) &&
                          cJSON_IsString(hc_jget(r.json, "error.message")),
                      "%s: Key Vault error envelope", row->label);
        ck_assert_msg(hc_no_nulls(r.json, NULL), "%s: no nulls", row->label);
    }
    if (row->code)
        ck_assert_msg(strcmp(hc_err_code(&r), row->code) == 0, "%s: code %s, want %s", row->label,
                      hc_err_code(&r), row->code);
    if (row->inner)
        ck_assert_msg(hc_jstr(r.json, "error.innererror.code") &&
                          strcmp(hc_jstr(r.json, "error.innererror.code"), row->inner) == 0,
                      "%s: innererror %s", row->label, row->inner);
    if (row->message)
        ck_assert_msg(hc_jstr(r.json, "error.message") &&
                          strcmp(hc_jstr(r.json, "error.message"), row->message) == 0,
                      "%s: message '%s', want '%s'", row->label,
                      hc_jstr(r.json, "error.message") ? hc_jstr(r.json, "error.message") : "",
                      row->message);
    if (row->exact && strncmp(row->exact, "NOTFOUND:", 9) == 0) {
        char want[1024];
        snprintf(want, sizeof want, not_found_fmt, row->exact + 9);
        hc_assert_body(&r, want, true, row->label);
    } else if (row->exact) {
        hc_assert_body(&r, row->exact, true, row->label);
    }
    mvt_resp_free(&r);
    s1 = hc_state(srv);
    if (row->status >= 400)
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: store unchanged after a refused request",
                      row->label);
    if (row->big == BIG_BODY_OVER_1MB) {
        /* The server keeps serving on new connections. */
        hc_set(srv, DEMO, tok, "after-413", "{\"value\":\"fine\"}", &r);
        mvt_resp_free(&r);
    }
    free(s0);
    free(s1);
    free(path);
    free(body);
}
END_TEST

/* ---- Mock-specific routing answers ---- */

/* DESIGN §3: an unknown vault host gets a clear 404 naming the vaults that exist (checked with a
 * Host header, as TLS names cover only real vaults). */
START_TEST(test_mock_unknown_vault_404_names_vaults)
{
    char host[128];
    const char *hosts[2];
    const char *hdr[2] = {NULL, NULL};

    snprintf(host, sizeof host, "Host: nope.localhost:%u", (unsigned)mv_server_port(srv));
    hosts[0] = host;
    hosts[1] = "Host: nope.vault.azure.net";
    for (int i = 0; i < 2; i++) {
        struct mvt_resp r;
        const char *msg;
        hdr[0] = hosts[i];
        hc_req(srv, "GET", "localhost", "/secrets?api-version=7.4", tok, hdr, NULL, &r);
        hc_assert_status(&r, 404, hosts[i]);
        msg = hc_jstr(r.json, "error.message");
        ck_assert_msg(msg && strstr(msg, "demo") && strstr(msg, "rbac-demo"),
                      "%s: message names the vaults: %s", hosts[i], msg ? msg : "(none)");
        ck_assert_msg(strstr(msg, "nope") != NULL, "names the host asked for");
        mvt_resp_free(&r);
    }
}
END_TEST

/* Unknown paths outside the vault are 404; wrong methods on known paths 405. */
START_TEST(test_mock_unknown_path_and_method)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/no/such/endpoint", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 404, "unknown path");
    mvt_resp_free(&r);
    hc_req(srv, "DELETE", "localhost", "/_mock/health", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 405, "DELETE /_mock/health");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/" T_TENANT "/oauth2/v2.0/token", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 405, "GET token endpoint");
    mvt_resp_free(&r);
}
END_TEST

/* Robustness: a 64 KiB header, a 64 KiB bearer token and a 64 KiB URL do not crash the server;
 * it still answers /_mock/health and vault requests afterwards. */
START_TEST(test_mock_huge_header_survives)
{
    size_t n = 64 * 1024;
    char *hdr = hc_xmalloc(n + 32), *big_tok = hc_xmalloc(n + 1), *url = hc_xmalloc(n + 64);
    const char *hl[] = {hdr, NULL};
    struct mvt_resp r;

    strcpy(hdr, "X-Big: ");
    memset(hdr + 7, 'h', n);
    hdr[7 + n] = '\0';
    memset(big_tok, 'e', n);
    big_tok[n] = '\0';
    strcpy(url, "/secrets/");
    memset(url + 9, 'u', n);
    strcpy(url + 9 + n, "?api-version=7.4");

    if (mvt_request(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", tok, hl, NULL, &r) ==
        0) {
        ck_assert_msg(r.status >= 400 || r.status == 200, "some answer");
        mvt_resp_free(&r);
    }
    if (mvt_request(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", big_tok, NULL, NULL,
                    &r) == 0) {
        ck_assert_msg(r.status != 200, "a 64 KiB garbage token is not accepted");
        mvt_resp_free(&r);
    }
    if (mvt_request(srv, "GET", DEMO, url, tok, NULL, NULL, &r) == 0) {
        ck_assert_msg(r.status >= 400, "a 64 KiB name is refused (status %ld)", r.status);
        mvt_resp_free(&r);
    }
    hc_req(srv, "GET", "localhost", "/_mock/health", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "health after huge headers");
    mvt_resp_free(&r);
    hc_req(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "vault still serving");
    mvt_resp_free(&r);
    free(hdr);
    free(big_tok);
    free(url);
}
END_TEST

static Suite *errors_requests_suite(void)
{
    Suite *s = suite_create("http-errors-requests");
    TCase *val = tcase_create("validation");
    TCase *mock = tcase_create("mock");

    tcase_add_checked_fixture(val, setup, teardown);
    tcase_add_loop_test(val, test_s2_bad_request_rows, 0,
                        (int)(sizeof bad_rows / sizeof bad_rows[0]));
    suite_add_tcase(s, val);

    tcase_add_checked_fixture(mock, setup, teardown);
    tcase_add_test(mock, test_mock_unknown_vault_404_names_vaults);
    tcase_add_test(mock, test_mock_unknown_path_and_method);
    tcase_add_test(mock, test_mock_huge_header_survives);
    suite_add_tcase(s, mock);
    return s;
}

int main(void)
{
    return mvt_run(errors_requests_suite(), false);
}
