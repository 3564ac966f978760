/* soak.h: the soak driver (issue 13): a mixed workload against a mockvault process it starts,
 * restarts and measures. Shared types of its four files: mock.c (the process), conn.c (one
 * request and its classification), work.c (what each worker sends) and main.c (the run). */
#ifndef SOAK_H
#define SOAK_H

#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SOAK_TENANT "11111111-1111-1111-1111-111111111111"
/* The fixed part of the names the soak gives its own secrets, keys and certificates; the fault
 * rules match on it too. */
#define SOAK_PREFIX "soak-"
/* Tokens the mock issues live this long (its minimum), so they expire during any run. */
#define SOAK_TOKEN_LIFETIME 60
/* Slots of the mock's verified-token cache (MV_TOKEN_CACHE_SLOTS, mockvault/net/http.h): the
 * warm-up fills every one before memory is measured. */
#define SOAK_TOKEN_CACHE_SLOTS 256
/* X-IDENTITY-HEADER of the App Service managed identity (--identity-header). */
#define SOAK_IDENTITY_HEADER "soak-identity-header"

/* Endpoint families, as the fault rules name them. */
enum soak_ep { EP_VAULT, EP_TOKEN, EP_MSI, EP_GRAPH, EP_ARM, EP_CONTROL, EP_COUNT };

/* Where a request goes: the TLS listener by the default vault's host, by rbac-demo's host, or the
 * plain-http managed identity listener (--imds-port). */
enum soak_host { HOST_MAIN, HOST_RBAC, HOST_IMDS };

/* Every operation the workload sends, by the mock's own names (the journal's, and the control
 * table's for /_mock/ calls). The coverage check at the end wants each answered as expected. */
enum soak_op {
    OP_SET_SECRET,
    OP_GET_SECRET,
    OP_UPDATE_SECRET,
    OP_DELETE_SECRET,
    OP_GET_SECRETS,
    OP_GET_SECRET_VERSIONS,
    OP_GET_DELETED_SECRETS,
    OP_GET_DELETED_SECRET,
    OP_PURGE_DELETED_SECRET,
    OP_RECOVER_DELETED_SECRET,
    OP_BACKUP_SECRET,
    OP_RESTORE_SECRET,
    OP_CREATE_KEY,
    OP_IMPORT_KEY,
    OP_GET_KEY,
    OP_UPDATE_KEY,
    OP_DELETE_KEY,
    OP_GET_KEYS,
    OP_GET_KEY_VERSIONS,
    OP_GET_DELETED_KEYS,
    OP_GET_DELETED_KEY,
    OP_PURGE_DELETED_KEY,
    OP_RECOVER_DELETED_KEY,
    OP_BACKUP_KEY,
    OP_RESTORE_KEY,
    OP_ENCRYPT,
    OP_DECRYPT,
    OP_WRAP_KEY,
    OP_UNWRAP_KEY,
    OP_SIGN,
    OP_VERIFY,
    OP_RELEASE,
    OP_ROTATE_KEY,
    OP_GET_KEY_ROTATION_POLICY,
    OP_UPDATE_KEY_ROTATION_POLICY,
    OP_GET_RANDOM_BYTES,
    OP_GET_KEY_ATTESTATION,
    OP_CREATE_CERTIFICATE,
    OP_IMPORT_CERTIFICATE,
    OP_GET_CERTIFICATE_OPERATION,
    OP_DELETE_CERTIFICATE_OPERATION,
    OP_GET_CERTIFICATE,
    OP_UPDATE_CERTIFICATE,
    OP_GET_CERTIFICATE_POLICY,
    OP_UPDATE_CERTIFICATE_POLICY,
    OP_GET_CERTIFICATES,
    OP_GET_CERTIFICATE_VERSIONS,
    OP_BACKUP_CERTIFICATE,
    OP_RESTORE_CERTIFICATE,
    OP_DELETE_CERTIFICATE,
    OP_GET_DELETED_CERTIFICATE,
    OP_GET_DELETED_CERTIFICATES,
    OP_RECOVER_DELETED_CERTIFICATE,
    OP_PURGE_DELETED_CERTIFICATE,
    OP_GET_CERTIFICATE_CONTACTS,
    OP_GET_CERTIFICATE_ISSUERS,
    OP_GET_CERTIFICATE_ISSUER,
    OP_TOKEN,
    OP_OPENID_CONFIGURATION,
    OP_INSTANCE_DISCOVERY,
    OP_KEYS,
    OP_MANAGED_IDENTITY_TOKEN,
    OP_GRAPH_LIST_USERS,
    OP_GRAPH_GET_USER,
    OP_GRAPH_LIST_ORGANIZATION,
    OP_ARM_LIST_SUBSCRIPTIONS,
    OP_ARM_LIST_TENANTS,
    OP_ARM_GET_METADATA_ENDPOINTS,
    OP_MOCK_HEALTH,
    OP_MOCK_CLOCK_GET,
    OP_MOCK_CLOCK_SET,
    OP_MOCK_THROTTLE_GET,
    OP_MOCK_THROTTLE_SET,
    OP_MOCK_FAULT_ADD,
    OP_MOCK_FAULTS_GET,
    OP_MOCK_FAULTS_CLEAR,
    OP_MOCK_FAULT_DELETE,
    OP_MOCK_REQUESTS_GET,
    OP_COUNT
};

