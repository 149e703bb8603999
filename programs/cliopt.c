/* cliopt.c — the option tables turned into a parser (getopt_long), --help and the man page (see
 * cliopt.h). The tables themselves live with their subcommands (scan.c, bench_cmd.c). */
#include "cliopt.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define HELP_WIDTH 79
#define HELP_TEXT_COL 27 /* where an option's help text starts */

void tally_cli_usage_error(const tally_cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tally: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd && cmd->name)
        fprintf(stderr, "\nTry 'tally %s --help'.\n", cmd->name);
    else
        fputs("\nTry 'tally --help'.\n", stderr);
}

static const tally_cli_option *find_id(const tally_cli_command *cmd, int id)
{
    for (size_t i = 0; i < cmd->n_options; i++)
        if (cmd->options[i].id == id)
            return &cmd->options[i];
    return NULL;
}

const char *tally_cli_option_name(const tally_cli_command *cmd, int id)
{
    static char buf[2][64];
    static int turn;
    const tally_cli_option *o = find_id(cmd, id);
    char *b = buf[turn ^= 1];
    if (!o)
        return "?";
    if (o->long_name)
        snprintf(b, sizeof buf[0], "--%s", o->long_name);
    else
        snprintf(b, sizeof buf[0], "-%c", o->short_name);
    return b;
}

size_t tally_cli_edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    /* two rows of the classic table; names are short, so a fixed bound is enough */
    size_t row[2][65];
    if (na > 64)
        na = 64;
    if (nb > 64)
        nb = 64;
    for (size_t j = 0; j <= nb; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t *cur = row[i & 1], *prev = row[(i - 1) & 1];
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    }
    return row[na & 1][nb];
}

const char *tally_cli_nearest(const char *word, size_t len, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = tally_cli_edit_distance(word, len, cands[i], strlen(cands[i]));
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    /* near enough to be a slip of the keyboard, not just any other name */
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    if (!best || best_d > limit || best_d >= len)
        return NULL;
    return best;
}

/* An argument getopt_long did not accept that starts with "--": ambiguous or unknown. */
static void bad_long(const tally_cli_command *cmd, const char *arg)
{
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    size_t n_prefix = 0;
    const char *names[128];
    size_t n_names = 0;
    for (size_t i = 0; i < cmd->n_options; i++) {
        const char *ln = cmd->options[i].long_name;
        if (!ln)
            continue;
        if (n_names < 128)
            names[n_names++] = ln;
        if (strncmp(ln, name, len) == 0)
            n_prefix++;
    }
    if (n_prefix > 1) {
        fprintf(stderr, "tally: option '--%.*s' is ambiguous; possibilities:", (int)len, name);
        for (size_t i = 0; i < n_names; i++)
            if (strncmp(names[i], name, len) == 0)
                fprintf(stderr, " --%s", names[i]);
        if (cmd->name)
            fprintf(stderr, "\nTry 'tally %s --help'.\n", cmd->name);
        else
            fputs("\nTry 'tally --help'.\n", stderr);
        return;
    }
    const char *near = tally_cli_nearest(name, len, names, n_names);
    if (near)
        tally_cli_usage_error(cmd, "unknown option '--%.*s'; did you mean --%s?", (int)len, name, near);
    else
        tally_cli_usage_error(cmd, "unknown option '--%.*s'", (int)len, name);
}

static void print_version(void)
{
    printf("tally %s\n", TALLY_VERSION);
}

