#include "passcrypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <zlib.h>

enum { KEY_OTHER, KEY_RSA, KEY_EC };

struct pc_credentials {
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) *chain;
    /* Precomputed at setup so signing only reads them (see pc_sign_detached). */
    int key_kind;
    int key_ok;               /* X509_check_private_key(cert, key) */
    EVP_MD *sha256;           /* explicitly fetched: avoids an implicit fetch per digest */
    unsigned char *sid;       /* DER IssuerAndSerialNumber of the signer */
    size_t sid_len;
    unsigned char *certs;     /* DER content of SignedData.certificates, DER SET OF order */
    size_t certs_len;
};

/* ---------- errors ---------- */

typedef struct {
    char reason[192];
    int unsupported; /* some queued error says an algorithm is unsupported/unknown */
} errinfo;

/* Drains the thread's error queue, keeping the deepest (oldest) reason: it names the actual cause,
   later entries are usually generic wrappers ("decode error", "parse error"). */
static void drain_errors(errinfo *ei)
{
    unsigned long e;
    const char *data = NULL;
    int flags = 0;

    ei->reason[0] = '\0';
    ei->unsupported = 0;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *r = ERR_SYSTEM_ERROR(e) ? NULL : ERR_reason_error_string(e);
        int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);

        if (!ERR_SYSTEM_ERROR(e)
            && (reason == ERR_R_UNSUPPORTED
                || (lib == ERR_LIB_EVP && (reason == EVP_R_UNSUPPORTED_ALGORITHM
                                           || reason == EVP_R_UNSUPPORTED_CIPHER
                                           || reason == EVP_R_UNKNOWN_CIPHER))
                || (lib == ERR_LIB_PKCS12 && reason == PKCS12_R_UNKNOWN_DIGEST_ALGORITHM)))
            ei->unsupported = 1;
        if (ei->reason[0] != '\0' || r == NULL)
            continue;
        if ((flags & ERR_TXT_STRING) && data != NULL && data[0] != '\0')
            snprintf(ei->reason, sizeof(ei->reason), "%s: %s", r, data);
        else
            snprintf(ei->reason, sizeof(ei->reason), "%s", r);
    }
    for (size_t n = strlen(ei->reason); n > 0 && (ei->reason[n - 1] == ' ' || ei->reason[n - 1] == '.'); n--)
        ei->reason[n - 1] = '\0';
}

/* Writes "msg (deepest openssl reason)" and clears the queue. */
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    errinfo ei;
    char msg[256];
    va_list ap;

    drain_errors(&ei);
    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ei.reason[0] != '\0')
        snprintf(err, errlen, "%s (%s)", msg, ei.reason);
    else
        snprintf(err, errlen, "%s", msg);
}

/* Like fail() but with an errinfo already drained. */
static void fail_with(char *err, size_t errlen, const errinfo *ei, const char *msg)
{
    ERR_clear_error();
    if (err == NULL || errlen == 0)
        return;
    if (ei != NULL && ei->reason[0] != '\0')
        snprintf(err, errlen, "%s (%s)", msg, ei->reason);
    else
        snprintf(err, errlen, "%s", msg);
}

/* ---------- buffers ---------- */

void pc_buffer_free(pc_buffer *buffer)
{
    if (buffer == NULL)
        return;
    OPENSSL_free(buffer->data);
    buffer->data = NULL;
    buffer->len = 0;
}

static int x509_to_buffer(const X509 *x, pc_buffer *out)
{
    unsigned char *der = NULL;
    int n;

    out->data = NULL;
    out->len = 0;
    if (x == NULL || (n = i2d_X509(x, &der)) <= 0)
        return 0;
    out->data = der;
    out->len = (size_t)n;
    return 1;
}

/* ---------- DER writing ---------- */

static size_t der_hdr_len(size_t n)
{
    return n < 0x80 ? 2 : n <= 0xff ? 3 : n <= 0xffff ? 4 : n <= 0xffffff ? 5 : 6;
}

static unsigned char *der_put_hdr(unsigned char *p, unsigned char tag, size_t n)
{
    size_t bytes = der_hdr_len(n) - 2;

    *p++ = tag;
    if (bytes == 0) {
        *p++ = (unsigned char)n;
        return p;
    }
    *p++ = (unsigned char)(0x80 | bytes);
    while (bytes-- > 0)
        *p++ = (unsigned char)(n >> (8 * bytes));
    return p;
}

