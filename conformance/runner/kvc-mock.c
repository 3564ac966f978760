/* kvc-mock.c: the mockvault a kvconform run starts for itself (kvc-mock.h). One copy for both
 * subcommands, so that `server` and `client` start, wait for and stop the mock the same way. */
#include "kvc-mock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cx-file.h"
#include "kvc-http.h"

static void pause_10ms(void)
{
    struct timespec ts = {0, 10 * 1000000L};

    nanosleep(&ts, NULL);
}

/* Copies the start of the mock's log to stderr: the log is removed when the mock is stopped, and a
 * mock that failed to start says why there (it logs no requests nor secrets: --log-format off). */
static void show_log(const char *path)
{
    char buf[2048];
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return;
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (n)
        fprintf(stderr, "kvconform: the mock's output:\n%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
}

int kvc_mock_start(struct kvc_mock *m, const char *bin, const char *fixtures, const char *dir,
                   unsigned flags)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    cJSON *j = NULL;
    const cJSON *port;
    int rc = -1;

    memset(m, 0, sizeof *m);
    if (dir) {
        snprintf(m->dir, sizeof m->dir, "%s", dir);
    } else {
        snprintf(m->dir, sizeof m->dir, "%s/kvconform-XXXXXX", tmp);
        if (!mkdtemp(m->dir)) {
            fprintf(stderr, "kvconform: mkdtemp: %s\n", strerror(errno));
            m->dir[0] = '\0';
            goto out;
        }
        m->own_dir = true;
    }
    snprintf(m->ready, sizeof m->ready, "%s/ready.json", m->dir);
    snprintf(m->log, sizeof m->log, "%s/mockvault.log", m->dir);
    m->pid = fork();
    if (m->pid < 0) {
        fprintf(stderr, "kvconform: fork: %s\n", strerror(errno));
        m->pid = 0;
        goto out;
    }
    if (m->pid == 0) {
        int fd = open(m->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (flags & KVC_MOCK_PROXY)
            execl(bin, bin, "--port", "0", "--bind", "127.0.0.1", "--proxy-port", "0",
                  "--ready-file", m->ready, "--fixtures", fixtures, "--log-format", "off",
                  (char *)NULL);
        else
            execl(bin, bin, "--port", "0", "--bind", "127.0.0.1", "--ready-file", m->ready,
                  "--fixtures", fixtures, "--log-format", "off", (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    /* The ready file appears once every listener accepts; 1500 turns of 10 ms = 15 s. */
    for (int i = 0; i < 1500 && !j; i++) {
        char *ready;
        int st;

        if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
            m->pid = 0;
            fprintf(stderr,
                    "kvconform: %s exited before it was ready (is it built? --mockvault "
                    "PATH)\n",
                    bin);
            show_log(m->log);
            goto out;
        }
        if ((ready = cx_read_file(m->ready, 64 * 1024, NULL)) != NULL) {
            j = cJSON_Parse(ready);
            free(ready);
        }
        if (!j)
            pause_10ms();
    }
    if (!j) {
        fprintf(stderr, "kvconform: %s did not write %s within 15 s\n", bin, m->ready);
        goto out;
    }
    snprintf(m->url, sizeof m->url, "%s", kvc_jstr(j, "url"));
    snprintf(m->ca, sizeof m->ca, "%s", kvc_jstr(j, "ca"));
    if (flags & KVC_MOCK_PROXY)
        snprintf(m->proxy, sizeof m->proxy, "%s", kvc_jstr(j, "proxy"));
    port = kvc_jget(j, "port");
    m->port = cJSON_IsNumber(port) ? (unsigned)port->valuedouble : 0;
    if (!m->port || !m->ca[0]) {
        fprintf(stderr, "kvconform: the ready file lacks port or ca (is TLS off?)\n");
        goto out;
    }
    if ((flags & KVC_MOCK_PROXY) && !m->proxy[0]) {
        fprintf(stderr, "kvconform: the ready file lacks the proxy\n");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(j);
    return rc;
}

void kvc_mock_stop(struct kvc_mock *m)
{
    if (m->pid > 0) {
        int st;

        kill(m->pid, SIGTERM);
        for (int i = 0; i < 500 && waitpid(m->pid, &st, WNOHANG) == 0; i++)
            pause_10ms();
        if (waitpid(m->pid, &st, WNOHANG) == 0) {
            kill(m->pid, SIGKILL);
            waitpid(m->pid, &st, 0);
        }
        m->pid = 0;
    }
    if (m->dir[0]) {
        unlink(m->ready);
        unlink(m->log);
        if (m->own_dir)
            rmdir(m->dir);
    }
    memset(m, 0, sizeof *m);
}
