/*
 * fdio: writing all of a buffer to a file descriptor.
 */
#ifndef MCP_FDIO_H
#define MCP_FDIO_H

#include <stddef.h>

/* write all `len` bytes, retrying short writes and EINTR; 0 or -errno */
int fd_write_all(int fd, const void *data, size_t len);

struct iovec;
/*
 * The same for `n` pieces, in one writev() when the pipe takes them all:
 * a line and its newline wake the reader once, not twice.  `iov` is
 * consumed (advanced past what was written).
 */
int fd_writev_all(int fd, struct iovec *iov, int n);

#endif
