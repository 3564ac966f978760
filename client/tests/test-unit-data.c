/* test-unit-data.c: unit tests of what libkvclient reads and builds: token freshness, the
 * secret JSON shapes (spec/keyvault-secrets.md §1), error mapping (§2 and Entra bodies), URLs,
 * buffers, errors, the status names and the client assertion (unit-common.h). */
#include "unit-common.h"

/* A certificate and its key, as AZURE_CLIENT_CERTIFICATE_PATH holds them. */
#define CERT_PEM MV_SOURCE_ROOT "/fixtures/certs/automation-flow.pem"

/* ---- tokens.c: freshness ----------------------------------------------------------------- */

START_TEST(test_token_state)
{
    const int64_t now = 1700000000;

    /* The boundaries are kept clear of the implementation's safety margin (tokens.c treats the
     * last 30 s before expiry as expired: too close to survive a request and a retry). */
    ck_assert_int_eq(kv__token_state("t", now + 3599, now, 300), 0); /* fresh */
    ck_assert_int_eq(kv__token_state("t", now + 301, now, 300), 0);
    ck_assert_int_eq(kv__token_state("t", now + 299, now, 300), 1); /* refresh window */
    ck_assert_int_eq(kv__token_state("t", now + 120, now, 300), 1);
    ck_assert_int_eq(kv__token_state("t", now + 60, now, 300), 1);
    ck_assert_int_eq(kv__token_state("t", now, now, 300), 2); /* expired */
    ck_assert_int_eq(kv__token_state("t", now - 1, now, 300), 2);
    ck_assert_int_eq(kv__token_state("t", now - 4000, now, 300), 2);
    ck_assert_int_eq(kv__token_state(NULL, now + 3599, now, 300), 2); /* absent */
    ck_assert_int_eq(kv__token_state(NULL, 0, now, 300), 2);
    /* No refresh window: good until (nearly) the end. */
    ck_assert_int_eq(kv__token_state("t", now + 100, now, 0), 0);
    ck_assert_int_eq(kv__token_state("t", now - 1, now, 0), 2);
    /* A window longer than the lifetime: always due for refresh, never "fresh". */
    ck_assert_int_eq(kv__token_state("t", now + 100, now, 3600), 1);
    /* expires_on 0: a static token that never expires. */
    ck_assert_int_eq(kv__token_state("t", 0, now, 300), 0);
}
END_TEST

/* The ends of the int64 range: a static token's expires_on is the caller's, and a lifetime from
 * a hostile identity endpoint is bounded but still added to a clock; none of it may overflow. */
START_TEST(test_token_state_extremes)
{
    const int64_t now = 1700000000;

    ck_assert_int_eq(kv__token_state("t", INT64_MIN, now, 300), 2);
    ck_assert_int_eq(kv__token_state("t", INT64_MIN + 1, now, UINT_MAX), 2);
    ck_assert_int_eq(kv__token_state("t", INT64_MAX, now, 300), 0);
    ck_assert_int_eq(kv__token_state("t", INT64_MAX, now, UINT_MAX), 0);
    ck_assert_int_eq(kv__token_state("t", INT64_MAX, INT64_MIN, 300), 0);
    ck_assert_int_eq(kv__token_state("t", INT64_MIN, INT64_MAX, 300), 2);
    ck_assert_int_eq(kv__token_state("t", 1, INT64_MIN, 300), 0);
    ck_assert_int_eq(kv__token_state("t", -1, INT64_MAX, 0), 2);
}
END_TEST

/* ---- secrets.c: JSON shapes (spec/keyvault-secrets.md §1) ------------------------------------ */

/* The status of reading json as a secret, with *out (NULL on failure) and err filled. */
static int secret_read(const char *json, struct kv_secret **out, struct kv_error *err)
{
    cJSON *root = cJSON_Parse(json);
    int st;

    ck_assert_msg(root != NULL, "test JSON parses");
    memset(err, 0, sizeof *err);
    st = kv__secret_from_json(root, "the test object", out, err);
    cJSON_Delete(root);
    ck_assert_msg((st == KV_OK) == (*out != NULL), "a secret exactly when KV_OK");
    ck_assert_int_eq(err->status, st);
    return st;
}

static struct kv_secret *secret_of(const char *json)
{
    struct kv_secret *s = NULL;
    struct kv_error err;

