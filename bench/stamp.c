// stamp: a tiny static program for measuring start latency (bench/run, row 3).
//
//   stamp                 print CLOCK_REALTIME in nanoseconds on stdout and exit
//                         (run as the container's process: its first instruction
//                         is, within a few microseconds, this clock read)
//   stamp -x FILE CMD...  write CLOCK_REALTIME in ns to FILE, then execv CMD
//                         (run on the host: the time just before `RUNTIME start`
//                         is exec'd, without a fork or an interpreter in between)
//   stamp -m FILE CMD...  run CMD (stdio on /dev/null), wait for it and write
//                         "<ru_maxrss KiB> <exit status>" to FILE: the peak RSS of
//                         CMD's process tree, forked from this tiny static program
//                         so that no interpreter's pages are counted in it
//   stamp -F FD FILE CMD...  open FILE read-only as fd FD, then execv CMD (hands
//                         bwrap its compiled seccomp filter: `bwrap --seccomp FD`)
//   stamp -w FIFO CMD...  block until one byte can be read from FIFO, then execv
//                         CMD; with `stamp -W FIFO` (write one byte, exit) it is
//                         the floor of row 3: a runtime whose `start` does nothing
//                         but release a waiting process that execs the payload
//
// No stdio, no allocation: the startup cost is libc's static init only.
// Build: gcc -static -O2 -s -o stamp stamp.c
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int format_ns(char* buf, const struct timespec* ts) {
    unsigned long long v = (unsigned long long)ts->tv_sec * 1000000000ULL + (unsigned long long)ts->tv_nsec;
    char tmp[32];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
    buf[n++] = '\n';
    return n;
}

int main(int argc, char** argv) {
    struct timespec ts;
    char buf[32];
    if (argc >= 4 && strcmp(argv[1], "-x") == 0) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return 126;
        clock_gettime(CLOCK_REALTIME, &ts);
        int n = format_ns(buf, &ts);
        if (write(fd, buf, (size_t)n) != n) return 126;
        close(fd);
        execv(argv[3], argv + 3);
        return 127;
    }
    if (argc >= 5 && strcmp(argv[1], "-F") == 0) {
        int want = atoi(argv[2]);
        int fd = open(argv[3], O_RDONLY);
        if (fd < 0 || want < 3) return 126;
        if (fd != want && (dup2(fd, want) < 0 || close(fd) < 0)) return 126;
        execv(argv[4], argv + 4);
        return 127;
    }
    if (argc >= 4 && strcmp(argv[1], "-w") == 0) {
        int fd = open(argv[2], O_RDWR | O_CLOEXEC);  // RDWR: read blocks until a byte comes
        char byte;
        if (fd < 0 || read(fd, &byte, 1) != 1) return 126;
        close(fd);
        execv(argv[3], argv + 3);
        return 127;
    }
    if (argc == 3 && strcmp(argv[1], "-W") == 0) {
        int fd = open(argv[2], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fd >= 0 && write(fd, "0", 1) == 1 ? 0 : 126;
    }
    if (argc >= 4 && strcmp(argv[1], "-m") == 0) {
        pid_t pid = fork();
        if (pid < 0) return 126;
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            execv(argv[3], argv + 3);
            _exit(127);
        }
        int status = 0;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) return 126;
        FILE* f = fopen(argv[2], "w");
        if (!f) return 126;
        fprintf(f, "%ld %d\n", ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return fclose(f) == 0 ? 0 : 126;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = format_ns(buf, &ts);
    return write(1, buf, (size_t)n) == n ? 0 : 1;
}
