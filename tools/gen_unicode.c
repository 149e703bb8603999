/* gen_unicode.c — writes build/gen/unicode_tables.c, the property table behind lib/unicode.h.
 *
 * Usage: gen_unicode UNICODE_DIR > unicode_tables.c
 *
 * Reads, from the Unicode Character Database in UNICODE_DIR (Debian's unicode-data puts it in
 * /usr/share/unicode): auxiliary/WordBreakProperty.txt (Word_Break), UnicodeData.txt
 * (General_Category, with its "<..., First>"/"<..., Last>" ranges), PropList.txt (White_Space) and
 * emoji/emoji-data.txt (Extended_Pictographic). The first line of the output names these files and
 * the Unicode version taken from WordBreakProperty.txt's header. Built and run by the Makefile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/unicode.h"

#define NCP 0x110000u
#define BLOCK 256u
#define NBLOCKS (NCP / BLOCK)

static uint16_t prop[NCP];

static const struct {
    const char *name;
    unsigned wb;
} wb_names[] = {
    {"CR", TALLY_WB_CR},
    {"LF", TALLY_WB_LF},
    {"Newline", TALLY_WB_NEWLINE},
    {"Extend", TALLY_WB_EXTEND},
    {"ZWJ", TALLY_WB_ZWJ},
    {"Regional_Indicator", TALLY_WB_RI},
    {"Format", TALLY_WB_FORMAT},
    {"Katakana", TALLY_WB_KATAKANA},
    {"Hebrew_Letter", TALLY_WB_HEBREW},
    {"ALetter", TALLY_WB_ALETTER},
    {"Single_Quote", TALLY_WB_SQ},
    {"Double_Quote", TALLY_WB_DQ},
    {"MidNumLet", TALLY_WB_MIDNUMLET},
    {"MidLetter", TALLY_WB_MIDLETTER},
    {"MidNum", TALLY_WB_MIDNUM},
    {"Numeric", TALLY_WB_NUMERIC},
    {"ExtendNumLet", TALLY_WB_EXTENDNUMLET},
    {"WSegSpace", TALLY_WB_WSEGSPACE},
};

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "gen_unicode: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(1);
}

static FILE *open_data(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open", path);
    return f;
}

/* Parses a UCD line "XXXX[..YYYY] ; Value [# comment]": stores the range and the trimmed value
 * (in val, up to size bytes). Returns 0 for blank and comment lines. */
static int parse_range_line(char *line, unsigned long *lo, unsigned long *hi, char *val, size_t size)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *semi = strchr(line, ';');
    if (!semi)
        return 0;
    *semi = '\0';
    char *end;
    *lo = strtoul(line, &end, 16);
    if (end == line)
        die("bad code point in line", line);
    *hi = *lo;
    if (end[0] == '.' && end[1] == '.')
        *hi = strtoul(end + 2, NULL, 16);
    if (*hi >= NCP || *hi < *lo)
        die("bad range in line", line);
    char *v = semi + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strcspn(v, " \t\r\n;");
    if (n >= size)
        die("value too long", v);
    memcpy(val, v, n);
    val[n] = '\0';
    return 1;
}

static void read_word_break(const char *dir, char *version, size_t vsize)
{
    FILE *f = open_data(dir, "auxiliary/WordBreakProperty.txt");
    char line[1024], val[64];
    unsigned long lo, hi;
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        if (first) {
            /* "# WordBreakProperty-15.0.0.txt" */
            const char *tag = "# WordBreakProperty-";
            if (strncmp(line, tag, strlen(tag)) != 0)
                die("WordBreakProperty.txt lacks its version header", NULL);
            const char *v = line + strlen(tag);
            size_t n = strcspn(v, "t");
            if (n < 2 || n - 1 >= vsize)
                die("bad version header", line);
            memcpy(version, v, n - 1); /* drop the '.' before "txt" */
            version[n - 1] = '\0';
            first = 0;
            continue;
        }
        if (!parse_range_line(line, &lo, &hi, val, sizeof val))
            continue;
        unsigned wb = TALLY_WB_COUNT;
        for (size_t i = 0; i < sizeof wb_names / sizeof wb_names[0]; i++)
            if (strcmp(val, wb_names[i].name) == 0)
                wb = wb_names[i].wb;
        if (wb == TALLY_WB_COUNT)
            die("unknown Word_Break value", val);
        for (unsigned long c = lo; c <= hi; c++)
            prop[c] = (uint16_t)((prop[c] & ~TALLY_UP_WB_MASK) | wb);
    }
    fclose(f);
}