    secret_read(json, &s, &err);
    return s;
}

static const char *tag_value(const struct kv_secret *s, const char *name)
{
    for (size_t i = 0; i < s->n_tags; i++)
        if (strcmp(s->tags[i].name, name) == 0)
            return s->tags[i].value;
    return NULL;
}

/* The recorded SetSecret response plus contentType and tags. */
START_TEST(test_secret_bundle)
{
    struct kv_secret *s = secret_of(
        "{\"value\":\"secret-value\",\"contentType\":\"text/plain\",\"id\":\"https://vaultname."
        "vault.azure.net/secrets/livekvtestsecret-namee8553665/54a5883d2c8f4c379c19bd85e046e213\","
        "\"attributes\":{\"enabled\":true,\"nbf\":1577836800,\"exp\":2527401600,\"created\":"
        "1774470963,\"updated\":1774470964,\"recoveryLevel\":\"Recoverable+Purgeable\","
        "\"recoverableDays\":90},\"tags\":{\"foo\":\"updated tag\",\"env\":\"demo\"}}");

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->id,
                     "https://vaultname.vault.azure.net/secrets/livekvtestsecret-namee8553665/"
                     "54a5883d2c8f4c379c19bd85e046e213");
    ck_assert_str_eq(s->name, "livekvtestsecret-namee8553665");
    ck_assert_str_eq(s->version, "54a5883d2c8f4c379c19bd85e046e213");
    ck_assert_msg(s->value && strcmp(s->value, "secret-value") == 0, "value is the bundle's");
    ck_assert_str_eq(s->content_type, "text/plain");
    ck_assert_ptr_null(s->kid);
    ck_assert_int_eq(s->enabled, 1);
    ck_assert_int_eq(s->managed, 0);
    ck_assert_int_eq(s->not_before, 1577836800);
    ck_assert_int_eq(s->expires, 2527401600);
    ck_assert_int_eq(s->created, 1774470963);
    ck_assert_int_eq(s->updated, 1774470964);
    ck_assert_str_eq(s->recovery_level, "Recoverable+Purgeable");
    ck_assert_int_eq(s->recoverable_days, 90);
    ck_assert_uint_eq(s->n_tags, 2);
    ck_assert_pstr_eq(tag_value(s, "foo"), "updated tag");
    ck_assert_pstr_eq(tag_value(s, "env"), "demo");
    ck_assert_ptr_null(s->recovery_id);
    ck_assert_int_eq(s->deleted_date, 0);
    ck_assert_int_eq(s->scheduled_purge_date, 0);
    kv_secret_free(s);
}
END_TEST

/* Optional keys are omitted: everything optional stays NULL/0; a disabled secret; api 7.0 has no
 * recoverableDays; an empty value is a value. */
START_TEST(test_secret_bundle_minimal)
{
    struct kv_secret *s = secret_of(
        "{\"value\":\"\",\"id\":\"https://demo.localhost:8443/secrets/minimal/"
        "0123456789abcdef0123456789abcdef\",\"attributes\":{\"enabled\":false,\"created\":1,"
        "\"updated\":2,\"recoveryLevel\":\"CustomizedRecoverable+Purgeable\"}}");

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "minimal");
    ck_assert_str_eq(s->version, "0123456789abcdef0123456789abcdef");
    ck_assert_msg(s->value != NULL && s->value[0] == '\0', "an empty value is not NULL");
    ck_assert_ptr_null(s->content_type);
    ck_assert_int_eq(s->enabled, 0);
    ck_assert_int_eq(s->not_before, 0);
    ck_assert_int_eq(s->expires, 0);
    ck_assert_int_eq(s->recoverable_days, 0);
    ck_assert_uint_eq(s->n_tags, 0);
    kv_secret_free(s);
}
END_TEST

