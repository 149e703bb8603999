/* btime.c — runs one command and prints its wall time, peak RSS and exit status, for
 * bench/run.sh: the end-to-end benchmarks time every tool (tally, rg, grep, python, zstd, cat)
 * through this one helper, so all of them are measured the same way.
 *
 *   btime [-i IN] [-o OUT] [-e ERR] -- COMMAND [ARG...]
 *
 * The command's standard input is IN (default /dev/null), its standard output OUT (default
 * /dev/null) and its standard error ERR (default: inherited). Prints "SECONDS MAXRSS_KB STATUS" on one line:
 * SECONDS is CLOCK_MONOTONIC wall time from fork to wait, MAXRSS_KB the ru_maxrss of the waited
 * child (largest of it and its own waited descendants), STATUS its exit status (128+N for a
 * signal). No shell is involved, so nothing but the command itself is measured. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *in = "/dev/null", *out = "/dev/null", *errf = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 < argc && strcmp(argv[i], "-i") == 0)
            in = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "-o") == 0)
            out = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "-e") == 0)
            errf = argv[++i];
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: btime [-i IN] [-o OUT] [-e ERR] -- COMMAND [ARG...]\n");
        return 2;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("btime: fork");
        return 1;
    }
    if (pid == 0) {
        int fi = open(in, O_RDONLY);
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fi < 0 || fo < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0) {
            fprintf(stderr, "btime: %s: %s\n", fi < 0 ? in : out, strerror(errno));
            _exit(127);
        }
        close(fi);
        close(fo);
        if (errf) {
            int fe = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fe < 0 || dup2(fe, 2) < 0)
                _exit(127);
            close(fe);
        }
        execvp(argv[i], argv + i);
        fprintf(stderr, "btime: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("btime: wait4");
            return 1;
        }
    }
    double t = now() - t0;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("%.6f %ld %d\n", t, ru.ru_maxrss, code);
    return 0;
}
