/* mock.c: the mockvault process of a soak run: started on a state directory, stopped with
 * SIGTERM (a non-zero exit, e.g. a sanitizer's report, fails the run), started again on the same
 * ports and state, and measured through /proc. Only the main thread calls these, so that it is the
 * parent the mock's PR_SET_PDEATHSIG follows. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

/* A sanitizer build writes its leak report at exit, which takes a while under load. */
#define STOP_TIMEOUT_S 60.0
#define READY_TIMEOUT_S 60.0

double soak_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Describes a wait status in err. */
static void describe_status(int status, char *err, size_t errlen)
{
    if (WIFEXITED(status))
        snprintf(err, errlen, "mockvault exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(err, errlen, "mockvault was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(err, errlen, "mockvault ended with wait status 0x%x", (unsigned)status);
}

/* Reads the ready file into m (port, imds port, CA path). Returns false while it is missing or
 * not yet complete. */
static bool read_ready(struct soak_mock *m, const char *path)
{
    char text[4096];
    FILE *f = fopen(path, "r");
    size_t n;
    cJSON *j = NULL, *port, *ca, *imds;
    bool ok = false;

    if (!f)
        return false;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    j = cJSON_Parse(text);
    port = cJSON_GetObjectItemCaseSensitive(j, "port");
    ca = cJSON_GetObjectItemCaseSensitive(j, "ca");
    imds = cJSON_GetObjectItemCaseSensitive(j, "imds");
    if (!cJSON_IsNumber(port) || !cJSON_IsString(ca) || !cJSON_IsString(imds))
        goto out;
    /* The imds member is a URL, http://127.0.0.1:PORT. */
    const char *colon = strrchr(imds->valuestring, ':');
    if (!colon)
        goto out;
    m->port = port->valueint;
    m->imds_port = atoi(colon + 1);
    snprintf(m->ca, sizeof m->ca, "%s", ca->valuestring);
    ok = m->port > 0 && m->imds_port > 0;
out:
    cJSON_Delete(j);
    return ok;
}

/* The child's side of the fork: the log file as stdout and stderr, then exec. Never returns. */
static void exec_mock(const struct soak_mock *m, char *const argv[], const char *log)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

    /* The mock goes when the driver goes, even when the driver is killed. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(126);
    execv(m->bin, argv);
    dprintf(2, "soak: cannot run %s: %s\n", m->bin, strerror(errno));
    _exit(127);
}

int soak_mock_start(struct soak_mock *m, char *err, size_t errlen)
{
    char ready[PATH_MAX + 16], state[PATH_MAX + 16], log[PATH_MAX + 16], port[16], imds[16],
        threads[16], lifetime[16];
    char *argv[] = {(char *)m->bin,
                    "--port",
                    port,
                    "--imds-port",
                    imds,
                    "--fixtures",
                    (char *)m->fixtures,
                    "--state-dir",
                    state,
                    "--ready-file",
                    ready,
                    "--log-format",
                    "off",
                    "--threads",
                    threads,
                    "--throttle",
                    "azure",
                    "--throttle-limits",
                    m->throttle_limits,
                    "--token-lifetime",
                    lifetime,
                    "--identity-header",
                    SOAK_IDENTITY_HEADER,
                    NULL};
    double deadline = soak_now() + READY_TIMEOUT_S;
    int status;
    pid_t pid;

    snprintf(ready, sizeof ready, "%s/ready.json", m->dir);
    snprintf(state, sizeof state, "%s/state", m->dir);
    snprintf(log, sizeof log, "%s/mock.log", m->dir);
    /* The first start lets the mock choose free ports; restarts reuse them, so the workers'
     * URLs stay valid and they only have to reconnect. */
    snprintf(port, sizeof port, "%d", m->port);
    snprintf(imds, sizeof imds, "%d", m->imds_port);
    snprintf(threads, sizeof threads, "%d", m->threads);
    snprintf(lifetime, sizeof lifetime, "%d", SOAK_TOKEN_LIFETIME);
    unlink(ready);
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exec_mock(m, argv, log);
    m->pid = pid;
    while (!read_ready(m, ready)) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            m->pid = 0;
            describe_status(status, err, errlen);
            return -1;
        }
        if (soak_now() > deadline) {
            snprintf(err, errlen, "mockvault wrote no ready file within %.0f s", READY_TIMEOUT_S);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            m->pid = 0;
            return -1;
        }
        sleep_ms(10);
    }
    return 0;
}

int soak_mock_stop(struct soak_mock *m, char *err, size_t errlen)
{
    double deadline = soak_now() + STOP_TIMEOUT_S;
    int status = 0, rc = -1;

    if (m->pid <= 0)
        return 0;
    kill(m->pid, SIGTERM);
    while (waitpid(m->pid, &status, WNOHANG) != m->pid) {
        if (soak_now() > deadline) {
            snprintf(err, errlen, "mockvault did not stop within %.0f s of SIGTERM",
                     STOP_TIMEOUT_S);
            kill(m->pid, SIGKILL);
            waitpid(m->pid, &status, 0);
            goto out;
        }
        sleep_ms(10);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        rc = 0;
    else
        describe_status(status, err, errlen);
out:
    m->pid = 0;
    return rc;
}

bool soak_mock_exited(struct soak_mock *m, char *err, size_t errlen)
{
    int status;

    if (m->pid <= 0 || waitpid(m->pid, &status, WNOHANG) != m->pid)
        return false;
    m->pid = 0;
    describe_status(status, err, errlen);
    return true;
}

void soak_mock_print_log_tail(const struct soak_mock *m, int lines)
{
    char path[PATH_MAX + 16];
    FILE *f;
    long size, pos;
    int seen = 0, c;

    snprintf(path, sizeof path, "%s/mock.log", m->dir);
    f = fopen(path, "r");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    /* Walks back to the start of the last `lines` lines, then copies them out. */
    for (pos = size - 1; pos >= 0; pos--) {
        fseek(f, pos, SEEK_SET);
        if (fgetc(f) == '\n' && pos != size - 1 && ++seen == lines)
            break;
    }
    fseek(f, pos + 1, SEEK_SET);
    fprintf(stderr, "---- last lines of %s ----\n", path);
    while ((c = fgetc(f)) != EOF)
        fputc(c, stderr);
    fprintf(stderr, "---- end of the mock's log ----\n");
    fclose(f);
}

bool soak_mock_log_has_report(const struct soak_mock *m)
{
    /* What ASan, LSan and UBSan print; UBSan goes on after its report unless told otherwise. */
    static const char *const marks[] = {"runtime error:", "AddressSanitizer", "LeakSanitizer"};
    char path[PATH_MAX + 16], line[1024];
    bool found = false;
    FILE *f;

    snprintf(path, sizeof path, "%s/mock.log", m->dir);
    f = fopen(path, "r");
    if (!f)
        return false;
    while (!found && fgets(line, sizeof line, f))
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            if (strstr(line, marks[i]))
                found = true;
    fclose(f);
    return found;
}

bool soak_proc_asan(pid_t pid)
{
    char path[64], line[512];
    bool asan = false;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    /* GCC links libasan.so; clang links its runtime statically, but both map ASan's shadow
     * memory, which starts at 0x7fff8000 on x86-64. */
    while (!asan && fgets(line, sizeof line, f))
        asan = strstr(line, "libasan") || strstr(line, "libclang_rt.asan") ||
               strncmp(line, "7fff8000-", 9) == 0;
    fclose(f);
    return asan;
}

long soak_proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

int soak_proc_fds(pid_t pid)
{
    char path[64];
    struct dirent *e;
    int n = 0;
    DIR *d;

    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}