/* A list item (recorded shape): base id, no value, no version; a certificate-backed item. */
START_TEST(test_secret_item)
{
    struct kv_secret *s = secret_of(
        "{\"id\":\"https://vaultname.vault.azure.net/secrets/listsecret0\",\"attributes\":{"
        "\"enabled\":true,\"created\":1774470963,\"updated\":1774470963,\"recoveryLevel\":"
        "\"Recoverable+Purgeable\",\"recoverableDays\":90},\"tags\":{}}");

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->id, "https://vaultname.vault.azure.net/secrets/listsecret0");
    ck_assert_str_eq(s->name, "listsecret0");
    ck_assert_msg(s->version == NULL || s->version[0] == '\0', "an item has no version");
    ck_assert_ptr_null(s->value);
    ck_assert_int_eq(s->enabled, 1);
    ck_assert_uint_eq(s->n_tags, 0);
    kv_secret_free(s);

    s = secret_of("{\"contentType\":\"application/x-pkcs12\",\"id\":\"https://vaultname.vault."
                  "azure.net/secrets/mycert\",\"managed\":true,\"kid\":\"https://vaultname.vault."
                  "azure.net/keys/mycert/0123456789abcdef0123456789abcdef\",\"attributes\":{"
                  "\"enabled\":true,\"created\":5,\"updated\":6,\"recoveryLevel\":"
                  "\"Recoverable+Purgeable\",\"recoverableDays\":90}}");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "mycert");
    ck_assert_int_eq(s->managed, 1);
    ck_assert_str_eq(s->content_type, "application/x-pkcs12");
    ck_assert_str_eq(s->kid, "https://vaultname.vault.azure.net/keys/mycert/"
                             "0123456789abcdef0123456789abcdef");
    kv_secret_free(s);
}
END_TEST

/* The recorded DeleteSecret response (DeletedSecretBundle). */
START_TEST(test_secret_deleted)
{
    struct kv_secret *s = secret_of(
        "{\"recoveryId\":\"https://vaultname.vault.azure.net/deletedsecrets/N\",\"deletedDate\":"
        "1774470964,\"scheduledPurgeDate\":1782246964,\"contentType\":\"text/plain\",\"id\":"
        "\"https://vaultname.vault.azure.net/secrets/N/54a5883d2c8f4c379c19bd85e046e213\","
        "\"attributes\":{\"enabled\":true,\"exp\":2527401600,\"created\":1774470963,\"updated\":"
        "1774470964,\"recoveryLevel\":\"Recoverable+Purgeable\",\"recoverableDays\":90},"
        "\"tags\":{\"foo\":\"updated tag\"}}");

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->recovery_id, "https://vaultname.vault.azure.net/deletedsecrets/N");
    ck_assert_int_eq(s->deleted_date, 1774470964);
    ck_assert_int_eq(s->scheduled_purge_date, 1782246964);
    ck_assert_str_eq(s->name, "N");
    ck_assert_str_eq(s->version, "54a5883d2c8f4c379c19bd85e046e213");
    ck_assert_ptr_null(s->value);
    ck_assert_int_eq(s->expires, 2527401600);
    ck_assert_pstr_eq(tag_value(s, "foo"), "updated tag");
    kv_secret_free(s);

    /* A deleted list item: base id. */
    s = secret_of(
        "{\"recoveryId\":\"https://v.vault.azure.net/deletedsecrets/old\",\"deletedDate\":"
        "10,\"scheduledPurgeDate\":20,\"id\":\"https://v.vault.azure.net/secrets/old\","
        "\"attributes\":{\"enabled\":true,\"created\":1,\"updated\":2}}");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "old");
    ck_assert_int_eq(s->deleted_date, 10);
    ck_assert_int_eq(s->scheduled_purge_date, 20);
    kv_secret_free(s);
}
END_TEST

/* An object without id is refused (JS crashes on it; we return NULL). */
START_TEST(test_secret_without_id)
{
    struct kv_secret *s = NULL;
    struct kv_error err;

    ck_assert_int_eq(secret_read("{\"value\":\"x\",\"attributes\":{\"enabled\":true}}", &s, &err),
                     KV_E_PROTOCOL);
    ck_assert_str_eq(err.message, "the test object has no secret id");
    ck_assert_ptr_null(secret_of("{}"));
    ck_assert_int_eq(secret_read("[1]", &s, &err), KV_E_PROTOCOL);
    ck_assert_int_eq(secret_read("\"x\"", &s, &err), KV_E_PROTOCOL);
    kv_secret_free(NULL);
}
END_TEST