extern const char *const soak_op_names[OP_COUNT];

/* The statuses fault rules inject: one per endpoint family, and none that a handler of the mock
 * answers by itself, so a 5xx is either one of these (expected) or a bug. */
#define SOAK_FAULT_STATUS_BASE                                                                     \
    520 /* vault 520, token 521, managed identity 522, Graph 523, ARM 524 */

/* How a request ended, from the workload's point of view. */
enum soak_outcome {
    OUT_OK,        /* a status the operation expects here */
    OUT_THROTTLED, /* 429 from a vault endpoint: --throttle azure, or the 429 fault rule */
    OUT_FAULT,     /* the status a fault rule injects for this endpoint family */
    OUT_STALE,     /* 401 for a token that a clock change, a restart or its age explains */
    OUT_CUT,       /* no response, explained by a restart or by a drop/truncate rule */
    OUT_UNEXPECTED,
    OUT_STOP, /* the request budget is spent (nothing was sent), or the run is failing */
};

/* One request to send. Strings are borrowed for the duration of soak_request. */
struct soak_req {
    enum soak_op op;
    enum soak_ep ep;
    enum soak_host host;
    const char *method;
    const char *path;   /* with the query */
    const char *body;   /* NULL: none */
    const char *ctype;  /* of the body */
    const char *header; /* one extra header line, or NULL */
    const char *bearer; /* token, or NULL; never printed */
    unsigned token_gen; /* soak_run.gen read before that token was requested */
    double token_time;  /* monotonic seconds when it was requested */
    int expect[4];      /* expected statuses, 0-terminated */
    bool may_cut;       /* a drop or truncate rule may leave it without a response */
    bool during_change; /* sent by the one changing the mock's clock: do not wait for it */
};

/* Counters of one worker, summed at the end. */
struct soak_stats {
    uint64_t status[600];
    uint64_t outcome[OUT_STOP + 1];
    uint64_t op_ok[OP_COUNT];
    uint64_t refused;       /* connection refused while the mock restarted (nothing was sent) */
    uint64_t cut_restart;   /* transport errors explained by a restart or a clock change */
    uint64_t cut_injected;  /* transport errors explained by a drop/truncate rule */
    uint64_t key_throttled; /* 429s of keys operations (the keys' own throttle classes) */
    /* 429s of certificate operations: "all other transactions", as the mock counts them. */
    uint64_t cert_throttled;
};

/* The mockvault process. */
struct soak_mock {
    const char *bin, *fixtures; /* borrowed from argv */
    char dir[PATH_MAX];         /* the run's temporary folder (state dir, ready file, log) */
    char ca[PATH_MAX];
    int port, imds_port; /* 0 until the first start has chosen them */
    int threads;
    char throttle_limits[64];
    pid_t pid;
    unsigned restarts;
};

