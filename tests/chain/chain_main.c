/*
** chain_fuzz: the differential tester's driver.
**
**   chain_fuzz [--seed S] [--cases N] [--out DIR] [--known TEXT]... [--timeout S]
**              [--shrink-tries N] [--rtl PERCENT] [--quiet]
**   chain_fuzz --replay PATH...     (a regression's .txt, or a folder of them)
**   chain_fuzz --self-test          (a crash, a hang, a mismatch are caught;
**                                   every verdict has a name)
**   chain_fuzz --write SEED [--out DIR]   (one case, not shrunk, as a regression)
**
** Generates N cases from seeds S, S+1, ... and checks each (chain.h).
** Bugs are grouped by kind (verdict and message without its numbers); the
** first of each kind is shown and shrunk to a minimal reproducer written
** to DIR (default chain-failures) as DIR/chain-SEED.{q8,json,txt}. A bug
** whose message holds one of the --known texts is reported as known, not
** shrunk, and does not fail the run. --rtl P retargets P% of the cases to
** the chip of this build's Verilated RTL and also runs them there (DRAM and
** cycles against the simulator). Replay runs regressions that must pass. Prints one line per
** bug and a summary (cases, verdicts, seconds); exits 1 when a bug that is
** not known was found or a replay failed, 2 on bad usage.
*/
#include "chain.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_KNOWN 8

typedef struct opts {
    uint64_t seed;
    long cases;
    const char *out;
    const char *known[MAX_KNOWN];
    int n_known;
    int timeout_s, shrink_tries, quiet;
    int rtl_percent; /* --rtl: this share of the cases also runs on the RTL */
    uint64_t write;  /* --write: the case to save as a regression */
    int do_write;
} opts;

static int usage(const char *why) {
    fprintf(stderr,
            "chain_fuzz: %s\nusage: chain_fuzz [--seed S] [--cases N] [--out DIR] [--known TEXT] "
            "[--timeout S] [--shrink-tries N] [--rtl PERCENT] [--quiet]\n       chain_fuzz "
            "--replay PATH...\n"
            "       chain_fuzz --self-test\n       chain_fuzz --write SEED [--out DIR]\n",
            why);
    return 2;
}

/* One regression file; returns 1 when it passed. */
static int replay_one(const char *txt, int timeout_s) {
    ch_result r;
    ch_replay(txt, timeout_s, &r);
    const int ok = r.v == CH_PASS || r.v == CH_EXPECTED;
    printf("%s %s%s%s\n", ok ? "pass" : "FAIL", txt, ok ? "" : ": ", ok ? "" : r.msg);
    return ok;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .txt of a folder, in name order; returns the number that failed. */
static int replay_dir(const char *dir, int timeout_s, int *count) {
    DIR *d = opendir(dir);
    if (!d) return fprintf(stderr, "chain_fuzz: %s: %s\n", dir, strerror(errno)), 1;
    char *names[4096];
    int n = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) {
        const size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".txt")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        bad += !replay_one(p, timeout_s);
        free(names[i]);
    }
    *count += n;
    return bad;
}

static int replay(int argc, char **argv, int timeout_s) {
    int bad = 0, count = 0;
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            bad += replay_dir(argv[i], timeout_s, &count);
        } else {
            bad += !replay_one(argv[i], timeout_s);
            count++;
        }
    }
    printf("chain replay: %d regressions, %d failed\n", count, bad);
    return bad ? 1 : 0;
}

static int is_known(const opts *o, const ch_result *r) {
    for (int i = 0; i < o->n_known; i++)
        if (strstr(r->msg, o->known[i])) return 1;
    return 0;
}

/* Shrink a new bug and write its reproducer. */
static void keep(const opts *o, ch_case *k, ch_result *r) {
    char desc[2048], name[64];
    const int steps = ch_shrink(k, r, o->timeout_s, o->shrink_tries);
    snprintf(name, sizeof name, "chain-%llu", (unsigned long long)k->seed);
    mkdir(o->out, 0755);
    if (ch_write_repro(k, r, o->out, name) != AN_OK)
        printf("  cannot write the reproducer: %s\n", an_errmsg());
    else
        printf("  shrunk in %d steps to %s/%s.txt: %s\n  %s\n", steps, o->out, name, r->msg,
               ch_describe(k, desc, sizeof desc));
}

/* A failure's kind for grouping: its verdict and message without digits
** and signs (layer numbers, sizes, values differ between cases). */
static void kind_key(const ch_result *r, char *key, size_t n) {
    size_t at = (size_t)snprintf(key, n, "%s: ", CH_VERDICT_NAME[r->v]);
    for (const char *p = r->msg; *p && at + 1 < n; p++)
        if (!(*p >= '0' && *p <= '9') && *p != '-') key[at++] = *p;
    key[at < n ? at : n - 1] = 0;
}

#define MAX_KINDS 64

typedef struct kinds {
    char key[MAX_KINDS][256];
    long count[MAX_KINDS];
    uint64_t first[MAX_KINDS];
    int n;
} kinds;