/* Hostile numbers (issue 13): a time outside the years 1 to 9999 or a recoverableDays outside
 * 0 to INT_MAX, fractional, out of the int64 range or infinite (cJSON reads 1e999 as infinity),
 * is a protocol error that names the member and quotes neither the number nor the value; the
 * ends of each range are kept exactly; members that are not numbers stay 0 as before. */
static const struct {
    const char *member; /* "deletedDate" at the top, the others in attributes */
    const char *number;
    const char *named;
} bad_numbers[] = {
    {"exp", "1e300", "attributes.exp"},
    {"exp", "-1e300", "attributes.exp"},
    {"exp", "1e999", "attributes.exp"},
    {"exp", "-1e999", "attributes.exp"},
    {"exp", "9223372036854775807", "attributes.exp"}, /* a double of 2^63: out of int64 */
    {"exp", "9223372036854775296", "attributes.exp"}, /* fits int64, past the year 9999 */
    {"exp", "-9223372036854775808", "attributes.exp"},
    {"exp", "253402300800", "attributes.exp"}, /* 10000-01-01 */
    {"exp", "-62135596801", "attributes.exp"}, /* the last second of the year 0 */
    {"exp", "1700000000.5", "attributes.exp"},
    {"exp", "0.000001", "attributes.exp"},
    {"nbf", "1e19", "attributes.nbf"},
    {"created", "-1e19", "attributes.created"},
    {"updated", "1e300", "attributes.updated"},
    {"recoverableDays", "1e300", "attributes.recoverableDays"},
    {"recoverableDays", "2147483648", "attributes.recoverableDays"},
    {"recoverableDays", "-1", "attributes.recoverableDays"},
    {"recoverableDays", "7.5", "attributes.recoverableDays"},
    {"deletedDate", "1e300", "deletedDate"},
    {"scheduledPurgeDate", "-1e300", "scheduledPurgeDate"},
};

START_TEST(test_secret_bad_numbers)
{
    const char *m = bad_numbers[_i].member;
    bool top = strcmp(m, "deletedDate") == 0 || strcmp(m, "scheduledPurgeDate") == 0;
    char json[512];
    struct kv_secret *s = NULL;
    struct kv_error err;

    snprintf(json, sizeof json,
             "{\"id\":\"https://v.vault.azure.net/secrets/n/0123456789abcdef0123456789abcdef\","
             "\"value\":\"kvt-unit-value\",%s%s\":%s%s\"enabled\":true}}",
             top ? "\"" : "\"attributes\":{\"", m, bad_numbers[_i].number,
             top ? ",\"attributes\":{" : ",");
    ck_assert_int_eq(secret_read(json, &s, &err), KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, bad_numbers[_i].named) != NULL, "%s names %s", err.message,
                  bad_numbers[_i].named);
    ck_assert_msg(strncmp(err.message, "the test object: ", 17) == 0, "%s", err.message);
    ck_assert_msg(strstr(err.message, "kvt-unit-value") == NULL, "no value in the message");
    ck_assert_msg(strstr(err.message, bad_numbers[_i].number) == NULL, "no number: %s",
                  err.message);
}
END_TEST

START_TEST(test_secret_number_edges)
{
    struct kv_secret *s =
        secret_of("{\"id\":\"https://v.vault.azure.net/secrets/n\",\"deletedDate\":-62135596800,"
                  "\"scheduledPurgeDate\":253402300799,\"attributes\":{\"nbf\":-0.0,\"exp\":2."
                  "534023007990e11,"
                  "\"created\":\"1700000000\",\"updated\":true,\"recoverableDays\":2147483647}}");

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->deleted_date, KV__TIME_MIN);
    ck_assert_int_eq(s->scheduled_purge_date, KV__TIME_MAX);
    ck_assert_int_eq(s->not_before, 0);
    ck_assert_int_eq(s->expires, KV__TIME_MAX);
    /* Not numbers: left unset, as before. */
    ck_assert_int_eq(s->created, 0);
    ck_assert_int_eq(s->updated, 0);
    ck_assert_int_eq(s->recoverable_days, INT_MAX);
    kv_secret_free(s);
}
END_TEST

/* ---- http.c: error mapping (spec/keyvault-secrets.md §2; Entra envelope) --------------------- */

