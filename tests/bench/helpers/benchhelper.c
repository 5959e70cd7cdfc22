/* SPDX-License-Identifier: MIT
 *
 * benchhelper: the small native pieces of the lastcall benchmark suite.
 * One binary, several modes (first argument):
 *
 *   spawn ROUNDS WARMUP -- CMD1... [::: CMD2... ...]
 *       Start+exit timer. Each round runs every command once, in an order shuffled
 *       each round (the same orders every run), with posix_spawn + waitpid, stdio
 *       on /dev/null, and prints "INDEX NANOSECONDS STATUS" per measured run.
 *       Shuffled, no command always follows the same one: a rotation alone left
 *       each command one fixed predecessor, which shifted a run by about 10 us.
 *
 *   sleeper PIDFILE
 *       Writes its pid to PIDFILE (atomically) and sleeps until a signal kills it.
 *
 *   termignorer PIDFILE
 *       Same as sleeper but ignores SIGTERM, SIGINT and SIGQUIT.
 *
 *   relaychild FIFO
 *       Opens FIFO for writing, blocks SIGUSR1, writes an 8-byte 0 "ready" record,
 *       then for every SIGUSR1 received writes the CLOCK_MONOTONIC time (ns) of
 *       receipt as 8 bytes. Dies on SIGTERM.
 *
 *   relay SAMPLES WARMUP PID1 FIFO1 [PID2 FIFO2 ...]
 *       Sender. Waits for each FIFO's ready record, then for each sample and
 *       each target (rotating start) takes CLOCK_MONOTONIC, kill(PID, SIGUSR1),
 *       waits for the receipt time on FIFO. Prints "INDEX LATENCY_NS" lines;
 *       a lost signal (no receipt within 2 s) prints "INDEX -1".
 *
 *   orphans N TIMEOUT_MS
 *       Meant to run as the child of a PID 1 in a fresh PID namespace. Creates N
 *       orphaned grandchildren (children of one intermediate that exits at once)
 *       that block on a barrier pipe, releases the barrier
 *       (all exit at once) and polls kill(pid, 0) until every one is reaped by
 *       PID 1 (a zombie still answers kill 0). A pidfd per grandchild gives the
 *       time the last one exited. Prints one JSON line:
 *       {"n":N,"setup_ns":...,"exit_ns":...,"reap_ns":...,"left":...}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "benchhelper: %s: %s\n", what, strerror(errno));
    exit(3);
}

static void write_pidfile(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) die("open pidfile");
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0) die("write pidfile");
    if (rename(tmp, path) != 0) die("rename pidfile");
}

/* ---------------------------------------------------------------- spawn */
static int mode_spawn(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: spawn ROUNDS WARMUP -- CMD... [::: CMD...]\n");
        return 2;
    }
    int rounds = atoi(argv[2]), warmup = atoi(argv[3]);
    char **cmds[64];
    int ncmd = 0;
    cmds[ncmd++] = &argv[5];
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], ":::") == 0) {
            argv[i] = NULL;
            if (ncmd == 64) { fprintf(stderr, "too many commands\n"); return 2; }
            cmds[ncmd++] = &argv[i + 1];
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    uint64_t state = 0x9e3779b97f4a7c15u; /* xorshift64, fixed seed */
    int order[64];
    for (int r = 0; r < rounds + warmup; r++) {
        for (int j = 0; j < ncmd; j++) order[j] = j;
        for (int j = ncmd - 1; j > 0; j--) { /* Fisher-Yates */
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            int i = (int)(state % (uint64_t)(j + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int j = 0; j < ncmd; j++) {
            int k = order[j];
            pid_t pid;
            int64_t t0 = now_ns();
            int rc = posix_spawn(&pid, cmds[k][0], &fa, NULL, cmds[k], environ);
            if (rc != 0) { errno = rc; die("posix_spawn"); }
            int st;
            while (waitpid(pid, &st, 0) < 0) {
                if (errno != EINTR) die("waitpid");
            }
            int64_t t1 = now_ns();
            if (r >= warmup)
                printf("%d %lld %d\n", k, (long long)(t1 - t0), st);
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    return 0;
}

/* ------------------------------------------------------ sleeper & co. */
static int mode_sleeper(int argc, char **argv, int ignore_term) {
    if (argc < 3) { fprintf(stderr, "usage: sleeper PIDFILE\n"); return 2; }
    if (ignore_term) {
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
    }
    write_pidfile(argv[2]);
    for (;;) pause();
}

static int mode_relaychild(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: relaychild FIFO\n"); return 2; }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = open(argv[2], O_WRONLY);
    if (fd < 0) die("open fifo");
    int64_t zero = 0;
    if (write(fd, &zero, 8) != 8) die("write ready");
    for (;;) {
        siginfo_t si;
        int s = sigwaitinfo(&set, &si);
        if (s < 0) { if (errno == EINTR) continue; die("sigwaitinfo"); }
        int64_t t = now_ns();
        if (write(fd, &t, 8) != 8) return 0;
    }
}

static int read8(int fd, int64_t *v, int timeout_ms) {
    size_t got = 0;
    char *p = (char *)v;
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    while (got < 8) {
        int left = (int)((deadline - now_ns()) / 1000000);
        if (left < 0) return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, left);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return -1;
        ssize_t n = read(fd, p + got, 8 - got);
        if (n < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -1; }
        if (n == 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static int mode_relay(int argc, char **argv) {
    if (argc < 6 || (argc - 4) % 2 != 0) {
        fprintf(stderr, "usage: relay SAMPLES WARMUP PID FIFO [PID FIFO...]\n");
        return 2;
    }
    int samples = atoi(argv[2]), warmup = atoi(argv[3]);
    int n = (argc - 4) / 2;
    pid_t pids[64];
    int fds[64], lost[64], dead[64];
    if (n > 64) return 2;
    for (int i = 0; i < n; i++) {
        pids[i] = (pid_t)atoi(argv[4 + 2 * i]);
        fds[i] = open(argv[5 + 2 * i], O_RDWR | O_NONBLOCK);
        if (fds[i] < 0) die("open fifo");
        lost[i] = 0;
        int64_t v;
        dead[i] = read8(fds[i], &v, 5000) != 0;
        if (dead[i]) fprintf(stderr, "relay: target %d never became ready\n", i);
    }
    for (int r = 0; r < samples + warmup; r++) {
        for (int j = 0; j < n; j++) {
            int k = (r + j) % n;
            if (dead[k]) { if (r >= warmup) printf("%d -1\n", k); continue; }
            int64_t t0 = now_ns();
            if (kill(pids[k], SIGUSR1) != 0) { dead[k] = 1; continue; }
            int64_t t1;
            if (read8(fds[k], &t1, 2000) != 0) {
                if (r >= warmup) printf("%d -1\n", k);
                if (++lost[k] >= 3) dead[k] = 1;
                continue;
            }
            if (r >= warmup) printf("%d %lld\n", k, (long long)(t1 - t0));
        }
    }
    return 0;
}

/* -------------------------------------------------------------- orphans */
static int mode_orphans(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: orphans N TIMEOUT_MS\n"); return 2; }
    int n = atoi(argv[2]);
    int timeout_ms = atoi(argv[3]);
    int pidpipe[2], barrier[2];
    if (pipe(pidpipe) != 0 || pipe(barrier) != 0) die("pipe");
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids) die("calloc");
    int64_t ts = now_ns();
    /* One intermediate forks all N grandchildren, then exits: they become orphans of
     * PID 1 together, and setup costs N+1 forks rather than 2N. */
    pid_t mid = fork();
    if (mid < 0) die("fork");
    if (mid == 0) {
        for (int i = 0; i < n; i++) {
            pid_t g = fork();
            if (g < 0) _exit(1);
            if (g == 0) {
                close(barrier[1]);
                close(pidpipe[0]);
                pid_t me = getpid();
                if (write(pidpipe[1], &me, sizeof me) != sizeof me) _exit(1);
                close(pidpipe[1]);
                char c;
                while (read(barrier[0], &c, 1) < 0 && errno == EINTR) {}
                _exit(0);
            }
        }
        _exit(0);
    }
    int st;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {}
    close(pidpipe[1]);
    close(barrier[0]);
    int have = 0;
    while (have < n) {
        ssize_t r = read(pidpipe[0], &pids[have], sizeof(pid_t));
        if (r == (ssize_t)sizeof(pid_t)) { have++; continue; }
        if (r < 0 && errno == EINTR) continue;
        break;
    }
    /* A pidfd turns readable when its process has exited (zombie or gone): that gives
     * the time of the last exit, so reap_ns - exit_ns is what PID 1 adds after it. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)have + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct pollfd *pfds = calloc((size_t)have + 1, sizeof *pfds);
    if (!pfds) die("calloc");
    int npfd = 0;
    for (int i = 0; i < have; i++) {
        int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
        if (fd < 0) { npfd = -1; break; }
        pfds[npfd].fd = fd;
        pfds[npfd++].events = POLLIN;
    }
    int64_t setup = now_ns() - ts;
    int64_t t0 = now_ns();
    close(barrier[1]); /* release: every grandchild sees EOF and exits */
    int left = have;
    int64_t deadline = t0 + (int64_t)timeout_ms * 1000000;
    int64_t t_exit = npfd < 0 ? -1 : 0;
    struct timespec nap = {0, 200000};
    while (left > 0 && now_ns() < deadline) {
        if (npfd > 0) {
            if (poll(pfds, (nfds_t)npfd, 0) > 0) {
                int w = 0;
                for (int i = 0; i < npfd; i++) {
                    if (pfds[i].revents) close(pfds[i].fd);
                    else pfds[w++] = pfds[i];
                }
                npfd = w;
            }
            if (npfd == 0) t_exit = now_ns(); /* the pass in which the last one exited */
        }
        int w = 0;
        for (int i = 0; i < left; i++) {
            if (kill(pids[i], 0) == 0 || errno != ESRCH) pids[w++] = pids[i];
        }
        left = w;
        if (left > 0) nanosleep(&nap, NULL);
    }
    int64_t t1 = now_ns();
    /* the last ones exited and were reaped between this pass's poll and its kill check */
    if (t_exit == 0 && left == 0) t_exit = t1;
    printf("{\"n\":%d,\"setup_ns\":%lld,\"exit_ns\":%lld,\"reap_ns\":%lld,\"left\":%d}\n",
           have, (long long)setup, (long long)(t_exit > 0 ? t_exit - t0 : -1),
           (long long)(t1 - t0), left + (n - have));
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: benchhelper spawn|sleeper|termignorer|relaychild|relay|orphans ...\n");
        return 2;
    }
    const char *m = argv[1];
    if (!strcmp(m, "spawn")) return mode_spawn(argc, argv);
    if (!strcmp(m, "sleeper")) return mode_sleeper(argc, argv, 0);
    if (!strcmp(m, "termignorer")) return mode_sleeper(argc, argv, 1);
    if (!strcmp(m, "relaychild")) return mode_relaychild(argc, argv);
    if (!strcmp(m, "relay")) return mode_relay(argc, argv);
    if (!strcmp(m, "orphans")) return mode_orphans(argc, argv);
    fprintf(stderr, "benchhelper: unknown mode %s\n", m);
    return 2;
}
