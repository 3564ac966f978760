/* keymat.h: the key material of the keys family and the cryptography Key Vault performs with it
 * (spec/keyvault-keys.md §2, §3.7, §3.8, §6): generation, import from JWK parts or PEM, the public
 * JWK parts, encrypt/decrypt/wrap/unwrap, sign/verify. RSA and ECDSA over P-256, P-384 and P-521
 * run on nettle/hogweed; P-256K (secp256k1) on libsecp256k1. No JSON, no HTTP: bytes in, bytes
 * out, so the store, the state file and the handlers share one implementation.
 *
 * A struct mv_keymat is immutable once made and reference counted (a GET copies a version by
 * taking a reference, never the private key); the last unref wipes the private parts. */
#ifndef MV_KEYMAT_H
#define MV_KEYMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mv_kty {
    MV_KTY_RSA = 0,
    MV_KTY_EC,
};

enum mv_crv {
    MV_CRV_NONE = 0, /* RSA */
    MV_CRV_P256,
    MV_CRV_P384,
    MV_CRV_P521,
    MV_CRV_P256K,
};

/* The algorithms a standard vault offers (spec §3.7, §3.8). */
enum mv_key_alg {
    MV_ALG_RSA1_5 = 0,
    MV_ALG_RSA_OAEP,     /* SHA-1, MGF1-SHA-1, empty label */
    MV_ALG_RSA_OAEP_256, /* SHA-256, MGF1-SHA-256, empty label */
    MV_ALG_RS256,
    MV_ALG_RS384,
    MV_ALG_RS512,
    MV_ALG_PS256, /* PSS, MGF1 with the same hash, salt length = digest length */
    MV_ALG_PS384,
    MV_ALG_PS512,
    MV_ALG_ES256,  /* P-256 */
    MV_ALG_ES256K, /* P-256K */
    MV_ALG_ES384,  /* P-384 */
    MV_ALG_ES512,  /* P-521 */
    MV_ALG_COUNT,
};

enum mv_km_err {
    MV_KM_OK = 0,
    MV_KM_NOMEM,
    MV_KM_BAD_KEY,     /* import: parts missing, inconsistent, or not a key of that type */
    MV_KM_BAD_SIZE,    /* RSA size other than 2048/3072/4096 (generation and import) */
    MV_KM_BAD_ALG,     /* the algorithm does not fit the key (RS256 on EC, ES384 on P-256) */
    MV_KM_BAD_LENGTH,  /* digest length wrong for the algorithm, or plaintext too long */
    MV_KM_DECRYPT,     /* ciphertext that does not decrypt (bad padding, wrong length) */
    MV_KM_UNSUPPORTED, /* PEM of a key type this build cannot read (e.g. a secp256k1 PEM) */
};

/* Wire names: "RSA1_5", "RSA-OAEP", ..., "ES256K"; "P-256", "P-384", "P-521", "P-256K".
 * The parsers compare exactly (Key Vault's algorithm names are case-sensitive [SPEC]) and return
 * false for an unknown name. */
const char *mv_key_alg_name(enum mv_key_alg alg);
bool mv_key_alg_parse(const char *name, enum mv_key_alg *out);
const char *mv_crv_name(enum mv_crv crv);
bool mv_crv_parse(const char *name, enum mv_crv *out);
/* Digest length an algorithm signs (32, 48, 64; ES512: 64), 0 for encryption algorithms. */
size_t mv_key_alg_digest_len(enum mv_key_alg alg);
bool mv_key_alg_is_signature(enum mv_key_alg alg);

struct mv_keymat;

/* What to generate: RSA of bits (2048, 3072 or 4096; public exponent 65537), or EC on crv. */
struct mv_key_spec {
    enum mv_kty kty;
    unsigned bits;   /* RSA only */
    enum mv_crv crv; /* EC only */
};

/* Generates a key. seed NULL: from the system's key-grade random source. seed given: the key is a
 * pure function of the seed bytes (the mock's --seed makes fixture keys repeatable), drawn from a
 * deterministic generator keyed by them. *out gets one reference. */
enum mv_km_err mv_keymat_generate(const struct mv_key_spec *spec, const void *seed, size_t seed_len,
                                  struct mv_keymat **out);

/* A byte string (big-endian integers, raw coordinates). */
struct mv_bytes {
    const unsigned char *data;
    size_t len;
};

/* JWK parts as decoded bytes (spec §3.2). For RSA n, e, d, p, q are required and dp, dq, qi are
 * computed when absent; leading zero bytes are accepted and stripped (the service strips the
 * 0x00 some encoders prepend to n). For EC crv, x, y, d are required; x and y may be given without
 * leading zeros. Every part is checked: the key must be consistent (RSA: n = p*q and d inverts e;
 * EC: d*G = (x, y) on the curve). */
struct mv_jwk_parts {
    enum mv_kty kty;
    struct mv_bytes n, e, d, p, q, dp, dq, qi; /* RSA */
    enum mv_crv crv;
    struct mv_bytes x, y; /* EC; d above is the EC private scalar */
    /* Material the mock wrote itself (its state directory, a backup blob it sealed): the RSA
     * primality tests, a few ms per key, are skipped so a restart with many keys stays fast;
     * every other check still runs. Never set for material from a client or a fixture. */
    bool own;
};
enum mv_km_err mv_keymat_import(const struct mv_jwk_parts *parts, struct mv_keymat **out);
/* A PEM private key: PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY"
 * (P-256, P-384, P-521, RSA). */
enum mv_km_err mv_keymat_import_pem(const char *pem, size_t len, struct mv_keymat **out);

