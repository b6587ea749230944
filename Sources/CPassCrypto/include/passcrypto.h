#ifndef PASSCRYPTO_H
#define PASSCRYPTO_H

#include <stddef.h>
#include <stdint.h>

/// A heap buffer owned by the caller after return; free with pc_buffer_free (not free()).
typedef struct { uint8_t *data; size_t len; } pc_buffer;
/// Frees data, sets data=NULL, len=0. NULL-safe.
void pc_buffer_free(pc_buffer *buffer);

/// Signing credentials: private key + signer certificate + extra chain certificates (the intermediate).
/// Immutable while signing: pc_sign_detached may run concurrently on one instance, but add_chain_cert,
/// clear_chain and free must not overlap with any other call on it.
typedef struct pc_credentials pc_credentials;

/* Functions taking `char *err, size_t errlen` write a one-line NUL-terminated reason on failure
   (err may be NULL) and always leave the calling thread's OpenSSL error queue empty. */

/// cert: PEM or DER X.509 (a PEM bundle is accepted: the certificate matching the key becomes the signer,
/// the others chain certs). key: PEM (PKCS#8 or traditional, encrypted or not) or DER (PKCS#8 or traditional).
/// password may be NULL; an encrypted key then fails with "private key: encrypted, a password is required".
/// A key that does not match the certificate is accepted; check pc_credentials_key_matches.
pc_credentials *pc_credentials_from_pem(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                                        const char *password, char *err, size_t errlen);
/// PKCS#12, including legacy RC2-40/3DES ones (loads OpenSSL's "legacy" provider process-wide when needed).
/// Certificates other than the signer become chain certs. Wrong password => "p12: wrong password".
pc_credentials *pc_credentials_from_p12(const uint8_t *p12, size_t len, const char *password, char *err, size_t errlen);
/// Appends chain certificate(s) (DER, or PEM with one or more certs); exact duplicates of the signer or an
/// existing chain cert are skipped. Returns 1 on success, 0 on failure.
int pc_credentials_add_chain_cert(pc_credentials *creds, const uint8_t *cert, size_t len, char *err, size_t errlen);
void pc_credentials_free(pc_credentials *creds);
/// 1 when the private key belongs to the signer certificate, else 0.
int pc_credentials_key_matches(const pc_credentials *creds);
/// DER of the signer certificate. Returns 1/0.
int pc_credentials_cert_der(const pc_credentials *creds, pc_buffer *out);
/* The private key as unencrypted PKCS#8 PEM (for the APNs TLS client). 1 on success; free with pc_buffer_free. */
int pc_credentials_key_pem(const pc_credentials *creds, pc_buffer *out);
size_t pc_credentials_chain_count(const pc_credentials *creds);
/// DER of chain cert `index`. Returns 1/0.
int pc_credentials_chain_der(const pc_credentials *creds, size_t index, pc_buffer *out);
/// Removes all chain certs.
void pc_credentials_clear_chain(pc_credentials *creds);

/// Detached CMS SignedData (DER ContentInfo) over `data`: SHA-256, RSA PKCS#1 v1.5 or ECDSA per key type,
/// signed attributes exactly contentType, signingTime (= signing_time, unix seconds), messageDigest;
/// embeds the signer and every chain cert. Byte-identical for identical inputs with RSA keys (ECDSA is randomized).
/// Thread-safe on shared credentials. Returns 1/0.
int pc_sign_detached(const pc_credentials *creds, const uint8_t *data, size_t len, int64_t signing_time,
                     pc_buffer *out, char *err, size_t errlen);

/// Result of inspecting/verifying a detached CMS signature.
typedef struct {
    int parsed;                 /* 1 if the bytes are a DER CMS ContentInfo of type signedData */
    int detached;               /* 1 if eContent is absent */
    int signer_count;
    int signature_valid;        /* 1 if, for every signer, messageDigest matches content AND the signature verifies */
    int has_content_type, has_message_digest, has_signing_time;   /* of the first signer */
    int64_t signing_time;       /* unix seconds when has_signing_time */
    char digest_algorithm[32];  /* first signer's digest short name, e.g. "SHA256", "SHA1" */
    pc_buffer signer_cert;      /* DER of the embedded certificate identified by the first SignerInfo, if any */
    pc_buffer *certs;           /* DER of every embedded certificate, in encoded order */
    size_t cert_count;
    char error[256];            /* why parsed==0 or signature_valid==0 */
} pc_verify_result;

/// Parses `sig` and checks it cryptographically against `content` using the embedded signer certificate.
/// No chain, validity or trust checks. For an attached signature, detached=0 and `content` (if non-NULL) is
/// still what gets verified; with content NULL the embedded content is used.
/// Always fills *out (zeroed first); free with pc_verify_result_free.
void pc_cms_verify_detached(const uint8_t *sig, size_t sig_len, const uint8_t *content, size_t content_len,
                            pc_verify_result *out);
void pc_verify_result_free(pc_verify_result *result);

/// zlib crc32 (start with crc = 0), for zip entries.
uint32_t pc_crc32(uint32_t crc, const uint8_t *data, size_t len);

#endif
