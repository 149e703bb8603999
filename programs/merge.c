/* merge.c — `tally merge`: adds up summaries of parts of an archive into the summary of the
 * whole (include/tally.h: tally_summary_read, tally_summary_add). Every file is read and checked
 * before anything is written; memory is that of one summary, whatever the number of files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kwicmerge.h"
#include "outfile.h"
#include "tally.h"

enum {
    O_ALLOW_SAME = TALLY_CLI_LONG,
    /* concordance lines */
    O_KWIC,
    O_KWIC_PART,
    O_KWIC_MAX,
};

static const tally_cli_option options[] = {
    {'o', 'o', "output", "FILE", "Output",
     "The merged summary (default standard output; - is standard output), replaced atomically."},
    {O_ALLOW_SAME, 0, "allow-same-path", NULL, "Merging",
     "Add summaries that both count an input of the same path (by default a usage error: the usual "
     "mistake of merging a part twice)."},
    {O_KWIC, 0, "kwic", "FILE", "Concordance",
     "Merge the parts' concordance files (--kwic-part) into FILE, replaced atomically."},
    {O_KWIC_PART, 0, "kwic-part", "FILE", "Concordance",
     "A part's concordance file, as tally scan --kwic wrote it (repeatable)."},
    {O_KWIC_MAX, 0, "kwic-max", "N", "Concordance",
     "Lines per keyword in the merged concordance (default 20; 0: all); give the parts' --kwic-max."},
    {'q', 'q', "quiet", NULL, "Output", "No report on standard error."},
    {'h', 'h', "help", NULL, "Running", "This help."},
    {'V', 'V', "version", NULL, "Running", "Print the version."},
};

static const tally_cli_status statuses[] = {
    {"0", "The summaries were added; every input and document of every part was read."},
    {"1", "The merged summary cannot be written; no output file is left behind."},
    {"2", "Usage error, or a summary that cannot be added: not a tally summary, damaged, of another "
          "schema version, of another dictionary or counting settings, or counting an input that "
          "another one counts too. Nothing is written."},
    {"3", "The summaries were added, but some parts skipped inputs or documents (listed in it)."},
};

static const char *const examples[] = {
    "tally merge -o total.json nights/2026-11-*.json",
    "tally merge part-1.json part-2.json part-3.json > total.json",
};

static int run(const tally_cli_command *cmd, int argc, char **argv);

const tally_cli_command tally_merge_command = {
    .name = "merge",
    .synopsis = "[OPTIONS] SUMMARY...",
    .summary = "add up summaries of parts of an archive",
    .description =
        "Add up summaries written by tally scan (or by tally merge) into one: every count adds,\n"
        "per_10k follows from the added totals, inputs and errors are joined in their order. For\n"
        "summaries of disjoint inputs, the result is the summary one scan of all the inputs gives,\n"
        "byte for byte but its \"run\" object, whatever the order and grouping of the merges.\n"
        "Summaries of another dictionary or counting settings (another fingerprint), and two that\n"
        "count the same input path, are refused before anything is written.\n",
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .statuses = statuses,
    .n_statuses = sizeof statuses / sizeof statuses[0],
    .examples = examples,
    .n_examples = sizeof examples / sizeof examples[0],
    .run = run,
};

/* The earlier file (of files[0, upto)) that counts input path, for the message; NULL if none
 * is found (it was read once already, so this only runs on the way to an error). */
static const char *who_counts(char **files, size_t upto, const char *path)
{
    for (size_t i = 0; i < upto; i++) {
        tally_summary *s = NULL;
        tally_error err;
        if (tally_summary_read(files[i], &s, &err) != 0)
            continue;
        int hit = 0;
        for (size_t k = 0; k < tally_summary_input_count(s) && !hit; k++) {
            tally_input_info in;
            tally_summary_input(s, k, &in);
            hit = strcmp(in.path, path) == 0;
        }
        tally_summary_free(s);
        if (hit)
            return files[i];
    }
    return NULL;
}