struct mv_keymat *mv_keymat_ref(struct mv_keymat *km);
void mv_keymat_unref(struct mv_keymat *km); /* accepts NULL; the last reference wipes and frees */

enum mv_kty mv_keymat_kty(const struct mv_keymat *km);
enum mv_crv mv_keymat_crv(const struct mv_keymat *km); /* MV_CRV_NONE for RSA */
unsigned mv_keymat_bits(const struct mv_keymat *km);   /* RSA modulus bits; EC: field bits */
void mv_keymat_spec(const struct mv_keymat *km, struct mv_key_spec *out);

/* The JWK parts as bytes, in newly allocated buffers the caller frees with mv_jwk_out_finish.
 * Public: n (unsigned, no leading zero), e; or x, y at the curve's fixed width (32, 48, 66).
 * mv_keymat_export adds the private parts (d, p, q, dp, dq, qi; EC d at fixed width) for the state
 * file and backups only: they never go on the wire. */
struct mv_jwk_out {
    enum mv_kty kty;
    enum mv_crv crv;
    unsigned char *n, *e, *x, *y, *d, *p, *q, *dp, *dq, *qi;
    size_t n_len, e_len, x_len, y_len, d_len, p_len, q_len, dp_len, dq_len, qi_len;
};
enum mv_km_err mv_keymat_public(const struct mv_keymat *km, struct mv_jwk_out *out);
enum mv_km_err mv_keymat_export(const struct mv_keymat *km, struct mv_jwk_out *out);
void mv_jwk_out_finish(struct mv_jwk_out *j); /* wipes and frees the buffers; accepts NULL */

/* The operations. Each fills *out (malloc'd, caller frees; wipe plaintext with cx_wipe_free) and
 * *out_len. Encrypt and wrap are the same operation on a vault (RSA only), as are decrypt and
 * unwrap. sign takes the digest the caller computed and checks its length for the algorithm;
 * ECDSA signatures are raw r||s at the curve's fixed width, RSA ones as long as the modulus. */
enum mv_km_err mv_keymat_encrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                                 const unsigned char *in, size_t in_len, unsigned char **out,
                                 size_t *out_len);
enum mv_km_err mv_keymat_decrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                                 const unsigned char *in, size_t in_len, unsigned char **out,
                                 size_t *out_len);
enum mv_km_err mv_keymat_sign(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *digest, size_t digest_len, unsigned char **out,
                              size_t *out_len);
/* *valid is false for a signature that does not verify (an answer, not an error). */
enum mv_km_err mv_keymat_verify(const struct mv_keymat *km, enum mv_key_alg alg,
                                const unsigned char *digest, size_t digest_len,
                                const unsigned char *sig, size_t sig_len, bool *valid);

/* The private key as DER PKCS#8 (Secure Key Release wraps it for the caller's runtime key; the
 * certificates' PEM and PFX hold it). EC: ECPrivateKey.privateKey at the curve's fixed width
 * (RFC 5915), as strict readers (python-cryptography, .NET) require. The caller wipes and frees
 * *out. */
enum mv_km_err mv_keymat_pkcs8(const struct mv_keymat *km, unsigned char **out, size_t *out_len);

/* ---- Secure Key Release (spec §3.10; keymat-wrap.c) ---- */

/* An RSA public key from its JWK parts n and e (big-endian, leading zeros allowed): the runtime
 * key of an attestation token. Only encryption works with it; decrypt, sign, export and pkcs8
 * refuse it (MV_KM_BAD_KEY). RSA of 2048 to 4096 bits, as the service's wrapping keys are;
 * MV_KM_BAD_SIZE otherwise, MV_KM_BAD_KEY for an even modulus or exponent. */
enum mv_km_err mv_keymat_import_rsa_public(struct mv_bytes n, struct mv_bytes e,
                                           struct mv_keymat **out);

/* RSA-OAEP with the empty label and MGF1 of the same hash, beside the vault's RSA-OAEP and
 * RSA-OAEP-256: CKM_RSA_AES_KEY_WRAP uses SHA-1, RSA_AES_KEY_WRAP_256 and _384 SHA-256 and
 * SHA-384 [UNCERTAIN for the last two]. Output as for mv_keymat_encrypt / mv_keymat_decrypt. */
enum mv_oaep_hash { MV_OAEP_SHA1 = 0, MV_OAEP_SHA256, MV_OAEP_SHA384 };
enum mv_km_err mv_keymat_oaep_encrypt(const struct mv_keymat *km, enum mv_oaep_hash hash,
                                      const unsigned char *in, size_t in_len, unsigned char **out,
                                      size_t *out_len);
enum mv_km_err mv_keymat_oaep_decrypt(const struct mv_keymat *km, enum mv_oaep_hash hash,
                                      const unsigned char *in, size_t in_len, unsigned char **out,
                                      size_t *out_len);

/* AES Key Wrap with Padding (RFC 5649) under kek (16, 24 or 32 bytes). wrap: in_len 1..2^32-1
 * bytes; *out (caller frees) is the padded length + 8 bytes. unwrap: *out (caller wipes and frees)
 * is the original key; MV_KM_DECRYPT when the integrity check fails. MV_KM_BAD_LENGTH for a bad
 * kek or input length. */
enum mv_km_err mv_aes_kwp_wrap(const unsigned char *kek, size_t kek_len, const unsigned char *in,
                               size_t in_len, unsigned char **out, size_t *out_len);
enum mv_km_err mv_aes_kwp_unwrap(const unsigned char *kek, size_t kek_len, const unsigned char *in,
                                 size_t in_len, unsigned char **out, size_t *out_len);

#endif