static int map_error(long status, const char *body, struct kv_error *err)
{
    struct kv__response rs;
    int st;

    memset(&rs, 0, sizeof rs);
    rs.status = status;
    rs.retry_after_ms = -1;
    if (body) {
        rs.body.data = (char *)body;
        rs.body.len = strlen(body);
        rs.body.cap = rs.body.len + 1;
    }
    snprintf(rs.request_id, sizeof rs.request_id, "45258d7a-7ca5-4d51-8096-996d84c8bc76");
    memset(err, 0x41, sizeof *err); /* garbage in */
    st = kv__error_from_response(&rs, err);
    ck_assert_int_eq(err->status, st);
    ck_assert_int_eq(err->http_status, status);
    ck_assert_msg(memchr(err->code, '\0', sizeof err->code), "code is terminated");
    ck_assert_msg(memchr(err->inner_code, '\0', sizeof err->inner_code), "inner is terminated");
    ck_assert_msg(memchr(err->message, '\0', sizeof err->message), "message is terminated");
    return st;
}

START_TEST(test_error_disabled)
{
    struct kv_error err;

    ck_assert_int_eq(map_error(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is "
                               "not allowed on a disabled secret.\",\"innererror\":{\"code\":"
                               "\"SecretDisabled\"}}}",
                               &err),
                     KV_E_DISABLED);
    ck_assert_str_eq(err.code, "Forbidden");
    ck_assert_str_eq(err.inner_code, "SecretDisabled");
    ck_assert_str_eq(err.message, "Operation get is not allowed on a disabled secret.");
    ck_assert_str_eq(err.request_id, "45258d7a-7ca5-4d51-8096-996d84c8bc76");
}
END_TEST

START_TEST(test_error_access_denied)
{
    struct kv_error err;

    ck_assert_int_eq(map_error(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group "
                               "or application 'appid=2222;oid=3333;iss=https://sts.windows.net/"
                               "1111/' does not have secrets set permission on key vault "
                               "'demo;location=westeurope'.\",\"innererror\":{\"code\":"
                               "\"AccessDenied\"}}}",
                               &err),
                     KV_E_FORBIDDEN);
    ck_assert_str_eq(err.code, "Forbidden");
    ck_assert_str_eq(err.inner_code, "AccessDenied");
    ck_assert_msg(strstr(err.message, "does not have secrets set permission") != NULL,
                  "message is the server's: %s", err.message);

    ck_assert_int_eq(map_error(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not "
                               "authorized to perform action on resource.\\r\\n\",\"innererror\":"
                               "{\"code\":\"ForbiddenByRbac\"}}}",
                               &err),
                     KV_E_FORBIDDEN);
    ck_assert_str_eq(err.inner_code, "ForbiddenByRbac");
}
END_TEST

START_TEST(test_error_statuses)
{
    struct kv_error err;

    ck_assert_int_eq(map_error(404,
                               "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret "
                               "with (name/id) x was not found in this key vault.\"}}",
                               &err),
                     KV_E_NOT_FOUND);
    ck_assert_str_eq(err.code, "SecretNotFound");
    ck_assert_str_eq(err.inner_code, "");

    ck_assert_int_eq(map_error(409,
                               "{\"error\":{\"code\":\"Conflict\",\"message\":\"Secret x is "
                               "currently in a deleted but recoverable state, and its name cannot "
                               "be reused; in this state, the secret can only be recovered or "
                               "purged.\",\"innererror\":{\"code\":"
                               "\"ObjectIsDeletedButRecoverable\"}}}",
                               &err),
                     KV_E_CONFLICT);
    ck_assert_str_eq(err.code, "Conflict");
    ck_assert_str_eq(err.inner_code, "ObjectIsDeletedButRecoverable");

    ck_assert_int_eq(map_error(429,
                               "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not "
                               "processed because too many requests were received. Reason: "
                               "VaultRequestTypeLimitReached\"}}",
                               &err),
                     KV_E_THROTTLED);
    ck_assert_str_eq(err.code, "Throttled");

    ck_assert_int_eq(map_error(400,
                               "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":"
                               "\"Backup blob contains invalid or corrupt version.\"}}",
                               &err),
                     KV_E_BAD_REQUEST);
    ck_assert_str_eq(err.code, "Malformed backup blob");

    ck_assert_int_eq(map_error(401,
                               "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10022: "
                               "Invalid audience.\"}}",
                               &err),
                     KV_E_UNAUTHORIZED);
    ck_assert_str_eq(err.code, "Unauthorized");

    static const long server[] = {500, 502, 503, 504};
    for (size_t i = 0; i < sizeof server / sizeof server[0]; i++) {
        ck_assert_int_eq(
            map_error(server[i], "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"x\"}}",
                      &err),
            KV_E_SERVER);
        ck_assert_str_eq(err.code, "ServiceUnavailable");
    }
    /* An unexpected status. */
    ck_assert_int_eq(map_error(418, "{\"error\":{\"code\":\"Teapot\",\"message\":\"x\"}}", &err),
                     KV_E_HTTP);
}
END_TEST