static unsigned char *der_put(unsigned char *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

/* ---------- parsing helpers ---------- */

static int looks_pem(const uint8_t *d, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    const size_t tl = sizeof(tag) - 1;

    for (size_t i = 0; i + tl <= len; i++)
        if (d[i] == '-' && memcmp(d + i, tag, tl) == 0)
            return 1;
    return 0;
}

/* All certificates in a PEM bundle, or the single DER certificate. */
static STACK_OF(X509) *parse_certs(const uint8_t *d, size_t len, const char *what, char *err, size_t errlen)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *x = NULL;

    if (certs == NULL) {
        fail(err, errlen, "%s: out of memory", what);
        return NULL;
    }
    if (d == NULL || len == 0 || len > INT_MAX)
        goto bad;
    if (looks_pem(d, len)) {
        BIO *bio = BIO_new_mem_buf(d, (int)len);

        if (bio == NULL)
            goto bad;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            if (!sk_X509_push(certs, x)) {
                X509_free(x);
                BIO_free(bio);
                goto bad;
            }
        }
        BIO_free(bio);
        /* Running out of PEM blocks ends the loop with "no start line"; anything else is corruption. */
        unsigned long e = ERR_peek_last_error();
        if (sk_X509_num(certs) == 0
            || !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
            goto bad;
        ERR_clear_error();
    } else {
        const unsigned char *p = d;

        x = d2i_X509(NULL, &p, (long)len);
        if (x == NULL || !sk_X509_push(certs, x)) {
            X509_free(x);
            goto bad;
        }
    }
    ERR_clear_error();
    return certs;

bad:
    sk_X509_pop_free(certs, X509_free);
    fail(err, errlen, "%s: not a PEM or DER X.509 certificate", what);
    return NULL;
}

static int same_der(const X509 *a, const X509 *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la = i2d_X509(a, &da), lb = i2d_X509(b, &db);
    int same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;

    OPENSSL_free(da);
    OPENSSL_free(db);
    return same;
}

/* Takes ownership of x. Returns 1 if added or skipped as duplicate, 0 on allocation failure. */
static int chain_add_unique(pc_credentials *c, X509 *x)
{
    if (c->cert != NULL && same_der(c->cert, x))
        goto dup;
    for (int i = 0; i < sk_X509_num(c->chain); i++)
        if (same_der(sk_X509_value(c->chain, i), x))
            goto dup;
    if (!sk_X509_push(c->chain, x)) {
        X509_free(x);
        return 0;
    }
    return 1;
dup:
    X509_free(x);
    return 1;
}

typedef struct {
    const char *password;
    int asked;
} pw_ctx;

/* Never prompts: without a password, decryption is refused. */
static int pw_cb(char *buf, int size, int rwflag, void *u)
{
    pw_ctx *c = u;
    size_t n;

    (void)rwflag;
    c->asked = 1;
    if (c->password == NULL)
        return -1;
    n = strlen(c->password);
    if (size < 0 || n > (size_t)size)
        return -1;
    memcpy(buf, c->password, n);
    return (int)n;
}

static EVP_PKEY *parse_key(const uint8_t *d, size_t len, const char *password, char *err, size_t errlen)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx;
    pw_ctx pw = { password, 0 };
    const unsigned char *p = d;
    size_t left = len;

    if (d == NULL || len == 0) {
        fail(err, errlen, "private key: empty input");
        return NULL;
    }
    /* NULL input type/structure: the decoder chain tries PEM, DER, PKCS#8 (plain and encrypted) and
       traditional formats. Selection KEYPAIR restricts it to private keys. */
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    if (dctx == NULL || OSSL_DECODER_CTX_get_num_decoders(dctx) == 0
        || !OSSL_DECODER_CTX_set_pem_password_cb(dctx, pw_cb, &pw)) {
        OSSL_DECODER_CTX_free(dctx);
        fail(err, errlen, "private key: cannot set up decoder");
        return NULL;
    }
    if (!OSSL_DECODER_from_data(dctx, &p, &left) || pkey == NULL) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
        if (pw.asked && password == NULL) {
            ERR_clear_error(); /* the queued "interrupted or cancelled" is just our refusal */
            fail(err, errlen, "private key: encrypted, a password is required");
        } else if (pw.asked)
            fail(err, errlen, "private key: wrong password or corrupt key");
        else
            fail(err, errlen, "private key: not a PEM or DER private key");
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

static pc_credentials *creds_new(void)
{
    pc_credentials *c = OPENSSL_zalloc(sizeof(*c));

    if (c != NULL && (c->chain = sk_X509_new_null()) == NULL) {
        OPENSSL_free(c);
        c = NULL;
    }
    return c;
}

