/* merge.c — `tally merge`: adds up summaries of parts of an archive into the summary of the
 * whole (include/tally.h: tally_summary_read, tally_summary_add). Every file is read and checked
 * before anything is written; memory is that of one summary, whatever the number of files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libgen.h>
#include <unistd.h>

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
    /* the vocabulary */
    O_VOCAB,
    O_VOCAB_PART,
    O_VOCAB_TOP,
    O_MEMORY,
    O_TEMP_DIR,
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
    {O_VOCAB, 0, "vocab", "FILE", "Vocabulary",
     "The merged vocabulary, needed when the summaries have one (replaced atomically); the summary's "
     "top list is recomputed from it."},
    {O_VOCAB_PART, 0, "vocab-part", "FILE", "Vocabulary",
     "The vocabulary file of each SUMMARY, in their order (repeatable; by default the file each "
     "summary names, as named or beside the summary). Each must have the digest its summary records."},
    {O_VOCAB_TOP, 0, "vocab-top", "N", "Vocabulary", "Types listed in the merged summary (default 100)."},
    {O_MEMORY, 0, "memory", "SIZE", "Vocabulary", "Memory for the vocabulary merge (default 1G)."},
    {O_TEMP_DIR, 0, "temp-dir", "DIR", "Vocabulary", "Folder for its spilled runs (default $TMPDIR, else /tmp)."},
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
    "tally merge --vocab words.tsv -o total.json part-1.json part-2.json",
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

/* The vocabulary file of the summary at sum_path that records the name rec: as named, else the
 * same base name beside the summary. Returns a new string. */