static int run(const tally_cli_command *cmd, int argc, char **argv)
{
    int rc = TALLY_EXIT_USAGE;
    tally_cli_arg *args = NULL;
    size_t n_args = 0;
    char **files = NULL;
    size_t n_files = 0;
    const char *output = NULL, *kwic = NULL;
    char **kparts = NULL;
    size_t n_kparts = 0, kwic_max = 20;
    tally_outfile kout = {0};
    unsigned flags = 0;
    int quiet = 0;
    tally_summary *total = NULL;
    tally_outfile out = {0};
    int r = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (r)
        return r < 0 ? TALLY_EXIT_DONE : r;
    files = calloc(2 * n_args + 1, sizeof *files);
    kparts = calloc(n_args + 1, sizeof *kparts);
    if (!files || !kparts) {
        fputs("tally: out of memory\n", stderr);
        rc = TALLY_EXIT_FATAL;
        goto out;
    }
    for (size_t i = 0; i < n_args; i++) {
        switch (args[i].id) {
        case TALLY_CLI_INPUT:
            files[n_files++] = (char *)args[i].value;
            break;
        case 'o':
            output = args[i].value;
            break;
        case O_ALLOW_SAME:
            flags |= TALLY_ADD_ALLOW_SAME_PATH;
            break;
        case O_KWIC:
            kwic = args[i].value;
            break;
        case O_KWIC_PART:
            kparts[n_kparts++] = (char *)args[i].value;
            break;
        case O_KWIC_MAX: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(args[i].value, &end, 10);
            if (!args[i].value[0] || *end || errno || args[i].value[0] == '-' || v > SIZE_MAX) {
                tally_cli_usage_error(cmd, "--kwic-max: expected a number from 0, not '%s'", args[i].value);
                goto out;
            }
            kwic_max = (size_t)v;
            break;
        }
        case 'q':
            quiet = 1;
            break;
        }
    }
    if (n_files == 0) {
        tally_cli_usage_error(cmd, "no SUMMARY given");
        goto out;
    }
    if (!kwic != !n_kparts) {
        tally_cli_usage_error(cmd, kwic ? "--kwic needs the parts' files: --kwic-part FILE" : "--kwic-part needs --kwic FILE");
        goto out;
    }
    if (kwic && strcmp(kwic, "-") == 0 && (!output || strcmp(output, "-") == 0)) {
        tally_cli_usage_error(cmd, "--kwic - needs the summary elsewhere: add -o FILE");
        goto out;
    }
    /* the parts' concordance files are inputs too */
    for (size_t i = 0; i < n_kparts; i++)
        files[n_files + i] = kparts[i];
    tally_outfile_spec outs[2] = {{output, "-o"}, {kwic, "--kwic"}};
    if ((r = tally_outfile_check(cmd, outs, 2, (const char *const *)files, n_files + n_kparts)) != 0)
        goto out;

    for (size_t i = 0; i < n_files; i++) {
        tally_summary *s = NULL;
        tally_error err;
        if (tally_cli_read_summary(files[i], &s) != 0)
            goto out;
        if (!total) {
            total = s;
            continue;
        }
        if (tally_summary_add(total, s, flags, &err) != 0) {
            const char *q = strstr(err.message, "count the input '");
            const char *other = NULL;
            if (q) {
                /* name the earlier file that counts it too */
                const char *p = q + strlen("count the input '");
                const char *e = strrchr(p, '\'');
                char *path = e ? strndup(p, (size_t)(e - p)) : NULL;
                other = path ? who_counts(files, i, path) : NULL;
                free(path);
                fprintf(stderr, "tally: cannot add %s to %s: %s; --allow-same-path adds them anyway\n", files[i],
                        other ? other : files[0], err.message);
            } else {
                fprintf(stderr, "tally: cannot add %s to %s: %s\n", files[i], files[0],
                        err.message);
            }
            tally_summary_free(s);
            goto out;
        }
        tally_summary_free(s);
    }
    rc = TALLY_EXIT_FATAL;
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    if (tally_summary_write(total, out.f) != 0) {
        fprintf(stderr, "tally: cannot write the merged summary: %s\n", strerror(errno ? errno : EIO));
        goto out;
    }
    if (kwic) {
        if (tally_outfile_open(&kout, kwic) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", kwic, strerror(errno));
            goto out;
        }
        int kr = tally_kwic_merge(kparts, n_kparts, kwic_max, kout.f);
        if (kr) {
            if (kr == 1)
                fprintf(stderr, "tally: cannot write '%s': %s\n", kwic, strerror(errno ? errno : EIO));
            rc = kr == 2 ? TALLY_EXIT_USAGE : TALLY_EXIT_FATAL;
            goto out;
        }
        int ke = tally_outfile_commit(&kout);
        if (ke) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", kwic, strerror(ke));
            goto out;
        }
    }
    int e = tally_outfile_commit(&out);
    if (e) {
        fprintf(stderr, "tally: cannot write the merged summary: %s\n", strerror(e));
        goto out;
    }
    tally_totals t;
    tally_summary_totals(total, &t);
    int partial = t.failed_inputs || t.skipped_documents || tally_summary_error_count(total);
    if (!quiet && partial)
        fprintf(stderr, "tally: the parts skipped %llu documents and %llu inputs failed (%zu errors listed in the summary)\n",
                (unsigned long long)t.skipped_documents, (unsigned long long)t.failed_inputs,
                tally_summary_error_count(total));
    rc = partial ? TALLY_EXIT_PARTIAL : TALLY_EXIT_DONE;
out:
    if (rc != TALLY_EXIT_DONE && rc != TALLY_EXIT_PARTIAL) {
        tally_outfile_abort(&kout);
        tally_outfile_abort(&out);
    }
    tally_summary_free(total);
    free(kparts);
    free(files);
    free(args);
    return rc;
}