static void read_general_category(const char *dir)
{
    FILE *f = open_data(dir, "UnicodeData.txt");
    char line[1024];
    unsigned long range_start = 0;
    int in_range = 0;
    while (fgets(line, sizeof line, f)) {
        char *name = strchr(line, ';');
        if (!name)
            continue;
        char *gc = strchr(name + 1, ';');
        if (!gc)
            die("bad UnicodeData line", line);
        unsigned long cp = strtoul(line, NULL, 16);
        if (cp >= NCP)
            die("bad code point", line);
        gc++;
        unsigned flags = 0;
        if (gc[0] == 'L' || gc[0] == 'N')
            flags = TALLY_UP_ALNUM;
        else if (gc[0] == 'P' && gc[1] == 'd')
            flags = TALLY_UP_DASH;
        unsigned long lo = cp;
        size_t namelen = (size_t)(gc - 1 - (name + 1));
        if (namelen > 8 && memcmp(name + 1 + namelen - 8, ", First>", 8) == 0) {
            range_start = cp;
            in_range = 1;
            continue;
        }
        if (namelen > 7 && memcmp(name + 1 + namelen - 7, ", Last>", 7) == 0) {
            if (!in_range)
                die("Last> without First>", line);
            lo = range_start;
            in_range = 0;
        }
        for (unsigned long c = lo; c <= cp; c++)
            prop[c] |= (uint16_t)flags;
    }
    fclose(f);
}

/* Sets flag on every code point listed with property name in file. */
static void read_binary_property(const char *dir, const char *file, const char *name, unsigned flag)
{
    FILE *f = open_data(dir, file);
    char line[1024], val[64];
    unsigned long lo, hi;
    unsigned long count = 0;
    while (fgets(line, sizeof line, f)) {
        if (!parse_range_line(line, &lo, &hi, val, sizeof val) || strcmp(val, name) != 0)
            continue;
        for (unsigned long c = lo; c <= hi; c++)
            prop[c] |= (uint16_t)flag;
        count += hi - lo + 1;
    }
    fclose(f);
    if (count == 0)
        die("property not found", name);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: gen_unicode UNICODE_DIR", NULL);
    const char *dir = argv[1];
    char version[32];
    read_word_break(dir, version, sizeof version);
    read_general_category(dir);
    read_binary_property(dir, "PropList.txt", "White_Space", TALLY_UP_WSPACE);
    read_binary_property(dir, "emoji/emoji-data.txt", "Extended_Pictographic", TALLY_UP_EXTPICT);

    /* Distinct property values, then distinct blocks of value indexes. */
    static uint16_t values[256];
    static uint8_t index_of[NCP];
    unsigned nvalues = 0;
    for (unsigned long c = 0; c < NCP; c++) {
        unsigned v = 0;
        while (v < nvalues && values[v] != prop[c])
            v++;
        if (v == nvalues) {
            if (nvalues == 256)
                die("more than 256 distinct property values", NULL);
            values[nvalues++] = prop[c];
        }
        index_of[c] = (uint8_t)v;
    }
    static uint16_t block_of[NBLOCKS];
    static unsigned block_first[NBLOCKS]; /* first code point of each distinct block */
    unsigned nblocks = 0;
    for (unsigned b = 0; b < NBLOCKS; b++) {
        unsigned k = 0;
        while (k < nblocks && memcmp(&index_of[block_first[k]], &index_of[b * BLOCK], BLOCK) != 0)
            k++;
        if (k == nblocks)
            block_first[nblocks++] = b * BLOCK;
        block_of[b] = (uint16_t)k;
    }

    printf("/* Generated by tools/gen_unicode.c from auxiliary/WordBreakProperty.txt, UnicodeData.txt, "
           "PropList.txt, emoji/emoji-data.txt (Unicode %s). Do not edit. */\n",
           version);
    printf("/* %u distinct values, %u distinct blocks of %u code points. */\n", nvalues, nblocks,
           BLOCK);
    printf("#include \"unicode.h\"\n\n");
    printf("const char tally__unicode_version[] = \"%s\";\n\n", version);
    printf("const uint16_t tally__uvalue[%u] = {", nvalues);
    for (unsigned v = 0; v < nvalues; v++)
        printf("%s0x%03x,", v % 12 ? " " : "\n    ", values[v]);
    printf("\n};\n\n");
    printf("const uint16_t tally__ublock[0x1100] = {");
    for (unsigned b = 0; b < NBLOCKS; b++)
        printf("%s%u,", b % 16 ? " " : "\n    ", block_of[b]);
    printf("\n};\n\n");
    printf("const uint8_t tally__uindex[%u] = {", nblocks * BLOCK);
    for (unsigned k = 0; k < nblocks; k++) {
        printf("\n    /* block %u */", k);
        for (unsigned i = 0; i < BLOCK; i++)
            printf("%s%u,", i % 24 ? " " : "\n    ", index_of[block_first[k] + i]);
    }
    printf("\n};\n");
    if (fflush(stdout) != 0 || ferror(stdout))
        die("write error", NULL);
    return 0;
}
