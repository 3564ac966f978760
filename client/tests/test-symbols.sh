#!/bin/sh
# test-symbols.sh LIB HEADER_DIR [GENERATED_DIR]: the shared library exports nothing but the public
# kv_ API, and kvclient.h compiles alone as strict C11 (and as C++11 when a C++ compiler is there).
# GENERATED_DIR holds the headers the build generates beside it (kvclient-version.h).
# Environment: CC (default cc), CXX (default g++).
set -u
lib=$1
incdir=$2
geninc=${3:-$2}
cc=${CC:-cc}
cxx=${CXX:-g++}
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# 1. Exported symbols. Linker-made names (_init, _fini, _edata, _end, __bss_start) are not ours.
if ! nm -D --defined-only "$lib" >"$tmp/syms"; then
    echo "FAIL: nm -D could not read $lib"
    exit 1
fi
awk '{ print $NF }' "$tmp/syms" | sed 's/@.*//' |
    grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | sort -u >"$tmp/names"
grep -v '^kv_' "$tmp/names" >"$tmp/leaks"
if [ -s "$tmp/leaks" ]; then
    echo "FAIL: $lib exports symbols outside the kv_ namespace:"
    sed 's/^/  /' "$tmp/leaks"
    fail=1
else
    echo "ok: $(wc -l <"$tmp/names") exported symbols, all kv_*"
fi
# Every function the header declares is exported (a KV_EXPORT forgotten breaks users).
grep -o -E '^KV_EXPORT [^;(]*\(' "$incdir/kvclient.h" | sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' |
    sort -u >"$tmp/declared"
missing=$(comm -23 "$tmp/declared" "$tmp/names")
if [ -n "$missing" ]; then
    echo "FAIL: declared in kvclient.h but not exported: $missing"
    fail=1
else
    echo "ok: all $(wc -l <"$tmp/declared") declared functions are exported"
fi
# The exported API spelled out: a symbol that appears or goes away is an ABI change and has to
# be made here on purpose.
cat >"$tmp/expected" <<'SYMS'
kv_client_create
kv_client_destroy
kv_client_get_token
kv_client_stats
kv_credential_client_secret
kv_credential_destroy
kv_credential_from_env
kv_credential_kind
kv_credential_managed_identity
kv_credential_static_token
kv_free
kv_free_secret
kv_global_cleanup
kv_global_init
kv_credential_client_certificate
kv_certificate_policy_free
kv_certificate_policy_spec_init
kv_certificate_policy_json
kv_certificate_free
kv_certificate_id_parse
kv_certificate_operation_free
kv_certificate_props_init
kv_certificate_create
kv_poll_options_init
kv_certificate_wait
kv_certificate_create_wait
kv_certificate_get_operation
kv_certificate_cancel_operation
kv_certificate_delete_operation
kv_certificate_merge
kv_certificate_import
kv_certificate_get
kv_certificate_update
kv_certificate_delete
kv_certificate_get_deleted
kv_certificate_recover
kv_certificate_purge
kv_certificate_backup
kv_certificate_restore
kv_certificate_policy_get
kv_certificate_policy_update
kv_certificate_download
kv_certificate_get_secret
kv_certificate_pager_create
kv_certificate_pager_next
kv_certificate_contacts_free
kv_certificate_contacts_get
kv_certificate_contacts_set
kv_certificate_contacts_delete
kv_certificate_issuer_free
kv_certificate_issuer_props_init
kv_certificate_issuer_set
kv_certificate_issuer_update
kv_certificate_issuer_get
kv_certificate_issuer_delete
kv_certificate_issuer_pager_create
kv_certificate_issuer_pager_next
kv_crypto_result_free
kv_jwk_free
kv_jwk_from_pem
kv_key_backup
kv_key_create
kv_key_decrypt
kv_key_delete
kv_key_encrypt
kv_key_free
kv_key_get
kv_key_get_deleted
kv_key_id_parse
kv_key_import
kv_key_pager_create
kv_key_pager_next
kv_key_props_init
kv_key_purge
kv_key_recover
kv_key_restore
kv_key_rotate
kv_key_rotation_policy_get
kv_key_rotation_policy_set
kv_key_sign
kv_key_unwrap
kv_key_update
kv_key_verify
kv_key_wrap
kv_rotation_policy_free
kv_options_init
kv_pager_create
kv_pager_destroy
kv_pager_next
kv_pager_pages
kv_props_init
kv_secret_backup
kv_secret_delete
kv_secret_free
kv_secret_get
kv_secret_get_deleted
kv_secret_id_parse
kv_secret_purge
kv_secret_recover
kv_secret_restore
kv_secret_set
kv_secret_update
kv_status_name
kv_strerror
SYMS
LC_ALL=C sort -o "$tmp/expected" "$tmp/expected"
LC_ALL=C sort -o "$tmp/names_c" "$tmp/names"
if ! cmp -s "$tmp/expected" "$tmp/names_c"; then
    echo "FAIL: the exports differ from the expected list (< expected only, > exported only):"
    diff "$tmp/expected" "$tmp/names_c" | grep '^[<>]' | sed 's/^/  /'
    fail=1
else
    echo "ok: the exports are exactly the $(wc -l <"$tmp/expected") expected kv_ functions"
fi
if grep -q '^kv__' "$tmp/names"; then
    echo "FAIL: internal kv__ names are exported"
    fail=1
fi

# 2. The public header on its own.
cat >"$tmp/only.c" <<'SRC'
#include "kvclient.h"
int main(void)
{
    struct kv_options o;
    struct kv_error e;
    enum kv_status st = KV_E_EXPIRED;
    (void)o;
    (void)e;
    return st == 22 ? 0 : 1;
}
SRC
if $cc -std=c11 -pedantic -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
    -I"$incdir" -I"$geninc" -c "$tmp/only.c" -o "$tmp/only.o"; then
    echo "ok: kvclient.h compiles alone with -std=c11 -pedantic -Werror"
else
    echo "FAIL: kvclient.h does not compile alone as C11"
    fail=1
fi
if $cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$incdir" -I"$geninc" -c "$tmp/only.c" \
    -o "$tmp/only99.o"; then
    echo "ok: kvclient.h compiles as C99"
else
    echo "FAIL: kvclient.h does not compile as C99"
    fail=1
fi
if command -v "$cxx" >/dev/null 2>&1; then
    cp "$tmp/only.c" "$tmp/only.cc"
    if $cxx -std=c++11 -pedantic -Wall -Wextra -Werror -I"$incdir" -I"$geninc" -c "$tmp/only.cc" \
        -o "$tmp/onlycc.o"; then
        echo "ok: kvclient.h compiles as C++11"
    else
        echo "FAIL: kvclient.h does not compile as C++11"
        fail=1
    fi
else
    echo "skip: no C++ compiler ($cxx)"
fi
exit $fail