/* Entra's envelope: error + error_description (spec/identity.md §1.4). */
START_TEST(test_error_entra)
{
    struct kv_error err;
    int st;

    st = map_error(401,
                   "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
                   "client secret provided. Ensure the secret being sent in the request is the "
                   "client secret value, not the client secret ID.\",\"error_codes\":[7000215],"
                   "\"timestamp\":\"2026-01-01 00:00:00Z\",\"trace_id\":\"t\",\"correlation_id\":"
                   "\"c\"}",
                   &err);
    ck_assert_int_ne(st, KV_OK);
    ck_assert_str_eq(err.code, "invalid_client");
    ck_assert_msg(strstr(err.message, "AADSTS7000215") != NULL, "message: %s", err.message);

    st = map_error(400,
                   "{\"error\":\"unauthorized_client\",\"error_description\":\"AADSTS700016: "
                   "Application with identifier 'x' was not found in the directory.\"}",
                   &err);
    ck_assert_int_ne(st, KV_OK);
    ck_assert_str_eq(err.code, "unauthorized_client");
    ck_assert_msg(strstr(err.message, "AADSTS700016") != NULL, "message: %s", err.message);
}
END_TEST

/* Bodies that are not the Azure envelope: the status still maps; no code; no crash. */
START_TEST(test_error_non_json)
{
    struct kv_error err;

    ck_assert_int_eq(map_error(502, "<html><body>Bad Gateway</body></html>", &err), KV_E_SERVER);
    ck_assert_str_eq(err.code, "");
    ck_assert_str_eq(err.inner_code, "");
    ck_assert_int_eq(map_error(404, "", &err), KV_E_NOT_FOUND);
    ck_assert_int_eq(map_error(404, NULL, &err), KV_E_NOT_FOUND);
    ck_assert_int_eq(map_error(403, "{\"error\":42}", &err), KV_E_FORBIDDEN);
    ck_assert_int_eq(map_error(403, "[1,2,3]", &err), KV_E_FORBIDDEN);
    ck_assert_int_eq(map_error(409, "{\"error\":{\"code\":7,\"innererror\":\"x\"}}", &err),
                     KV_E_CONFLICT);
    ck_assert_str_eq(err.code, "");
}
END_TEST

/* Over-long codes and messages are cut, never overflow. */
START_TEST(test_error_long_fields)
{
    char body[8192], longstr[3000];
    struct kv_error err;

    memset(longstr, 'x', sizeof longstr - 1);
    longstr[sizeof longstr - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"innererror\":{\"code\":\"%s\"}}}",
             longstr, longstr, longstr);
    ck_assert_int_eq(map_error(403, body, &err), KV_E_FORBIDDEN);
    ck_assert_uint_lt(strlen(err.code), sizeof err.code);
    ck_assert_uint_lt(strlen(err.message), sizeof err.message);
}
END_TEST

/* ---- util.c / kvclient.c: URLs, buffers, errors ---------------------------------------------- */

START_TEST(test_url_parts)
{
    char scheme[16], host[256];
    long port = 0;

    ck_assert_int_eq(kv__url_parts("https://demo.localhost:8443/secrets/x?api-version=7.5", scheme,
                                   sizeof scheme, host, sizeof host, &port),
                     0);
    ck_assert_str_eq(scheme, "https");
    ck_assert_str_eq(host, "demo.localhost");
    ck_assert_int_eq(port, 8443);
    ck_assert_int_eq(kv__url_parts("https://MyVault.Vault.Azure.NET", scheme, sizeof scheme, host,
                                   sizeof host, &port),
                     0);
    ck_assert_str_eq(host, "myvault.vault.azure.net");
    ck_assert_int_eq(port, 443);
    ck_assert_int_eq(
        kv__url_parts("http://127.0.0.1/x", scheme, sizeof scheme, host, sizeof host, &port), 0);
    ck_assert_str_eq(scheme, "http");
    ck_assert_int_eq(port, 80);
    ck_assert_int_eq(kv__url_parts("not a url", scheme, sizeof scheme, host, sizeof host, &port),
                     -1);
}
END_TEST

