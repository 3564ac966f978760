/* tls-names.c: the names the mock's certificates are issued for and its CA permits: the served
 * Azure and loopback names, the user's --san names, the CA's name constraints, and the check that
 * a stored server certificate names exactly what is wanted. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-int.h"
#include "util.h"

/* The host names the mock answers for, each written once. Every one is a permitted DNS subtree
 * of the CA (RFC 5280 §4.2.1.10: a subtree covers the name itself and every name below it, so
 * "localhost" permits demo.localhost and "vault.azure.net" every vault). Every server certificate
 * is issued for each of them as is, or as a "*." wildcard where the mock serves the names below
 * it (the vaults) rather than the name itself. */
static const struct served_host {
    const char *name;
    bool wildcard;
} served_hosts[] = {
    {"localhost", false},
    {"vault.azure.net", true},
    {"login.microsoftonline.com", false},
    {"login.windows.net", false},
    {"login.microsoft.com", false},
    {"management.azure.com", false},
    {"management.core.windows.net", false},
    {"graph.microsoft.com", false},
    {"sts.windows.net", false},
};
#define NSERVED_HOSTS (sizeof served_hosts / sizeof served_hosts[0])

/* The addresses every server certificate is issued for, after the host names and before the
 * names the user adds. */
static const char *const leaf_base_addresses[] = {"127.0.0.1", "::1"};

/* The name as GnuTLS compares it: DNS names as text, IP addresses as raw bytes. The datum
 * borrows from n. */
gnutls_datum_t tls_name_datum(const struct cert_name *n)
{
    gnutls_datum_t d;
    if (n->type == GNUTLS_SAN_IPADDRESS) {
        d.data = (unsigned char *)n->ip;
        d.size = n->iplen;
    } else {
        d.data = (unsigned char *)n->dns;
        d.size = (unsigned)strlen(n->dns);
    }
    return d;
}

/* True when s is a host name we are willing to put in a certificate: labels of 1 to 63 letters,
 * digits and inner hyphens (RFC 1123), optionally after a "*." wildcard label. */
static bool valid_dns_name(const char *s)
{
    size_t n = strlen(s), label = 0;

    if (n == 0 || n > 253)
        return false;
    if (s[0] == '*') {
        if (s[1] != '.')
            return false;
        s += 2;
        n -= 2;
    }
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Classifies text as an IP literal or a DNS name. Returns 0, or -1 with a message in err. */
static int parse_name(const char *text, struct cert_name *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!text) {
        mv_set_err(err, errlen, "tls: empty certificate name");
        return -1;
    }
    if (inet_pton(AF_INET, text, out->ip) == 1) {
        out->type = GNUTLS_SAN_IPADDRESS;
        out->iplen = 4;
    } else if (inet_pton(AF_INET6, text, out->ip) == 1) {
        out->type = GNUTLS_SAN_IPADDRESS;
        out->iplen = 16;
    } else if (valid_dns_name(text)) {
        out->type = GNUTLS_SAN_DNSNAME;
        snprintf(out->dns, sizeof out->dns, "%s", text);
        /* Name constraints compare bytes, so every DNS name is kept in lower case. */
        cx_str_lower(out->dns);
    } else {
        mv_set_err(err, errlen, "tls: '%s' is neither a host name nor an IP address", text);
        return -1;
    }
    return 0;
}

static bool same_name(const struct cert_name *a, const struct cert_name *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == GNUTLS_SAN_IPADDRESS)
        return a->iplen == b->iplen && memcmp(a->ip, b->ip, a->iplen) == 0;
    return strcmp(a->dns, b->dns) == 0;
}

/* Builds the server certificate's name list: the base names, then names[] without duplicates.
 * Returns 0 with *out (caller frees) and *count, or -1 with a message in err. */
int tls_collect_names(const char *const *names, size_t nnames, struct cert_name **out,
                      size_t *count, char *err, size_t errlen)
{
    const size_t nbase = NSERVED_HOSTS + sizeof leaf_base_addresses / sizeof leaf_base_addresses[0];
    struct cert_name *list = NULL;
    size_t n = 0;
    int rc = -1;

    if (nnames > 1000) {
        mv_set_err(err, errlen, "tls: too many certificate names");
        goto out;
    }
    list = calloc(nbase + nnames, sizeof *list);
    if (!list) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nbase + nnames; i++) {
        char host[256];
        const char *text;
        if (i < NSERVED_HOSTS) {
            snprintf(host, sizeof host, "%s%s", served_hosts[i].wildcard ? "*." : "",
                     served_hosts[i].name);
            text = host;
        } else if (i < nbase) {
            text = leaf_base_addresses[i - NSERVED_HOSTS];
        } else {
            text = names[i - nbase];
        }
        if (parse_name(text, &list[n], err, errlen) < 0)
            goto out;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = same_name(&list[j], &list[n]);
        if (!dup)
            n++;
    }
    *out = list;
    *count = n;
    list = NULL;
    rc = 0;
