/* dictcompile.c — measures how long tally takes to load and compile a dictionary file, and the
 * process's peak memory, through the public tally_dict_* API (include/tally.h):
 *
 *   dictcompile DICT
 *
 * Prints "KEYWORDS LOAD_MS COMPILE_MS TOTAL_MS MAXRSS_KB": LOAD_MS is tally_dict_add_file (parse,
 * tokenize, normalize every term), COMPILE_MS tally_dict_compile (vocabulary, prefix tables, trie),
 * TOTAL_MS both, MAXRSS_KB getrusage(RUSAGE_SELF) ru_maxrss at the end (the dictionary is still
 * alive then). */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "tally.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: dictcompile DICT\n", stderr);
        return 2;
    }
    tally_error err = {0};
    double t0 = now_ms();
    tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
    int rc = tally_dict_add_file(d, argv[1], &err);
    double t1 = now_ms();
    if (rc == 0)
        rc = tally_dict_compile(d, &err);
    double t2 = now_ms();
    if (rc != 0) {
        fprintf(stderr, "dictcompile: %s:%llu: %s\n", argv[1], (unsigned long long)err.line, err.message);
        tally_dict_free(d);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu %.3f %.3f %.3f %ld\n", tally_dict_keyword_count(d), t1 - t0, t2 - t1, t2 - t0, ru.ru_maxrss);
    tally_dict_free(d);
    return 0;
}
