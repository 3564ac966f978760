/* test-http-assertion-fixtures.c: the "certificates" field of fixtures and snapshots: what a
 * fixture may hold, a certificate file, and the round trip through the state over HTTP
 * (assertion-common.h says how the suites run). */
#include "assertion-common.h"

/* ---- Fixtures and snapshots ---- */

/* A fixture with one app whose "certificates" entry is entry (JSON text). */
static char *fixture_with(const char *entry)
{
    static const char fmt[] =
        "{\"tenants\":[{\"id\":\"" T_TENANT "\",\"applications\":[{\"clientId\":\"" T_FLOW_ID
        "\",\"certificates\":[%s]}]}],\"vaults\":[]}";
    size_t n = strlen(fmt) + strlen(entry) + 1;
    char *s = hc_xmalloc(n);
    snprintf(s, n, fmt, entry);
    return s;
}

static char *json_string(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* Parses text as a fixture named source; returns the data or NULL with err filled. */
static struct mv_data *parse_fixture(const char *text, const char *source, char *err, size_t n)
{
    return mv_state_parse(text, strlen(text), source, 1700000000, err, n);
}

static void expect_fixture_error(const char *entry, const char *source, const char *want)
{
    char err[1024] = "", *text = fixture_with(entry);
    struct mv_data *d = parse_fixture(text, source, err, sizeof err);

    ck_assert_msg(d == NULL, "fixture with %.80s must be refused", entry);
    ck_assert_msg(strstr(err, want) != NULL, "error '%s' must contain '%s'", err, want);
    free(text);
}

START_TEST(test_fixture_certificates)
{
    char err[1024] = "", *full, *pem_json, *entry, *text, *out, *again;
    struct mv_data *d, *d2;
    struct signer ec;
    size_t len = 0;

    full = cx_read_file(FLOW_PEM, 1 << 20, &len);
    ck_assert_ptr_nonnull(full);

    /* Inline, with the private key in the same text: only the certificate is kept. */
    pem_json = json_string(full);
    entry = hc_xmalloc(strlen(pem_json) + 16);
    sprintf(entry, "{\"pem\":%s}", pem_json);
    text = fixture_with(entry);
    d = parse_fixture(text, "inline.json", err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    {
        const struct mv_app *app = &d->tenants[0].apps[0];
        char *b = hc_b64url_encode(app->certificates[0].sha256, 32);
        ck_assert_uint_eq(app->ncertificates, 1);
        ck_assert_str_eq(b, FLOW_S256);
        free(b);
        ck_assert_ptr_null(strstr(app->certificates[0].pem, "PRIVATE KEY"));
        ck_assert_int_eq(app->certificates[0].not_after, 2395267200LL); /* 2045-11-26 */
    }
    /* Export -> import -> export is lossless, and the key never reaches the export. */
    {
        cJSON *j = mv_state_export(d);
        out = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
    }
    ck_assert_ptr_null(strstr(out, "PRIVATE KEY"));
    ck_assert_ptr_nonnull(strstr(out, "\"certificates\":[{\"pem\":\"-----BEGIN CERTIFICATE-----"));
    d2 = parse_fixture(out, "export", err, sizeof err);
    ck_assert_msg(d2 != NULL, "%s", err);
    {
        cJSON *j = mv_state_export(d2);
        again = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
    }
    ck_assert_str_eq(out, again);
    free(again);
    free(out);
    mv_data_free(d2);
    mv_data_free(d);
    free(text);
    free(entry);

    /* Apps without certificates export no "certificates" key. */
    {
        const char *plain = "{\"tenants\":[{\"id\":\"" T_TENANT
                            "\",\"applications\":[{\"clientId\":\"" T_FLOW_ID "\"}]}]}";
        d = parse_fixture(plain, "inline.json", err, sizeof err);
        ck_assert_msg(d != NULL, "%s", err);
        cJSON *j = mv_state_export(d);
        out = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        ck_assert_ptr_null(strstr(out, "certificates"));
        free(out);
        mv_data_free(d);
    }

    /* Bad entries, each named by path. */
    expect_fixture_error("{\"pem\":\"hello\"}", "inline.json",
                         "inline.json: $.tenants[0].applications[0].certificates[0].pem: no "
                         "\"-----BEGIN CERTIFICATE-----\" block");
    expect_fixture_error(
        "{\"pem\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"}",
        "inline.json",
        "$.tenants[0].applications[0].certificates[0].pem: the CERTIFICATE block "
        "is not a valid X.509 certificate");
    expect_fixture_error("{}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: give exactly one of");
    expect_fixture_error("{\"pem\":\"x\",\"file\":\"y\"}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: give exactly one of");
    expect_fixture_error("{\"pem\":\"x\",\"thumbprint\":\"y\"}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0].thumbprint");
    expect_fixture_error(
        "{\"pem\":42}", "inline.json",
        "$.tenants[0].applications[0].certificates[0].pem: 'pem' must be a string");
    expect_fixture_error("\"x\"", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: expected an object");
    /* "file" is for fixture files only: not over PUT /_mock/state. */
    expect_fixture_error("{\"file\":\"certs/automation-flow.pem\"}", "PUT /_mock/state",
                         "PUT /_mock/state: $.tenants[0].applications[0].certificates[0].file: a "
                         "certificate 'file' can only be used in a fixture file");

    /* An EC certificate: refused at load, naming the key type. */
    make_signer(&ec, GNUTLS_PK_ECDSA, time(NULL) - 86400, time(NULL) + 86400);
    free(pem_json);
    pem_json = json_string(ec.cert_pem);
    entry = hc_xmalloc(strlen(pem_json) + 16);
    sprintf(entry, "{\"pem\":%s}", pem_json);
    expect_fixture_error(entry, "inline.json", "the certificate's key is EC");
    free(entry);
    free(pem_json);
    /* The same certificate twice. */
    pem_json = json_string(flow.cert_pem);
    entry = hc_xmalloc(2 * strlen(pem_json) + 64);
    sprintf(entry, "{\"pem\":%s},{\"pem\":%s}", pem_json, pem_json);
    expect_fixture_error(entry, "inline.json",
                         "$.tenants[0].applications[0].certificates[1]: the same certificate "
                         "appears twice (also certificates[0])");
    free(entry);
    free(pem_json);
    signer_free(&ec);
    memset(full, 0, len);
    free(full);
}
END_TEST

/* "file" is resolved next to the fixture file; a missing file is named. */
START_TEST(test_fixture_certificate_file)
{
    char tmpl[] = "/tmp/mvt-cert-XXXXXX", *dir = mkdtemp(tmpl), path[512], sub[512], err[1024] = "",
         *text;
    struct mv_data *d;
    FILE *f;

    ck_assert_ptr_nonnull(dir);
    snprintf(sub, sizeof sub, "%s/certs", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/certs/flow.pem", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(flow.cert_pem, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/fixture.json", dir);
    text = fixture_with("{\"file\":\"certs/flow.pem\"}");
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);

    d = mv_state_load_file(path, 1700000000, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_uint_eq(d->tenants[0].apps[0].ncertificates, 1);
    ck_assert_mem_eq(d->tenants[0].apps[0].certificates[0].sha1, flow.sha1, 20);
    mv_data_free(d);

    /* A missing file names the entry and the path as written. */
    text = fixture_with("{\"file\":\"certs/missing.pem\"}");
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);
    d = mv_state_load_file(path, 1700000000, err, sizeof err);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err, "$.tenants[0].applications[0].certificates[0].file: cannot read "
                              "'certs/missing.pem' (relative to the fixture file's directory)"),
                  "%s", err);

    unlink(path);
    snprintf(path, sizeof path, "%s/certs/flow.pem", dir);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

/* The default fixture's automation-flow certificate over HTTP: GET /_mock/state shows it inline,
 * without any private key, and PUT of that state back keeps certificate logins working. */
START_TEST(test_state_roundtrip_http)
{
    char *state = hc_state(srv);
    int64_t now;
    struct shape sh;
    struct mvt_resp r;
    char *a;

    ck_assert_ptr_nonnull(strstr(state, "\"certificates\""));
    ck_assert_ptr_null(strstr(state, "PRIVATE KEY"));
    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", state), 200);
    free(state);
    now = hc_now(srv);
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "after PUT /_mock/state");
    check_cert_token(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    free(a);
}
END_TEST

static Suite *assertion_fixtures_suite(void)
{
    Suite *s = suite_create("http-assertion-fixtures");
    TCase *fx = tcase_create("fixtures");

    tcase_add_checked_fixture(fx, setup, teardown);
    tcase_add_test(fx, test_fixture_certificates);
    tcase_add_test(fx, test_fixture_certificate_file);
    tcase_add_test(fx, test_state_roundtrip_http);
    suite_add_tcase(s, fx);
    return s;
}

int main(void)
{
    return mvt_run(assertion_fixtures_suite(), false);
}
