// What a Hyperscan prefilter database of the spam engine costs on real texts, whole or per pattern.
//
//   cc -O2 -o /tmp/hs-cost bench/profile/hyperscan/cost.c -lhs
//   /tmp/hs-cost TEXTS PATTERNS whole            # the database: warm, and with the caches flushed
//   /tmp/hs-cost TEXTS PATTERNS each             # every pattern compiled alone, µs a text
//   /tmp/hs-cost TEXTS PATTERNS without ID,ID,…  # the database less some patterns, warm
//
// TEXTS: a file of paths, one text per file (for instance the body texts the engine scans);
// PATTERNS: `id<TAB>flags<TAB>expression` lines from patterns.py. Figures in
// bench/results/profile-2026-12-05-h.md.
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ignore(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *context) {
    (void)id; (void)from; (void)to; (void)flags; (void)context;
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum { MAX_TEXTS = 20000, MAX_PATTERNS = 5000 };
static char *texts[MAX_TEXTS];
static size_t lengths[MAX_TEXTS];
static int textCount;
static char *expressions[MAX_PATTERNS];
static unsigned flags[MAX_PATTERNS], ids[MAX_PATTERNS];
static int patternCount;

static void readTexts(const char *list) {
    FILE *paths = fopen(list, "r");
    if (!paths) { perror(list); exit(2); }
    char path[4096];
    while (textCount < MAX_TEXTS && fgets(path, sizeof path, paths)) {
        path[strcspn(path, "\n")] = 0;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        texts[textCount] = malloc(size > 0 ? size : 1);
        lengths[textCount] = fread(texts[textCount], 1, size, f);
        fclose(f);
        textCount++;
    }
    fclose(paths);
}

static void readPatterns(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) { perror(file); exit(2); }
    static char line[1 << 20];
    while (patternCount < MAX_PATTERNS && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *flagText = strchr(line, '\t');
        if (!flagText) continue;
        char *expression = strchr(flagText + 1, '\t');
        if (!expression) continue;
        ids[patternCount] = (unsigned)atoi(line);
        flags[patternCount] = (unsigned)atoi(flagText + 1);
        expressions[patternCount++] = strdup(expression + 1);
    }
    fclose(f);
}

// Least time of `rounds` passes over every text, µs a text; with `flush`, 32 MB are written
// between texts (what the other engines do to the caches between two messages), not timed.
static double scanAll(hs_database_t *db, hs_scratch_t *scratch, int rounds, int flush) {
    static char *junk;
    if (flush && !junk) junk = malloc(32 << 20);
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        double total = 0;
        for (int t = 0; t < textCount; t++) {
            if (flush) memset(junk, t, 32 << 20);
            double start = now();
            hs_scan(db, texts[t], (unsigned)lengths[t], 0, scratch, ignore, NULL);
            total += now() - start;
        }
        if (total < best) best = total;
    }
    return best * 1e6 / textCount;
}

static hs_database_t *compile(const char *const *e, const unsigned *f, const unsigned *i, int n) {
    hs_database_t *db = NULL;
    hs_compile_error_t *error = NULL;
    if (hs_compile_multi(e, f, i, (unsigned)n, HS_MODE_BLOCK, NULL, &db, &error) != HS_SUCCESS) {
        fprintf(stderr, "compile failed: %s (pattern %d)\n", error->message, error->expression);
        hs_free_compile_error(error);
        return NULL;
    }
    return db;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s TEXTS PATTERNS whole|each|without IDS\n", argv[0]); return 2; }
    readTexts(argv[1]);
    readPatterns(argv[2]);
    if (!textCount || !patternCount) { fprintf(stderr, "no texts or no patterns\n"); return 2; }
    const char *mode = argv[3];
    if (!strcmp(mode, "each")) {
        for (int p = 0; p < patternCount; p++) {
            hs_database_t *db = compile((const char *const *)&expressions[p], &flags[p], &ids[p], 1);
            hs_scratch_t *scratch = NULL;
            if (!db || hs_alloc_scratch(db, &scratch) != HS_SUCCESS) { printf("-1\t%u\n", ids[p]); continue; }
            printf("%.3f\t%u\t%.160s\n", scanAll(db, scratch, 3, 0), ids[p], expressions[p]);
            fflush(stdout);
            hs_free_scratch(scratch);
            hs_free_database(db);
        }
        return 0;
    }
    static const char *keptExpressions[MAX_PATTERNS];
    static unsigned keptFlags[MAX_PATTERNS], keptIDs[MAX_PATTERNS];
    static char dropped[MAX_PATTERNS];
    if (!strcmp(mode, "without") && argc > 4) {
        for (char *id = strtok(argv[4], ","); id; id = strtok(NULL, ","))
            for (int p = 0; p < patternCount; p++) if (ids[p] == (unsigned)atoi(id)) dropped[p] = 1;
    }
    int kept = 0;
    for (int p = 0; p < patternCount; p++) {
        if (dropped[p]) continue;
        keptExpressions[kept] = expressions[p];
        keptFlags[kept] = flags[p];
        keptIDs[kept++] = ids[p];
    }
    double start = now();
    hs_database_t *db = compile(keptExpressions, keptFlags, keptIDs, kept);
    if (!db) return 1;
    double compileSeconds = now() - start;
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return 1;
    size_t size = 0;
    hs_database_size(db, &size);
    printf("patterns %d, database %zu bytes, compiled in %.1f s; %d texts\n", kept, size, compileSeconds, textCount);
    printf("warm:    %8.2f us a text\n", scanAll(db, scratch, 5, 0));
    if (!strcmp(mode, "whole")) printf("flushed: %8.2f us a text\n", scanAll(db, scratch, 1, 1));
    return 0;
}