static char *find_part(const char *sum_path, const char *rec)
{
    if (access(rec, R_OK) == 0 || rec[0] == '/')
        return strdup(rec);
    char *a = strdup(sum_path), *b = strdup(rec);
    char *out = NULL;
    if (a && b) {
        const char *dir = dirname(a), *base = basename(b);
        size_t n = strlen(dir) + strlen(base) + 2;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s/%s", dir, base);
    }
    free(a);
    free(b);
    return out;
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
    tally_outfile out = {0}, voc = {0};
    const char *vocab = NULL;
    const char **vparts = NULL;
    char **vfiles = NULL, **vdigests = NULL;
    size_t n_vparts = 0, n_vfiles = 0;
    tally_vocab_merge_options vo = {0, NULL, 100, 0};
    int r = tally_cli_parse(cmd, argc, argv, &args, &n_args);
    if (r)
        return r < 0 ? TALLY_EXIT_DONE : r;
    files = calloc(2 * n_args + 1, sizeof *files);
    kparts = calloc(n_args + 1, sizeof *kparts);
    vparts = calloc(n_args + 1, sizeof *vparts);
    vfiles = calloc(n_args + 1, sizeof *vfiles);
    vdigests = calloc(n_args + 1, sizeof *vdigests);
    if (!files || !kparts || !vparts || !vfiles || !vdigests) {
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
        case O_VOCAB:
            vocab = args[i].value;
            break;
        case O_VOCAB_PART:
            vparts[n_vparts++] = args[i].value;
            break;
        case O_VOCAB_TOP: {
            char *end;
            errno = 0;
            long n = strtol(args[i].value, &end, 10);
            if (errno || end == args[i].value || *end || n < 0 || n > 1000000000L) {
                tally_cli_usage_error(cmd, "--vocab-top: expected a number from 0 to 1000000000, not '%s'", args[i].value);
                goto out;
            }
            vo.top = (size_t)n;
            break;
        }
        case O_MEMORY:
            if (tally_cli_parse_size(args[i].value, &vo.memory) != 0) {
                tally_cli_usage_error(cmd, "--memory: expected a positive size such as 512M or 2G, not '%s'", args[i].value);
                goto out;
            }
            break;
        case O_TEMP_DIR:
            vo.temp_dir = args[i].value;
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
    if (kwic && vocab && strcmp(kwic, "-") == 0 && strcmp(vocab, "-") == 0) {
        tally_cli_usage_error(cmd, "--kwic - and --vocab - cannot share standard output: give one a FILE");
        goto out;
    }
    if (n_vparts && n_vparts != n_files) {
        tally_cli_usage_error(cmd, "--vocab-part: give one for each SUMMARY (%zu), not %zu", n_files, n_vparts);
        goto out;
    }
    if (vocab && strcmp(vocab, "-") == 0 && (!output || strcmp(output, "-") == 0)) {
        tally_cli_usage_error(cmd, "--vocab - needs the summary elsewhere: add -o FILE");
        goto out;
    }

    for (size_t i = 0; i < n_files; i++) {
        tally_summary *s = NULL;
        tally_error err;
        if (tally_cli_read_summary(files[i], &s) != 0)
            goto out;
        tally_vocab_info vi;
        if (tally_summary_vocabulary(s, &vi) == 0) {
            vfiles[n_vfiles] = n_vparts ? strdup(vparts[i]) : find_part(files[i], vi.file);
            vdigests[n_vfiles] = strdup(vi.digest);
            if (!vfiles[n_vfiles] || !vdigests[n_vfiles]) {
                fputs("tally: out of memory\n", stderr);
                rc = TALLY_EXIT_FATAL;
                tally_summary_free(s);
                n_vfiles++;
                goto out;
            }
            n_vfiles++;
        }
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
    tally_vocab_info tv;
    int has_vocab = tally_summary_vocabulary(total, &tv) == 0;
    if (has_vocab && !vocab) {
        tally_cli_usage_error(cmd, "the summaries have a vocabulary: give --vocab FILE for the merged one");
        goto out;
    }
    if (!has_vocab && (vocab || n_vparts)) {
        tally_cli_usage_error(cmd, "%s: the summaries have no vocabulary", vocab ? "--vocab" : "--vocab-part");
        goto out;
    }
    {
        /* no output may be an input: the summaries, the parts' vocabularies and concordances */
        const char **ins = calloc(n_files + n_vfiles + n_kparts + 1, sizeof *ins);
        if (!ins) {
            rc = TALLY_EXIT_FATAL;
            goto out;
        }
        for (size_t i = 0; i < n_files; i++)
            ins[i] = files[i];
        for (size_t i = 0; i < n_vfiles; i++)
            ins[n_files + i] = vfiles[i];
        for (size_t i = 0; i < n_kparts; i++)
            ins[n_files + n_vfiles + i] = kparts[i];
        tally_outfile_spec outs[3] = {{output, "-o"}, {vocab, "--vocab"}, {kwic, "--kwic"}};
        r = tally_outfile_check(cmd, outs, 3, ins, n_files + n_vfiles + n_kparts);
        free(ins);
        if (r) {
            rc = r;
            goto out;
        }
    }
    rc = TALLY_EXIT_FATAL;
    tally_outfile_catch_signals();
    if (tally_outfile_open(&out, output) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", output, strerror(errno));
        goto out;
    }
    if (has_vocab) {
        tally_error verr;
        if (tally_outfile_open(&voc, vocab) != 0) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", vocab, strerror(errno));
            goto out;
        }
        if (tally_vocab_merge(total, (const char *const *)vfiles, (const char *const *)vdigests, n_vfiles, voc.f, vocab,
                              &vo, &verr) != 0) {
            fprintf(stderr, "tally: %s\n", verr.message);
            rc = verr.code == TALLY_EIO ? TALLY_EXIT_FATAL : TALLY_EXIT_USAGE;
            goto out;
        }
        int e = tally_outfile_commit(&voc);
        if (e) {
            fprintf(stderr, "tally: cannot write '%s': %s\n", vocab, strerror(e));
            goto out;
        }
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
        tally_outfile_abort(&voc);
    }
    tally_summary_free(total);
    free(kparts);
    for (size_t i = 0; i < n_vfiles; i++) {
        free(vfiles[i]);
        free(vdigests[i]);
    }
    free(vfiles);
    free(vdigests);
    free(vparts);
    free(files);
    free(args);
    return rc;
}