out:
    free(list);
    return rc;
}

/* Creates dir and any missing parents with mode 0700. Returns 0, or -1 with errno set. */
/* Adds an IP subtree: the address followed by its netmask, as RFC 5280 encodes it. */
static int add_ip_subtree(gnutls_x509_name_constraints_t nc, const unsigned char *addr,
                          unsigned len, unsigned prefix)
{
    unsigned char buf[32];
    gnutls_datum_t d = {buf, 2 * len};

    memset(buf, 0, sizeof buf);
    for (unsigned i = 0; i < len; i++) {
        unsigned bits = prefix > 8 * i ? prefix - 8 * i : 0;
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        buf[len + i] = mask;
        buf[i] = addr[i] & mask;
    }
    return gnutls_x509_name_constraints_add_permitted(nc, GNUTLS_SAN_IPADDRESS, &d);
}

/* Fills nc with the CA's permitted subtrees: the fixed ones, then whatever of names[] they do not
 * already cover (one host or address each; a wildcard's subtree is the name below the "*."). */
int tls_fill_constraints(gnutls_x509_name_constraints_t nc, const struct cert_name *names, size_t n)
{
    static const unsigned char v4_loopback[4] = {127, 0, 0, 0};
    static const unsigned char v6_loopback[16] = {[15] = 1};
    int ret;

    for (size_t i = 0; i < NSERVED_HOSTS; i++) {
        gnutls_datum_t d = {(unsigned char *)served_hosts[i].name,
                            (unsigned)strlen(served_hosts[i].name)};
        if ((ret = gnutls_x509_name_constraints_add_permitted(nc, GNUTLS_SAN_DNSNAME, &d)) < 0)
            return ret;
    }
    if ((ret = add_ip_subtree(nc, v4_loopback, 4, 8)) < 0 ||
        (ret = add_ip_subtree(nc, v6_loopback, 16, 128)) < 0)
        return ret;

    /* Both types now have entries, so a check below answers "covered by what is there". */
    for (size_t i = 0; i < n; i++) {
        gnutls_datum_t d = tls_name_datum(&names[i]);
        if (gnutls_x509_name_constraints_check(nc, names[i].type, &d))
            continue;
        if (names[i].type == GNUTLS_SAN_IPADDRESS) {
            ret = add_ip_subtree(nc, names[i].ip, names[i].iplen, 8 * names[i].iplen);
        } else {
            const char *sub = names[i].dns[0] == '*' ? names[i].dns + 2 : names[i].dns;
            gnutls_datum_t s = {(unsigned char *)sub, (unsigned)strlen(sub)};
            ret = gnutls_x509_name_constraints_add_permitted(nc, GNUTLS_SAN_DNSNAME, &s);
        }
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* True when crt names exactly names[0..n): every subject alternative name is one of them and
 * each of them is there. */
bool tls_names_exactly(gnutls_x509_crt_t crt, const struct cert_name *names, size_t n)
{
    size_t seen = 0;

    for (unsigned seq = 0;; seq++) {
        unsigned char data[256];
        size_t size = sizeof data;
        unsigned type = 0, critical = 0;
        struct cert_name got;
        bool known = false;
        int ret = gnutls_x509_crt_get_subject_alt_name2(crt, seq, data, &size, &type, &critical);

        if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (ret < 0)
            return false;
        memset(&got, 0, sizeof got);
        got.type = (gnutls_x509_subject_alt_name_t)type;
        if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
            memcpy(got.ip, data, size);
            got.iplen = (unsigned)size;
        } else if (type == GNUTLS_SAN_DNSNAME && size < sizeof got.dns) {
            memcpy(got.dns, data, size);
        } else {
            return false;
        }
        for (size_t i = 0; i < n && !known; i++)
            known = same_name(&got, &names[i]);
        if (!known)
            return false;
        seen++;
    }
    return seen == n;
}