typedef struct {
    unsigned char *der;
    int len;
} der_item;

/* DER SET OF order (X.690 11.6), compared the way OpenSSL's encoder sorts. */
static int der_item_cmp(const void *a, const void *b)
{
    const der_item *x = a, *y = b;
    int r = memcmp(x->der, y->der, (size_t)(x->len < y->len ? x->len : y->len));

    return r != 0 ? r : x->len - y->len;
}

static int creds_rebuild_certs(pc_credentials *c)
{
    int n = 1 + sk_X509_num(c->chain), ok = 0;
    der_item *items = OPENSSL_zalloc(sizeof(*items) * (size_t)n);
    size_t total = 0;
    unsigned char *blob = NULL, *p;

    if (items == NULL)
        return 0;
    for (int i = 0; i < n; i++) {
        items[i].len = i2d_X509(i == 0 ? c->cert : sk_X509_value(c->chain, i - 1), &items[i].der);
        if (items[i].len <= 0)
            goto done;
        total += (size_t)items[i].len;
    }
    qsort(items, (size_t)n, sizeof(*items), der_item_cmp);
    if ((blob = p = OPENSSL_malloc(total)) == NULL)
        goto done;
    for (int i = 0; i < n; i++) {
        memcpy(p, items[i].der, (size_t)items[i].len);
        p += items[i].len;
    }
    OPENSSL_free(c->certs);
    c->certs = blob;
    c->certs_len = total;
    ok = 1;
done:
    for (int i = 0; i < n; i++)
        OPENSSL_free(items[i].der);
    OPENSSL_free(items);
    return ok;
}