START_TEST(test_buf_cap)
{
    struct kv__buf b;

    memset(&b, 0, sizeof b);
    b.max = 10;
    ck_assert(kv__buf_append(&b, "hello", 5));
    ck_assert_str_eq(b.data, "hello");
    ck_assert(kv__buf_append(&b, "world", 5));
    ck_assert_uint_eq(b.len, 10);
    ck_assert_mem_eq(b.data, "helloworld", 10);
    ck_assert_int_eq(b.data[10], '\0');
    ck_assert(!kv__buf_append(&b, "!", 1));
    ck_assert(b.overflow);
    kv__buf_wipe(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_null(b.data);
}
END_TEST

/* kv__join cuts as snprintf "%s%s..." cuts and returns the whole length; kv__concat joins. */
START_TEST(test_join_and_concat)
{
    const char *const parts[] = {"/keys/", "k", "/", "", "/", "sign", NULL};
    char buf[8], big[64];
    char *s;

    ck_assert_uint_eq(kv__join(big, sizeof big, parts), 13);
    ck_assert_str_eq(big, "/keys/k//sign");
    ck_assert_uint_eq(kv__join(buf, sizeof buf, parts), 13);
    ck_assert_str_eq(buf, "/keys/k");
    ck_assert_uint_eq(kv__join(buf, 1, parts), 13);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(kv__join(big, sizeof big, (const char *const[]){NULL}), 0);
    ck_assert_str_eq(big, "");
    s = kv__concat(parts);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "/keys/k//sign");
    free(s);
}
END_TEST

START_TEST(test_fail_and_clear)
{
    struct kv_error err;

    ck_assert_int_eq(kv__fail(&err, KV_E_TIMEOUT, "after %d ms", 42), KV_E_TIMEOUT);
    ck_assert_int_eq(err.status, KV_E_TIMEOUT);
    ck_assert_str_eq(err.message, "after 42 ms");
    ck_assert_int_eq(kv__fail(NULL, KV_E_IO, "no err"), KV_E_IO);
    kv__error_clear(&err);
    ck_assert_int_eq(err.status, KV_OK);
    ck_assert_str_eq(err.message, "");
    ck_assert_int_eq(err.attempts, 0);
    kv__error_clear(NULL);
}
END_TEST

START_TEST(test_uuid)
{
    char a[37], b[37];

    kv__uuid(a);
    kv__uuid(b);
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(a[14], '4');
    ck_assert_msg(strchr("89ab", a[19]) != NULL, "RFC 4122 variant: %s", a);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ck_assert_int_eq(a[i], '-');
        else
            ck_assert_msg(strchr("0123456789abcdef", a[i]) != NULL, "lower-case hex: %s", a);
    }
}
END_TEST

/* ---- status names ---------------------------------------------------------------------------- */

static const struct {
    int n;
    const char *name, *desc;
} statuses[] = {
#define KV_ROW(n, name, desc) {n, "KV_" #name, desc},
    KV_STATUS_MAP(KV_ROW)
#undef KV_ROW
};

START_TEST(test_status_names)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        ck_assert_str_eq(kv_status_name(statuses[i].n), statuses[i].name);
        ck_assert_str_eq(kv_strerror(statuses[i].n), statuses[i].desc);
    }
    /* The enum is dense from 0 and stable. */
    ck_assert_int_eq(statuses[0].n, 0);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        ck_assert_int_eq(statuses[i].n, (int)i);
    ck_assert_int_eq(KV_E_NOT_FOUND, 14);
    ck_assert_int_eq(KV_E_EXPIRED, 22);
}
END_TEST