int tally_cli_parse(const tally_cli_command *cmd, int argc, char **argv, tally_cli_arg **out,
                    size_t *n_out)
{
    struct option *longopts = calloc(cmd->n_options + 1, sizeof *longopts);
    /* '-': non-options come back in order as option 1 (also under POSIXLY_CORRECT);
     * ':': a missing argument returns ':' and getopt prints nothing itself */
    char *shorts = calloc(2 * cmd->n_options + 3, 1);
    tally_cli_arg *args = calloc((size_t)argc + 1, sizeof *args);
    size_t n = 0, k = 0;
    int rc = TALLY_EXIT_USAGE;
    if (!longopts || !shorts || !args) {
        fputs("tally: out of memory\n", stderr);
        rc = TALLY_EXIT_FATAL;
        goto out;
    }
    shorts[k++] = '-';
    shorts[k++] = ':';
    for (size_t i = 0, j = 0; i < cmd->n_options; i++) {
        const tally_cli_option *o = &cmd->options[i];
        if (o->long_name) {
            longopts[j].name = o->long_name;
            longopts[j].has_arg = o->arg ? required_argument : no_argument;
            longopts[j].val = o->id;
            j++;
        }
        if (o->short_name) {
            shorts[k++] = o->short_name;
            if (o->arg)
                shorts[k++] = ':';
        }
    }
    optind = 0; /* a full reset of glibc's getopt state */
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, shorts, longopts, NULL);
        if (c == -1)
            break;
        const char *last = argv[optind - 1];
        if (c == '?') {
            const tally_cli_option *o = optopt ? find_id(cmd, optopt) : NULL;
            if (o && strncmp(last, "--", 2) == 0)
                tally_cli_usage_error(cmd, "option '--%s' takes no argument", o->long_name);
            else if (!optopt && strncmp(last, "--", 2) == 0)
                bad_long(cmd, last);
            else if (optopt > 0 && optopt < TALLY_CLI_LONG)
                tally_cli_usage_error(cmd, "unknown option '-%c'", optopt);
            else
                tally_cli_usage_error(cmd, "unknown option '%s'", last);
            goto out;
        }
        if (c == ':') {
            const tally_cli_option *o = find_id(cmd, optopt);
            if (o && o->short_name && strncmp(last, "--", 2) != 0)
                tally_cli_usage_error(cmd, "option '-%c' needs an argument: %s", o->short_name, o->arg);
            else if (o)
                tally_cli_usage_error(cmd, "option '%s' needs an argument: %s",
                                      tally_cli_option_name(cmd, o->id), o->arg);
            else
                tally_cli_usage_error(cmd, "option '%s' needs an argument", last);
            goto out;
        }
        if (c == 'h' && find_id(cmd, 'h')) {
            tally_cli_help(cmd, stdout);
            rc = -1;
            goto out;
        }
        if (c == 'V' && find_id(cmd, 'V')) {
            print_version();
            rc = -1;
            goto out;
        }
        args[n].id = c;
        args[n].value = optarg;
        n++;
    }
    /* after "--" */
    for (int i = optind; i < argc; i++) {
        args[n].id = TALLY_CLI_INPUT;
        args[n].value = argv[i];
        n++;
    }
    *out = args;
    *n_out = n;
    args = NULL;
    rc = 0;
out:
    free(args);
    free(longopts);
    free(shorts);
    return rc;
}

/* ---- --help ------------------------------------------------------------------------------- */

/* Writes text wrapped at HELP_WIDTH; the first line continues at column col, later ones start at
 * indent. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    int first_word = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t wl = strcspn(p, " ");
        if (!first_word && col + 1 + wl > HELP_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first_word) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, wl, f);
        col += wl;
        p += wl;
        first_word = 0;
    }
    fputc('\n', f);
}

static int option_label(const tally_cli_option *o, char *buf, size_t cap)
{
    if (o->short_name && o->long_name)
        return snprintf(buf, cap, "-%c, --%s%s%s", o->short_name, o->long_name, o->arg ? " " : "",
                        o->arg ? o->arg : "");
    if (o->short_name)
        return snprintf(buf, cap, "-%c%s%s", o->short_name, o->arg ? " " : "", o->arg ? o->arg : "");
    return snprintf(buf, cap, "    --%s%s%s", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* The sections in order of first appearance. Returns their number. */
static size_t sections(const tally_cli_command *cmd, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < cmd->n_options; i++) {
        size_t j = 0;
        while (j < n && strcmp(out[j], cmd->options[i].section) != 0)
            j++;
        if (j == n && n < cap)
            out[n++] = cmd->options[i].section;
    }
    return n;
}

void tally_cli_help(const tally_cli_command *cmd, FILE *f)
{
    fprintf(f, "Usage: tally %s%s%s\n", cmd->name ? cmd->name : "", cmd->name ? " " : "", cmd->synopsis);
    fputs(cmd->description, f);
    const char *secs[32];
    size_t ns = sections(cmd, secs, 32);
    for (size_t s = 0; s < ns; s++) {
        fprintf(f, "\n%s:\n", secs[s]);
        for (size_t i = 0; i < cmd->n_options; i++) {
            const tally_cli_option *o = &cmd->options[i];
            if (strcmp(o->section, secs[s]) != 0)
                continue;
            char label[96];
            int l = option_label(o, label, sizeof label);
            fprintf(f, "  %s", label);
            size_t col = 2 + (size_t)l;
            if (col + 2 > HELP_TEXT_COL) {
                fprintf(f, "\n%*s", HELP_TEXT_COL, "");
                col = HELP_TEXT_COL;
            } else {
                fprintf(f, "%*s", (int)(HELP_TEXT_COL - col), "");
                col = HELP_TEXT_COL;
            }
            wrap(f, o->help, col, HELP_TEXT_COL);
        }
    }
    if (cmd->n_statuses) {
        fputs("\nExit status:\n", f);
        for (size_t i = 0; i < cmd->n_statuses; i++) {
            int l = fprintf(f, "  %s", cmd->statuses[i].code);
            fprintf(f, "%*s", l < 11 ? 11 - l : 1, "");
            wrap(f, cmd->statuses[i].meaning, l < 11 ? 11 : (size_t)l + 1, 11);
        }
    }
    if (cmd->n_examples) {
        fputs("\nExamples:\n", f);
        for (size_t i = 0; i < cmd->n_examples; i++)
            fprintf(f, "  %s\n", cmd->examples[i]);
    }
}

