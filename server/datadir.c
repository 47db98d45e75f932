/* The data directory's lock (datadir.h). An flock on DIR/weft.lock: the
 * kernel drops it when the process ends however it ends (kill -9
 * included), so a stale lock never keeps a server from starting. Main
 * thread. */
#include "weft/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int weft_datadir_lock(const char *dir, int *fd_out)
{
	char path[4096];
	if (mkdir_p(dir))
		return WEFT_EIO;
	snprintf(path, sizeof path, "%s/weft.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return WEFT_EIO;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int busy = errno == EWOULDBLOCK;
		close(fd);
		return busy ? WEFT_EBUSY : WEFT_EIO;
	}
	*fd_out = fd;
	return WEFT_OK;
}

void weft_datadir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
