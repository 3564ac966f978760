/* cx-file.c: whole-file reads and atomic replacement. */
#include "cx-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cx-mem.h"

/* Grows *buf from cap to want bytes (+1 for the NUL) by copying, wiping the old block: a key file
 * read in pieces must not leave parts of itself in freed memory, as realloc would. */
static int grow(char **buf, size_t n, size_t cap, size_t want)
{
    char *nb = malloc(want + 1);
    if (!nb)
        return -1;
    if (*buf) {
        memcpy(nb, *buf, n);
        cx_wipe_free(*buf, cap);
    }
    *buf = nb;
    return 0;
}

char *cx_read_file(const char *path, size_t max, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int saved = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        saved = errno;
        goto out;
    }
    if (max > SIZE_MAX / 2)
        max = SIZE_MAX / 2;
    /* The buffer never grows past max + 1 bytes, which is enough to notice a file over the cap. */
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                saved = EFBIG;
                goto out;
            }
            size_t want = cap ? cap * 2 : (size_t)(st.st_size > 0 ? st.st_size : 0) + 1;
            if (want < 4096)
                want = 4096;
            if (want > max + 1)
                want = max + 1;
            if (grow(&buf, n, cap, want) < 0) {
                saved = ENOMEM;
                goto out;
            }
            cap = want;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            saved = errno;
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max)
        saved = EFBIG;
out:
    if (fd >= 0)
        close(fd);
    if (saved != 0) {
        cx_wipe_free(buf, cap);
        buf = NULL;
        errno = saved;
    } else {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

int cx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *tmp = NULL;
    int fd = -1, rc = -1, saved = 0;
    bool created = false, renamed = false;
    const char *p = data;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
        tmp = NULL;
        saved = ENOMEM;
        goto out;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    created = fd >= 0;
    if (fd < 0 || fchmod(fd, mode) < 0) {
        saved = errno;
        goto out;
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            saved = errno;
            goto out;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) < 0) {
        saved = errno;
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0 || rename(tmp, path) < 0) {
        saved = errno;
        goto out;
    }
    renamed = true;

    /* The rename is durable only once the directory is synced, so a failure there is reported
     * (the data is in place, but an acknowledged write must survive a crash). Some file systems
     * cannot sync a directory at all (EINVAL); that is not an error. */
    char *slash = strrchr(tmp, '/');
    if (slash)
        *(slash == tmp ? slash + 1 : slash) = '\0';
    int dfd = open(slash ? tmp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL)) {
        saved = errno;
        if (dfd >= 0)
            close(dfd);
        goto out;
    }
    close(dfd);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (created && !renamed)
        unlink(tmp);
    free(tmp);
    if (rc != 0)
        errno = saved;
    return rc;
}