/* ---- the man page ------------------------------------------------------------------------- */

/* Writes text escaped for roff: backslashes, minus signs (so that options stay hyphens that can
 * be searched and copied) and a leading dot or quote that would read as a request. */
static void roff(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        char c = s[i];
        if ((c == '.' || c == '\'') && (i == 0 || s[i - 1] == '\n'))
            fputs("\\&", f);
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            fputc(c, f);
    }
}

static void roff_str(FILE *f, const char *s)
{
    roff(f, s, strlen(s));
}

/* Paragraphs separated by blank lines; lines that start with two spaces are shown as they are. */
static void roff_text(FILE *f, const char *text)
{
    const char *p = text;
    int verbatim = 0, para = 0;
    while (*p) {
        size_t ll = strcspn(p, "\n");
        if (ll == 0) {
            if (verbatim)
                fputs(".fi\n", f);
            verbatim = 0;
            para = 1;
        } else {
            int v = p[0] == ' ' && p[1] == ' ';
            if (para) {
                fputs(".PP\n", f);
                para = 0;
            }
            if (v && !verbatim)
                fputs(".nf\n", f);
            else if (!v && verbatim)
                fputs(".fi\n", f);
            verbatim = v;
            roff(f, v ? p + 2 : p, v ? ll - 2 : ll);
            fputc('\n', f);
        }
        p += ll;
        if (*p)
            p++;
    }
    if (verbatim)
        fputs(".fi\n", f);
}

static void man_options(FILE *f, const tally_cli_command *cmd, const char *heading_macro)
{
    const char *secs[32];
    size_t ns = sections(cmd, secs, 32);
    for (size_t s = 0; s < ns; s++) {
        fprintf(f, "%s %s\n", heading_macro, secs[s]);
        for (size_t i = 0; i < cmd->n_options; i++) {
            const tally_cli_option *o = &cmd->options[i];
            if (strcmp(o->section, secs[s]) != 0)
                continue;
            fputs(".TP\n", f);
            if (o->short_name)
                fprintf(f, "\\fB\\-%c\\fR%s", o->short_name, o->long_name ? ", " : "");
            if (o->long_name) {
                fputs("\\fB\\-\\-", f);
                roff_str(f, o->long_name);
                fputs("\\fR", f);
            }
            if (o->arg) {
                fputs(" \\fI", f);
                roff_str(f, o->arg);
                fputs("\\fR", f);
            }
            fputc('\n', f);
            roff_str(f, o->help);
            fputc('\n', f);
        }
    }
}

static void upper(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s, f);
}

void tally_cli_man(const tally_cli_command *top, const tally_cli_command *const *cmds, size_t n,
                   FILE *f)
{
    /* no date: the page is generated at build time and committed, and must not change by itself */
    fputs(".\\\" man/tally.1: generated by `tally __man` from the option tables in programs/;\n"
          ".\\\" edit those and run `make man`, never this file.\n", f);
    fprintf(f, ".TH TALLY 1 \"\" \"tally %s\" \"User Commands\"\n", TALLY_VERSION);
    fputs(".SH NAME\ntally \\- ", f);
    roff_str(f, top->summary);
    fputs("\n.SH SYNOPSIS\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\\fBtally %s\\fR ", i ? ".br\n" : "", cmds[i]->name);
        roff_str(f, cmds[i]->synopsis);
        fputc('\n', f);
    }
    fputs(".br\n\\fBtally\\fR ", f);
    roff_str(f, top->synopsis);
    fputs("\n.SH DESCRIPTION\n", f);
    roff_text(f, top->description);
    man_options(f, top, ".SS");
    for (size_t i = 0; i < n; i++) {
        const tally_cli_command *c = cmds[i];
        fputs(".SH \"TALLY ", f);
        upper(f, c->name);
        fputs("\"\n", f);
        fprintf(f, "\\fBtally %s\\fR ", c->name);
        roff_str(f, c->synopsis);
        fputs("\n.PP\n", f);
        roff_text(f, c->description);
        man_options(f, c, ".SS");
        if (c->n_statuses) {
            fputs(".SS \"Exit status\"\n", f);
            for (size_t k = 0; k < c->n_statuses; k++) {
                fputs(".TP\n.B ", f);
                roff_str(f, c->statuses[k].code);
                fputc('\n', f);
                roff_str(f, c->statuses[k].meaning);
                fputc('\n', f);
            }
        }
        if (c->n_examples) {
            fputs(".SS Examples\n.nf\n", f);
            for (size_t k = 0; k < c->n_examples; k++) {
                roff_str(f, c->examples[k]);
                fputc('\n', f);
            }
            fputs(".fi\n", f);
        }
    }
    fputs(".SH \"SEE ALSO\"\n\\fBzstd\\fR(1), \\fBrg\\fR(1), \\fBjq\\fR(1)\n", f);
}
