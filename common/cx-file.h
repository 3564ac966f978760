/* cx-file.h: reading a whole file with a size cap, and replacing a file atomically.
 *
 * Ownership: cx_read_file returns a malloc'd buffer the caller frees (cx_wipe_free when the file
 * held a key or a secret: the buffer is never realloc'd, so no copy of it is left elsewhere). */
#ifndef CX_FILE_H
#define CX_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads the whole file at path, at most max bytes, into a NUL-terminated buffer; *len (may be
 * NULL) excludes the NUL. Returns NULL with errno set: ENOENT when the file does not exist, EFBIG
 * when it is larger than max, ENOMEM, or what open/read said. Pipes and growing files work: it
 * reads to EOF rather than trusting the size. */
char *cx_read_file(const char *path, size_t max, size_t *len);

/* Replaces path with data[0..len) so that readers, and a crash, see either the old file or all of
 * the new one: a temporary file in the same directory is written, fsynced and renamed over path,
 * then the directory is fsynced. The file gets exactly mode (0600 for keys), whatever the umask.
 * Returns 0, or -1 with errno set (the temporary file is removed then). */
int cx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