/* Count r under its kind; returns 1 when the kind is new. */
static int count_kind(kinds *ks, const ch_result *r, uint64_t seed) {
    char key[256];
    kind_key(r, key, sizeof key);
    for (int i = 0; i < ks->n; i++)
        if (!strcmp(ks->key[i], key)) return ks->count[i]++, 0;
    if (ks->n == MAX_KINDS) return 0;
    snprintf(ks->key[ks->n], sizeof ks->key[0], "%s", key);
    ks->count[ks->n] = 1, ks->first[ks->n] = seed;
    ks->n++;
    return 1;
}

static int run(const opts *o) {
    long count[CH_VERDICT_COUNT] = {0}, known = 0, bugs = 0, rtl = 0;
    static kinds ks;
    const double t0 = an_now();
    for (long i = 0; i < o->cases; i++) {
        ch_case k;
        ch_generate(o->seed + (uint64_t)i, &k);
        if ((int)((o->seed + (uint64_t)i) % 100) < o->rtl_percent) rtl += ch_use_rtl(&k);
        ch_result r;
        ch_check(&k, o->timeout_s, &r);
        count[r.v]++;
        if (!ch_is_bug(r.v)) goto progress;
        const int kn = is_known(o, &r), fresh = count_kind(&ks, &r, k.seed);
        known += kn, bugs += !kn;
        if (fresh) { /* the first of its kind: shown, and shrunk unless known */
            char desc[2048];
            printf("case %llu: %s%s: %s\n  %s\n", (unsigned long long)k.seed,
                   kn ? "known bug, " : "", CH_VERDICT_NAME[r.v], r.msg,
                   ch_describe(&k, desc, sizeof desc));
            if (!kn) keep(o, &k, &r);
            fflush(stdout);
        }
    progress:
        if (!o->quiet && (i + 1) % 100 == 0)
            fprintf(stderr, "chain: %ld/%ld cases, %ld bugs, %ld known, %.0f s\n", i + 1, o->cases,
                    bugs, known, an_now() - t0);
    }
    printf("chain: %ld cases from seed %llu in %.1f s: %ld pass, %ld expected errors, %ld bugs, "
           "%ld known bugs\n",
           o->cases, (unsigned long long)o->seed, an_now() - t0, count[CH_PASS], count[CH_EXPECTED],
           bugs, known);
    if (o->rtl_percent) printf("  %ld cases also on the Verilated RTL\n", rtl);
    for (int i = 0; i < ks.n; i++)
        printf("  %5ld x %s (first: case %llu)\n", ks.count[i], ks.key[i],
               (unsigned long long)ks.first[i]);
    return bugs ? 1 : 0;
}

/* --write SEED: the case as it is (not shrunk), with the verdict it gets,
** as a regression in --out. */
static int write_case(const opts *o) {
    ch_case k;
    ch_generate(o->write, &k);
    ch_result r;
    ch_check(&k, o->timeout_s, &r);
    char name[64];
    snprintf(name, sizeof name, "chain-%llu", (unsigned long long)o->write);
    mkdir(o->out, 0755);
    if (ch_write_repro(&k, &r, o->out, name) != AN_OK)
        return fprintf(stderr, "chain_fuzz: %s\n", an_errmsg()), 1;
    printf("%s/%s.txt: %s: %s\n", o->out, name, CH_VERDICT_NAME[r.v], r.msg);
    return 0;
}

int main(int argc, char **argv) {
    opts o = {
        .seed = 1, .cases = 100, .out = "chain-failures", .timeout_s = 300, .shrink_tries = 400};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--replay")) return replay(argc - i - 1, argv + i + 1, o.timeout_s);
        if (!strcmp(a, "--self-test")) {
            char why[600];
            const int ok = ch_self_test(why, sizeof why);
            printf("chain self-test: %s%s\n", ok ? "" : "FAILED: ", why);
            return ok ? 0 : 1;
        }
        if (!strcmp(a, "--quiet")) {
            o.quiet = 1;
            continue;
        }
        if (!v) return usage("a flag needs a value");
        i++;
        char *end = NULL;
        if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, &end, 10);
        else if (!strcmp(a, "--cases"))
            o.cases = strtol(v, &end, 10);
        else if (!strcmp(a, "--timeout"))
            o.timeout_s = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--shrink-tries"))
            o.shrink_tries = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--rtl"))
            o.rtl_percent = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--write"))
            o.write = strtoull(v, &end, 10), o.do_write = 1;
        else if (!strcmp(a, "--out"))
            o.out = v;
        else if (!strcmp(a, "--known") && o.n_known < MAX_KNOWN)
            o.known[o.n_known++] = v;
        else
            return usage("unknown flag");
        if (end && *end) return usage("a number flag has a value that is not a number");
    }
    if (o.cases < 0 || o.timeout_s < 1 || o.shrink_tries < 0) return usage("values out of range");
    return o.do_write ? write_case(&o) : run(&o);
}