/* Everything pc_sign_detached needs besides the per-call digest, time and signature. */
static int creds_prepare(pc_credentials *c)
{
    unsigned char *issuer = NULL, *serial = NULL;
    int il, sl, ok = 0;

    c->key_kind = EVP_PKEY_is_a(c->key, "RSA") ? KEY_RSA : EVP_PKEY_is_a(c->key, "EC") ? KEY_EC : KEY_OTHER;
    c->key_ok = X509_check_private_key(c->cert, c->key) == 1;
    ERR_clear_error();
    if ((c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
        return 0;
    il = i2d_X509_NAME(X509_get_issuer_name(c->cert), &issuer);
    sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(c->cert), &serial);
    if (il > 0 && sl > 0) {
        size_t body = (size_t)il + (size_t)sl;

        c->sid_len = der_hdr_len(body) + body;
        if ((c->sid = OPENSSL_malloc(c->sid_len)) != NULL) {
            unsigned char *p = der_put_hdr(c->sid, 0x30, body);

            memcpy(p, issuer, (size_t)il);
            memcpy(p + il, serial, (size_t)sl);
            ok = creds_rebuild_certs(c);
        }
    }
    OPENSSL_free(issuer);
    OPENSSL_free(serial);
    return ok;
}

/* ---------- credentials ---------- */

pc_credentials *pc_credentials_from_pem(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                                        const char *password, char *err, size_t errlen)
{
    STACK_OF(X509) *certs;
    EVP_PKEY *pkey;
    pc_credentials *c;
    int signer = 0;

    ERR_clear_error();
    if ((certs = parse_certs(cert, cert_len, "certificate", err, errlen)) == NULL)
        return NULL;
    if ((pkey = parse_key(key, key_len, password, err, errlen)) == NULL) {
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    /* In a bundle, the signer is the cert holding the key's public half; else the first. */
    for (int i = 0; i < sk_X509_num(certs); i++) {
        if (X509_check_private_key(sk_X509_value(certs, i), pkey)) {
            signer = i;
            break;
        }
    }
    ERR_clear_error();
    if ((c = creds_new()) == NULL) {
        EVP_PKEY_free(pkey);
        sk_X509_pop_free(certs, X509_free);
        fail(err, errlen, "out of memory");
        return NULL;
    }
    c->key = pkey;
    c->cert = sk_X509_delete(certs, signer);
    while (sk_X509_num(certs) > 0) {
        if (!chain_add_unique(c, sk_X509_shift(certs))) {
            sk_X509_pop_free(certs, X509_free);
            pc_credentials_free(c);
            fail(err, errlen, "out of memory");
            return NULL;
        }
    }
    sk_X509_free(certs);
    if (!creds_prepare(c)) {
        pc_credentials_free(c);
        fail(err, errlen, "credentials: cannot prepare signer");
        return NULL;
    }
    ERR_clear_error();
    return c;
}

static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static OSSL_PROVIDER *default_provider, *legacy_provider; /* loaded for the life of the process */
static char legacy_reason[192];

static void load_legacy_providers(void)
{
    errinfo ei;

    /* "default" first: an explicit load disables OpenSSL's implicit default-provider fallback. */
    default_provider = OSSL_PROVIDER_load(NULL, "default");
    legacy_provider = OSSL_PROVIDER_load(NULL, "legacy");
    drain_errors(&ei);
    memcpy(legacy_reason, ei.reason, sizeof(legacy_reason));
}

typedef enum { P12_OK, P12_BADPASS, P12_FAIL } p12_status;

/* MAC check as PKCS12_parse does it, but telling a mismatch (no queued error) from a failure. */
static p12_status p12_check_mac(PKCS12 *p12, const char **pass)
{
    if (!PKCS12_mac_present(p12))
        return P12_OK;
    ERR_clear_error();
    if (*pass == NULL || **pass == '\0') {
        if (PKCS12_verify_mac(p12, NULL, 0)) {
            *pass = NULL;
            return P12_OK;
        }
        if (PKCS12_verify_mac(p12, "", 0)) {
            *pass = "";
            return P12_OK;
        }
    } else if (PKCS12_verify_mac(p12, *pass, -1)) {
        return P12_OK;
    }
    return ERR_peek_error() == 0 ? P12_BADPASS : P12_FAIL;
}

pc_credentials *pc_credentials_from_p12(const uint8_t *p12data, size_t len, const char *password, char *err,
                                        size_t errlen)
{
    PKCS12 *p12;
    const unsigned char *p = p12data;
    const char *pass = password;
    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    pc_credentials *c = NULL;
    errinfo ei;
    p12_status st;
    int ok;

    ERR_clear_error();
    if (p12data == NULL || len == 0 || len > LONG_MAX || (p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
        fail(err, errlen, "p12: not a PKCS#12 file");
        return NULL;
    }
    for (int attempt = 0;; attempt++) {
        pass = password;
        st = p12_check_mac(p12, &pass);
        if (st == P12_BADPASS) {
            PKCS12_free(p12);
            fail(err, errlen, password == NULL || *password == '\0' ? "p12: wrong password (a password is required)"
                                                                    : "p12: wrong password");
            return NULL;
        }
        ok = st == P12_OK && PKCS12_parse(p12, pass, &pkey, &cert, &ca);
        if (ok)
            break;
        drain_errors(&ei);
        /* Keychain exports encrypt certs with RC2-40, which only the legacy provider implements. */
        if (attempt == 0 && ei.unsupported) {
            pthread_once(&legacy_once, load_legacy_providers);
            if (default_provider != NULL && legacy_provider != NULL)
                continue;
            PKCS12_free(p12);
            snprintf(ei.reason, sizeof(ei.reason), "%s", legacy_reason);
            fail_with(err, errlen, &ei, "p12: uses a legacy algorithm and OpenSSL's legacy provider could not be loaded");
            return NULL;
        }
        PKCS12_free(p12);
        fail_with(err, errlen, &ei, st == P12_FAIL ? "p12: cannot verify integrity MAC" : "p12: cannot decode contents");
        return NULL;
    }
    PKCS12_free(p12);
    ERR_clear_error();

    if (pkey == NULL) {
        fail(err, errlen, "p12: contains no private key");
        goto done;
    }
    if (cert == NULL) {
        fail(err, errlen, "p12: contains no certificate for its private key");
        goto done;
    }
    if ((c = creds_new()) == NULL) {
        fail(err, errlen, "out of memory");
        goto done;
    }
    c->key = pkey;
    c->cert = cert;
    pkey = NULL;
    cert = NULL;
    while (sk_X509_num(ca) > 0) {
        if (!chain_add_unique(c, sk_X509_shift(ca))) {
            pc_credentials_free(c);
            c = NULL;
            fail(err, errlen, "out of memory");
            goto done;
        }
    }
    if (!creds_prepare(c)) {
        pc_credentials_free(c);
        c = NULL;
        fail(err, errlen, "credentials: cannot prepare signer");
    }
done:
    EVP_PKEY_free(pkey);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    ERR_clear_error();
    return c;
}

int pc_credentials_add_chain_cert(pc_credentials *creds, const uint8_t *cert, size_t len, char *err, size_t errlen)
{
    STACK_OF(X509) *certs;
    int ok = 1;

    ERR_clear_error();
    if (creds == NULL) {
        fail(err, errlen, "chain certificate: no credentials");
        return 0;
    }
    if ((certs = parse_certs(cert, len, "chain certificate", err, errlen)) == NULL)
        return 0;
    while (ok && sk_X509_num(certs) > 0)
        ok = chain_add_unique(creds, sk_X509_shift(certs));
    sk_X509_pop_free(certs, X509_free);
    ok = ok && creds_rebuild_certs(creds);
    if (!ok)
        fail(err, errlen, "chain certificate: out of memory");
    ERR_clear_error();
    return ok;
}

void pc_credentials_free(pc_credentials *creds)
{
    if (creds == NULL)
        return;
    EVP_PKEY_free(creds->key);
    X509_free(creds->cert);
    sk_X509_pop_free(creds->chain, X509_free);
    EVP_MD_free(creds->sha256);
    OPENSSL_free(creds->sid);
    OPENSSL_free(creds->certs);
    OPENSSL_free(creds);
}

int pc_credentials_key_matches(const pc_credentials *creds)
{
    int r;

    if (creds == NULL || creds->cert == NULL || creds->key == NULL)
        return 0;
    r = X509_check_private_key(creds->cert, creds->key) == 1;
    ERR_clear_error();
    return r;
}

int pc_credentials_cert_der(const pc_credentials *creds, pc_buffer *out)
{
    if (out == NULL)
        return 0;
    return x509_to_buffer(creds != NULL ? creds->cert : NULL, out);
}

size_t pc_credentials_chain_count(const pc_credentials *creds)
{
    return creds == NULL ? 0 : (size_t)sk_X509_num(creds->chain);
}

int pc_credentials_chain_der(const pc_credentials *creds, size_t index, pc_buffer *out)
{
    if (out == NULL)
        return 0;
    if (creds == NULL || index >= (size_t)sk_X509_num(creds->chain)) {
        out->data = NULL;
        out->len = 0;
        return 0;
    }
    return x509_to_buffer(sk_X509_value(creds->chain, (int)index), out);
}

void pc_credentials_clear_chain(pc_credentials *creds)
{
    if (creds == NULL)
        return;
    while (sk_X509_num(creds->chain) > 0)
        X509_free(sk_X509_pop(creds->chain));
    if (!creds_rebuild_certs(creds)) { /* only on OOM: signing then fails rather than embedding stale certs */
        OPENSSL_free(creds->certs);
        creds->certs = NULL;
        creds->certs_len = 0;
    }
    ERR_clear_error();
}

/* ---------- signing ---------- */

/* Constant DER pieces of the SignedData we emit. */
static const unsigned char OID_SIGNED_DATA[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const unsigned char VERSION_1[] = { 0x02, 0x01, 0x01 };
/* SET { AlgorithmIdentifier sha256 } with absent parameters, as OpenSSL writes it. */
static const unsigned char DIGEST_ALGS[] = { 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                                             0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
static const unsigned char ENCAP_DATA[] = { 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const unsigned char ALG_RSA[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
static const unsigned char ALG_ECDSA_SHA256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char ATTR_CONTENT_TYPE[] = { 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
                                                   0x09, 0x03, 0x31, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                   0x0d, 0x01, 0x07, 0x01 };
static const unsigned char OID_SIGNING_TIME[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05 };
static const unsigned char MESSAGE_DIGEST_HDR[] = { 0x30, 0x2f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                                    0x01, 0x09, 0x04, 0x31, 0x22, 0x04, 0x20 };

/*
 * Emits exactly what OpenSSL's CMS_sign(CMS_DETACHED|CMS_BINARY|CMS_NOSMIMECAP) + signingTime produces
 * (byte-identical for RSA), but from DER precomputed at load time: CMS_sign/CMS_final re-derive and
 * re-encode the whole structure per call, which cost ~13% of the RSA-2048 sign rate.
 * Reads creds only; everything mutable lives on this call's stack/heap.
 */
int pc_sign_detached(const pc_credentials *creds, const uint8_t *data, size_t len, int64_t signing_time,
                     pc_buffer *out, char *err, size_t errlen)
{
    unsigned char md[32], attrs[128], tder[32], *sig = NULL, *der = NULL, *p, *tp = tder;
    size_t siglen, sig_max, alen, tlen, stlen, sattrs, sigoct, si_body, si, sis, certs_f, sd_body, sd, exp, ci_body,
        total;
    const unsigned char *alg;
    size_t alg_len;
    ASN1_TIME *t = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int n, ok = 0;

    if (out == NULL) {
        fail(err, errlen, "sign: no output buffer");
        return 0;
    }
    out->data = NULL;
    out->len = 0;
    if (creds == NULL || creds->cert == NULL || creds->key == NULL || creds->sid == NULL || creds->certs == NULL) {
        fail(err, errlen, "sign: no credentials");
        return 0;
    }
    if (data == NULL && len != 0) {
        fail(err, errlen, "sign: invalid content");
        return 0;
    }
    if (!creds->key_ok) {
        fail(err, errlen, "sign: the private key does not match the signer certificate");
        return 0;
    }
    if (creds->key_kind == KEY_RSA) {
        alg = ALG_RSA;
        alg_len = sizeof(ALG_RSA);
    } else if (creds->key_kind == KEY_EC) {
        alg = ALG_ECDSA_SHA256;
        alg_len = sizeof(ALG_ECDSA_SHA256);
    } else {
        fail(err, errlen, "sign: unsupported key type %s (RSA or EC required)", EVP_PKEY_get0_type_name(creds->key));
        return 0;
    }
    if ((time_t)signing_time != signing_time || (t = ASN1_TIME_set(NULL, (time_t)signing_time)) == NULL
        || (n = i2d_ASN1_TIME(t, NULL)) <= 0 || (size_t)n > sizeof(tder)) {
        ASN1_TIME_free(t);
        fail(err, errlen, "sign: signing time out of range");
        return 0;
    }
    tlen = (size_t)i2d_ASN1_TIME(t, &tp); /* UTCTime 1950-2049, else GeneralizedTime */
    ASN1_TIME_free(t);

    if (!EVP_Digest(data != NULL ? (const void *)data : (const void *)"", len, md, NULL, creds->sha256, NULL)) {
        fail(err, errlen, "sign: digest failed");
        return 0;
    }
    /* signedAttrs as the SET that gets signed. DER SET OF order is by encoding; all three attributes are
       short SEQUENCEs, so the order is by length: contentType (24), signingTime (28/30), messageDigest (47). */
    stlen = sizeof(OID_SIGNING_TIME) + 2 + tlen;
    alen = sizeof(ATTR_CONTENT_TYPE) + 2 + stlen + sizeof(MESSAGE_DIGEST_HDR) + sizeof(md);
    p = attrs;
    *p++ = 0x31;
    *p++ = (unsigned char)alen; /* < 128 */
    p = der_put(p, ATTR_CONTENT_TYPE, sizeof(ATTR_CONTENT_TYPE));
    p = der_put_hdr(p, 0x30, stlen);
    p = der_put(p, OID_SIGNING_TIME, sizeof(OID_SIGNING_TIME));
    p = der_put_hdr(p, 0x31, tlen);
    p = der_put(p, tder, tlen);
    p = der_put(p, MESSAGE_DIGEST_HDR, sizeof(MESSAGE_DIGEST_HDR));
    p = der_put(p, md, sizeof(md));

    if (!EVP_Digest(attrs, 2 + alen, md, NULL, creds->sha256, NULL)) {
        fail(err, errlen, "sign: digest failed");
        return 0;
    }
    sig_max = (size_t)EVP_PKEY_get_size(creds->key);
    if ((sig = OPENSSL_malloc(sig_max)) == NULL) {
        fail(err, errlen, "sign: out of memory");
        goto done;
    }
    siglen = sig_max;
    /* A fresh context per call: the shared EVP_PKEY is only read. RSA defaults to PKCS#1 v1.5. */
    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, creds->key, NULL);
    if (pctx == NULL || EVP_PKEY_sign_init(pctx) <= 0 || EVP_PKEY_CTX_set_signature_md(pctx, creds->sha256) <= 0
        || EVP_PKEY_sign(pctx, sig, &siglen, md, sizeof(md)) <= 0) {
        fail(err, errlen, "sign: signing failed");
        goto done;
    }

    sattrs = 2 + alen;
    sigoct = der_hdr_len(siglen) + siglen;
    si_body = sizeof(VERSION_1) + creds->sid_len + sizeof(DIGEST_ALGS) - 2 + sattrs + alg_len + sigoct;
    si = der_hdr_len(si_body) + si_body;
    sis = der_hdr_len(si) + si;
    certs_f = der_hdr_len(creds->certs_len) + creds->certs_len;
    sd_body = sizeof(VERSION_1) + sizeof(DIGEST_ALGS) + sizeof(ENCAP_DATA) + certs_f + sis;
    sd = der_hdr_len(sd_body) + sd_body;
    exp = der_hdr_len(sd) + sd;
    ci_body = sizeof(OID_SIGNED_DATA) + exp;
    total = der_hdr_len(ci_body) + ci_body;
    if ((der = OPENSSL_malloc(total)) == NULL) {
        fail(err, errlen, "sign: out of memory");
        goto done;
    }
    p = der_put_hdr(der, 0x30, ci_body);                     /* ContentInfo */
    p = der_put(p, OID_SIGNED_DATA, sizeof(OID_SIGNED_DATA));
    p = der_put_hdr(p, 0xa0, sd);                            /* [0] EXPLICIT */
    p = der_put_hdr(p, 0x30, sd_body);                       /* SignedData */
    p = der_put(p, VERSION_1, sizeof(VERSION_1));
    p = der_put(p, DIGEST_ALGS, sizeof(DIGEST_ALGS));
    p = der_put(p, ENCAP_DATA, sizeof(ENCAP_DATA));          /* eContent absent: detached */
    p = der_put_hdr(p, 0xa0, creds->certs_len);              /* certificates [0] IMPLICIT */
    p = der_put(p, creds->certs, creds->certs_len);
    p = der_put_hdr(p, 0x31, si);                            /* signerInfos */
    p = der_put_hdr(p, 0x30, si_body);                       /* SignerInfo */
    p = der_put(p, VERSION_1, sizeof(VERSION_1));
    p = der_put(p, creds->sid, creds->sid_len);
    p = der_put(p, DIGEST_ALGS + 2, sizeof(DIGEST_ALGS) - 2);
    *p++ = 0xa0;                                             /* signedAttrs [0] IMPLICIT */
    p = der_put(p, attrs + 1, sattrs - 1);
    p = der_put(p, alg, alg_len);
    p = der_put_hdr(p, 0x04, siglen);
    p = der_put(p, sig, siglen);
    if ((size_t)(p - der) != total) { /* cannot happen; guards the length arithmetic */
        fail(err, errlen, "sign: internal encoding error");
        goto done;
    }
    out->data = der;
    out->len = total;
    der = NULL;
    ok = 1;
done:
    EVP_PKEY_CTX_free(pctx);
    OPENSSL_free(sig);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

/* ---------- verification ---------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int asn1_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * 86400
           + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

static void verr(pc_verify_result *out, const char *msg)
{
    fail(out->error, sizeof(out->error), "%s", msg);
}

void pc_cms_verify_detached(const uint8_t *sig, size_t sig_len, const uint8_t *content, size_t content_len,
                            pc_verify_result *out)
{
    CMS_ContentInfo *cms = NULL;
    STACK_OF(CMS_SignerInfo) *sinfos;
    STACK_OF(X509) *certs = NULL;
    CMS_SignerInfo *si;
    BIO *dcont = NULL;
    const unsigned char *p = sig;
    int nid, idx;

    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    ERR_clear_error();
    if (sig == NULL || sig_len == 0 || sig_len > LONG_MAX) {
        verr(out, "not a CMS signature: empty input");
        return;
    }
    if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len)) == NULL) {
        verr(out, "not a DER CMS ContentInfo");
        return;
    }
    nid = OBJ_obj2nid(CMS_get0_type(cms));
    if (nid != NID_pkcs7_signed) {
        char msg[128];
        snprintf(msg, sizeof(msg), "CMS ContentInfo is %s, not signedData", nid != NID_undef ? OBJ_nid2ln(nid) : "unknown");
        verr(out, msg);
        goto done;
    }
    out->parsed = 1;
    out->detached = CMS_is_detached(cms) == 1;

    certs = CMS_get1_certs(cms);
    if (sk_X509_num(certs) > 0) {
        out->certs = OPENSSL_zalloc(sizeof(pc_buffer) * (size_t)sk_X509_num(certs));
        if (out->certs == NULL) {
            verr(out, "out of memory");
            goto done;
        }
        for (int i = 0; i < sk_X509_num(certs); i++)
            if (x509_to_buffer(sk_X509_value(certs, i), &out->certs[out->cert_count]))
                out->cert_count++;
    }

    sinfos = CMS_get0_SignerInfos(cms);
    out->signer_count = sk_CMS_SignerInfo_num(sinfos) > 0 ? sk_CMS_SignerInfo_num(sinfos) : 0;
    if (out->signer_count == 0) {
        verr(out, "SignedData has no SignerInfo");
        goto done;
    }
    si = sk_CMS_SignerInfo_value(sinfos, 0);
    {
        X509_ALGOR *dig = NULL;
        const ASN1_OBJECT *obj = NULL;
        int dnid;

        CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
        if (dig != NULL) {
            X509_ALGOR_get0(&obj, NULL, NULL, dig);
            dnid = OBJ_obj2nid(obj);
            if (dnid != NID_undef)
                snprintf(out->digest_algorithm, sizeof(out->digest_algorithm), "%s", OBJ_nid2sn(dnid));
            else
                OBJ_obj2txt(out->digest_algorithm, sizeof(out->digest_algorithm), obj, 1);
        }
    }
    out->has_content_type = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0;
    out->has_message_digest = CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1) >= 0;
    if ((idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) >= 0) {
        ASN1_TYPE *at = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);

        if (at != NULL && (at->type == V_ASN1_UTCTIME || at->type == V_ASN1_GENERALIZEDTIME))
            out->has_signing_time = asn1_time_to_unix(at->value.asn1_string, &out->signing_time);
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
            x509_to_buffer(sk_X509_value(certs, i), &out->signer_cert);
            break;
        }
    }
    ERR_clear_error();

    /* Signer certs come only from the embedded set; chain/trust is the caller's business. */
    CMS_set1_signers_certs(cms, NULL, 0);
    for (int i = 0; i < out->signer_count; i++) {
        X509 *signer = NULL;

        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sinfos, i), NULL, &signer, NULL, NULL);
        if (signer == NULL) {
            verr(out, "signer certificate is not among the embedded certificates");
            goto done;
        }
    }
    /* Two passes so the reason says which check failed. */
    for (int i = 0; i < out->signer_count; i++) {
        CMS_SignerInfo *s = sk_CMS_SignerInfo_value(sinfos, i);

        if (CMS_signed_get_attr_count(s) >= 0 && CMS_SignerInfo_verify(s) <= 0) {
            verr(out, "signature over the signed attributes does not verify with the signer certificate's key");
            goto done;
        }
    }
    if (content == NULL && out->detached) {
        verr(out, "detached signature but no content given");
        goto done;
    }
    if (content != NULL) {
        if (content_len > INT_MAX) {
            verr(out, "content too large");
            goto done;
        }
        dcont = BIO_new_mem_buf(content_len != 0 ? (const void *)content : (const void *)"", (int)content_len);
        if (dcont == NULL) {
            verr(out, "out of memory");
            goto done;
        }
    }
    if (CMS_verify(cms, NULL, NULL, dcont, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_NO_ATTR_VERIFY | CMS_BINARY) <= 0) {
        verr(out, CMS_signed_get_attr_count(si) >= 0 ? "messageDigest does not match the content"
                                                     : "signature does not verify over the content");
        goto done;
    }
    out->signature_valid = 1;
done:
    BIO_free(dcont);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
}

void pc_verify_result_free(pc_verify_result *result)
{
    if (result == NULL)
        return;
    pc_buffer_free(&result->signer_cert);
    for (size_t i = 0; i < result->cert_count; i++)
        pc_buffer_free(&result->certs[i]);
    OPENSSL_free(result->certs);
    result->certs = NULL;
    result->cert_count = 0;
}

/* ---------- zip ---------- */

uint32_t pc_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    uLong c = crc;

    if (data == NULL)
        return crc;
    while (len > 0) { /* zlib's length is a uInt */
        uInt chunk = len > (size_t)UINT_MAX ? UINT_MAX : (uInt)len;
        c = crc32(c, data, chunk);
        data += chunk;
        len -= chunk;
    }
    return (uint32_t)c;
}

int pc_credentials_key_pem(const pc_credentials *creds, pc_buffer *out)
{
    BIO *bio;
    BUF_MEM *mem = NULL;
    int ok = 0;

    if (out == NULL)
        return 0;
    out->data = NULL;
    out->len = 0;
    if (creds == NULL || creds->key == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
        return 0;
    /* Unencrypted PKCS#8: handed straight to the TLS library, never written to disk. */
    if (PEM_write_bio_PrivateKey(bio, creds->key, NULL, NULL, 0, NULL, NULL) == 1 && BIO_get_mem_ptr(bio, &mem) == 1 && mem->length > 0) {
        out->data = OPENSSL_malloc(mem->length);
        if (out->data != NULL) {
            memcpy(out->data, mem->data, mem->length);
            out->len = mem->length;
            ok = 1;
        }
        OPENSSL_cleanse(mem->data, mem->length);
    }
    BIO_free(bio);
    return ok;
}
