/* A test-only LD_PRELOAD library that simulates a full disk for one folder:
 * once HPT_ENOSPC_BYTES bytes have been written to files under HPT_ENOSPC_DIR
 * (counted over all of them, as a disk counts), write(), pwrite(), pwrite64()
 * and writev() on such files write what still fits and then fail with ENOSPC,
 * exactly what the kernel returns on a full file system. Everything else
 * (stdout, logs, other folders) is untouched. Used by tst_store_faults.cpp;
 * see there for why this instead of RLIMIT_FSIZE or a tiny mounted file system. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <atomic>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void*, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec*, int);
static char dir[PATH_MAX];
static size_t dirLen;

static void resolve() {
    if (real_write) return;
    real_write = reinterpret_cast<decltype(real_write)>(dlsym(RTLD_NEXT, "write"));
    real_pwrite = reinterpret_cast<decltype(real_pwrite)>(dlsym(RTLD_NEXT, "pwrite"));
    real_pwrite64 = reinterpret_cast<decltype(real_pwrite64)>(dlsym(RTLD_NEXT, "pwrite64"));
    real_writev = reinterpret_cast<decltype(real_writev)>(dlsym(RTLD_NEXT, "writev"));
}
static long long budget = -1; /* -1: not configured, pass everything through */
static std::atomic<long long> used{0};

__attribute__((constructor)) static void init() {
    resolve();
    const char* d = getenv("HPT_ENOSPC_DIR");
    const char* b = getenv("HPT_ENOSPC_BYTES");
    if (!d || !b || !*d) return;
    if (!realpath(d, dir)) return;
    dirLen = strlen(dir);
    budget = atoll(b);
}

/* Bytes this write may still put on the "disk" (n when the fd is not under the folder). */
static size_t allowance(int fd, size_t n) {
    if (budget < 0 || fd < 0) return n;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0) return n;
    path[len] = 0;
    if (strncmp(path, dir, dirLen) != 0 || (path[dirLen] != '/' && path[dirLen] != 0)) return n;
    long long u = used.load();
    for (;;) {
        const long long left = budget - u;
        const size_t take = left <= 0 ? 0 : (size_t)left < n ? (size_t)left : n;
        if (used.compare_exchange_weak(u, u + (long long)take)) return take;
    }
}

extern "C" ssize_t write(int fd, const void* buf, size_t n) {
    resolve();
    const size_t ok = allowance(fd, n);
    if (ok == 0 && n > 0) { errno = ENOSPC; return -1; }
    return real_write(fd, buf, ok);
}

extern "C" ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
    resolve();
    const size_t ok = allowance(fd, n);
    if (ok == 0 && n > 0) { errno = ENOSPC; return -1; }
    return real_pwrite(fd, buf, ok, off);
}

extern "C" ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
    resolve();
    const size_t ok = allowance(fd, n);
    if (ok == 0 && n > 0) { errno = ENOSPC; return -1; }
    return real_pwrite64(fd, buf, ok, off);
}

extern "C" ssize_t writev(int fd, const struct iovec* iov, int cnt) {
    resolve();
    size_t n = 0;
    for (int i = 0; i < cnt; ++i) n += iov[i].iov_len;
    const size_t ok = allowance(fd, n);
    if (ok == n) return real_writev(fd, iov, cnt);
    if (ok == 0 && n > 0) { errno = ENOSPC; return -1; }
    /* Partial: write the first `ok` bytes only. */
    size_t done = 0;
    for (int i = 0; i < cnt && done < ok; ++i) {
        size_t part = iov[i].iov_len < ok - done ? iov[i].iov_len : ok - done;
        ssize_t w = real_write(fd, iov[i].iov_base, part);
        if (w < 0) return done ? (ssize_t)done : -1;
        done += (size_t)w;
        if ((size_t)w < part) break;
    }
    return (ssize_t)done;
}