/* The whole run, shared by the workers. */
struct soak_run {
    struct soak_mock mock;
    pthread_mutex_t mock_mu; /* held while the process is stopped, started or probed */
    uint64_t budget;         /* requests to send */
    _Atomic uint64_t issued; /* tickets taken; a ticket at or past the budget is not sent */
    /* Even while the mock's clock and process are stable, odd while a restart or a clock change
     * is under way; bumped on both sides, so a request or token that saw one value at its start
     * and another at its end lived through a change that explains a 401 or a cut connection. */
    _Atomic unsigned gen;
    _Atomic uint64_t restart_end_us; /* soak_now() when the last restart ended, in microseconds */
    _Atomic unsigned restarts_done;
    _Atomic bool failed; /* a fatal problem: the workers stop */
    _Atomic uint64_t unexpected;
    pthread_mutex_t print_mu;
    float *latency_ms; /* per ticket; negative when nothing was answered */
    /* Scheduled events, claimed by the worker that first sees their ticket: restarts, the
     * warm-up measurement and the control actions. */
    pthread_mutex_t event_mu;
    uint64_t restart_at[16];
    unsigned nrestarts, next_restart;
    uint64_t warm_at;
    bool warm_done;
    bool settled;         /* warm-up ended with resident memory settled (main.c) */
    uint64_t next_sample; /* under event_mu: the warm-up's next memory sample */
    long settle_rss[2];   /* under event_mu: the last samples, oldest first */
    unsigned settle_n;    /* under event_mu: how many of them count */
    long rss_kb[3];       /* start, warm-up, end */
    uint64_t warm_end;    /* the ticket at which warm-up ended and memory was measured */
    bool fill_claimed;    /* under event_mu: a worker is filling the token cache */
    _Atomic bool fill_done;
    long fill_tokens;   /* tokens the warm-up's token-cache fill took, -1 when it did not end */
    long rss_tenth[10]; /* resident memory as each tenth of the budget was reached */
    unsigned ntenths;   /* under event_mu: tenths measured */
    bool asan;          /* the mock is an AddressSanitizer build */
    int fds[3];
    uint64_t control_every, next_control;
    unsigned control_seq;
    int workers;
    _Atomic int active;   /* workers still running */
    bool restart_pending; /* under event_mu: a worker asks the main thread for a restart */
    pthread_cond_t event_cv;
    _Atomic int extra_rule_id; /* the control actions' extra fault rule, 0 when none */
    _Atomic unsigned extra_rule_gen;
    char throttle_low[128], throttle_normal[128]; /* PUT /_mock/throttle bodies */
    /* Private JWKs the workers import (keys.c): made once at start, never printed. */
    char *ec_jwk[8], *rsa_jwk[2];
    /* PEM certificate imports (certs.c): key and certificate as one JSON string literal, made
     * once at start with GnuTLS, never printed. */
    char *cert_pem[4];
};

/* One worker thread: its own keep-alive connections (one easy handle) and its own view of the
 * secrets it owns. */
struct soak_worker {
    struct soak_run *run;
    int id;
    CURL *h;
    struct curl_slist *resolve;
    char *buf; /* the last response body, NUL-terminated */
    char errbuf[CURL_ERROR_SIZE];
    /* The last request to each host, for reports: method, path, status, when. */
    char prev[3][200];
    double prev_time[3];
    /* soak_run.restarts_done when each host was last used: a connection kept alive across a
     * restart is dead, and libcurl does not always notice before it sends on it. */
    unsigned prev_restarts[3];
    size_t len, cap;
    long status;
    unsigned sent_gen; /* soak_run.gen and soak_now() just before the last request was sent */
    double sent_time;
    struct soak_stats st;
    struct soak_tokens *tokens; /* work.c */
    struct soak_life *life;     /* work.c */
    struct soak_keys *keys;     /* keys.c */
    struct soak_certs *certs;   /* certs.c */
    unsigned mix, vault_next, other_next;
};

/* mock.c */
int soak_mock_start(struct soak_mock *m, char *err, size_t errlen);
int soak_mock_stop(struct soak_mock *m, char *err, size_t errlen);
bool soak_mock_exited(struct soak_mock *m, char *err, size_t errlen);
void soak_mock_print_log_tail(const struct soak_mock *m, int lines);
bool soak_mock_log_has_report(const struct soak_mock *m);
bool soak_proc_asan(pid_t pid);
long soak_proc_rss_kb(pid_t pid);
int soak_proc_fds(pid_t pid);
double soak_now(void);

/* conn.c */
int soak_worker_init(struct soak_worker *w, struct soak_run *run, int id);
void soak_worker_finish(struct soak_worker *w);
enum soak_outcome soak_request(struct soak_worker *w, const struct soak_req *q);
void soak_unexpected(struct soak_worker *w, const struct soak_req *q, const char *what);

/* work.c */
int soak_work_init(struct soak_worker *w);
void soak_work_finish(struct soak_worker *w);
/* Sends the worker's next action (one to a few requests); false once the run is over. */
bool soak_work_step(struct soak_worker *w);
/* keys.c: the key material the workers import, made before they start; 0 or -1. */
int soak_keys_pool_init(struct soak_run *run);
void soak_keys_pool_free(struct soak_run *run);
/* Whether op is one of the keys family's. */
bool soak_op_is_key(enum soak_op op);
/* certs.c: the PEM imports, made before the workers start; 0 or -1. */
int soak_certs_pool_init(struct soak_run *run);
void soak_certs_pool_free(struct soak_run *run);
/* Whether op is one of the certificates family's. */
bool soak_op_is_cert(enum soak_op op);
/* Control API calls (work.c): the standard fault rules, and the nth control action. */
bool soak_faults_install(struct soak_worker *w);
void soak_control(struct soak_worker *w, unsigned n);
/* Fetches fresh tokens and presents each to the vault until every slot of the mock's
 * verified-token cache holds one; returns how many tokens that took, or -1 when the run ended
 * first. */
long soak_fill_token_cache(struct soak_worker *w);

#endif
