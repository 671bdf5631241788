/*
 * fdio: writing all of a buffer to a file descriptor.
 */
#ifndef MCP_FDIO_H
#define MCP_FDIO_H

#include <stddef.h>

/* write all `len` bytes, retrying short writes and EINTR; 0 or -errno */
int fd_write_all(int fd, const void *data, size_t len);

#endif