START_TEST(test_status_unknown)
{
    static const int unknown[] = {-1, 23, 100, 9999, INT_MIN, INT_MAX};

    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        ck_assert_str_eq(kv_status_name(unknown[i]), "KV_E_UNKNOWN");
        ck_assert_ptr_nonnull(kv_strerror(unknown[i]));
        ck_assert_uint_gt(strlen(kv_strerror(unknown[i])), 0);
    }
}
END_TEST

/* ---- client assertion ------------------------------------------------------------------------ */

/* Decodes part (0 header, 1 claims) of a compact JWT as JSON. */
static cJSON *jwt_part(const char *jwt, int part)
{
    const char *b = jwt;
    for (int i = 0; i < part; i++)
        b = strchr(b, '.') + 1;
    size_t n = 0;
    unsigned char *raw = cx_b64url_decode(b, strcspn(b, "."), &n);
    ck_assert_ptr_nonnull(raw);
    cJSON *j = cJSON_ParseWithLength((const char *)raw, n);
    free(raw);
    ck_assert_ptr_nonnull(j);
    return j;
}

START_TEST(test_assertion_escapes)
{
    /* A client id and an audience holding JSON's special characters must come out as the same
     * strings, not as extra claims: the assertion is built with cJSON. */
    static const char *const id = "app\",\"admin\":true,\"x\":\"\\";
    static const char *const aud = "https://login.example/t/oauth2/v2.0/token?a=\"b\"";
    struct kv_credential *cred = NULL;
    struct kv_error err;
    char *jwt = NULL;
    ck_assert_int_eq(kv_credential_client_certificate("t", id, CERT_PEM, NULL, &cred), KV_OK);
    ck_assert_int_eq(kv__client_assertion(cred, aud, 1700000000, &jwt, &err), KV_OK);
    ck_assert_int_eq((int)strspn(jwt, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_."),
                     (int)strlen(jwt));
    cJSON *h = jwt_part(jwt, 0), *c = jwt_part(jwt, 1);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(h, "alg")->valuestring, "RS256");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(h, "x5t")->valuestring, cred->x5t);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "iss")->valuestring, id);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "sub")->valuestring, id);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "aud")->valuestring, aud);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(c, "admin"));
    ck_assert_int_eq(cJSON_GetArraySize(c), 7);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(c, "nbf")->valuedouble, 1700000000);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(c, "exp")->valuedouble, 1700000600);
    cJSON_Delete(h);
    cJSON_Delete(c);
    cx_free_wiped(jwt);
    kv_credential_destroy(cred);
}
END_TEST

static Suite *unit_data_suite(void)
{
    Suite *s = suite_create("kvclient-unit-data");
    TCase *tokens = tcase_create("tokens");
    TCase *secrets = tcase_create("secrets");
    TCase *errors = tcase_create("errors");
    TCase *util = tcase_create("util");

    tcase_add_test(tokens, test_token_state);
    tcase_add_test(tokens, test_token_state_extremes);
    suite_add_tcase(s, tokens);

    tcase_add_test(secrets, test_secret_bundle);
    tcase_add_test(secrets, test_secret_bundle_minimal);
    tcase_add_test(secrets, test_secret_item);
    tcase_add_test(secrets, test_secret_deleted);
    tcase_add_test(secrets, test_secret_without_id);
    tcase_add_loop_test(secrets, test_secret_bad_numbers, 0,
                        (int)(sizeof bad_numbers / sizeof bad_numbers[0]));
    tcase_add_test(secrets, test_secret_number_edges);
    suite_add_tcase(s, secrets);

    tcase_add_test(errors, test_error_disabled);
    tcase_add_test(errors, test_error_access_denied);
    tcase_add_test(errors, test_error_statuses);
    tcase_add_test(errors, test_error_entra);
    tcase_add_test(errors, test_error_non_json);
    tcase_add_test(errors, test_error_long_fields);
    tcase_add_test(errors, test_status_names);
    tcase_add_test(errors, test_status_unknown);
    suite_add_tcase(s, errors);

    tcase_add_test(util, test_url_parts);
    tcase_add_test(util, test_buf_cap);
    tcase_add_test(util, test_join_and_concat);
    tcase_add_test(util, test_fail_and_clear);
    tcase_add_test(util, test_uuid);
    tcase_add_test(util, test_assertion_escapes);
    suite_add_tcase(s, util);
    return s;
}

int main(void)
{
    return unit_run(unit_data_suite());
}
