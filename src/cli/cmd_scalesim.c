/*
** asicnn scalesim: SCALE-Sim v2 compatible cycle counts (CALC mode) of a
** topology CSV on the array its config describes; prints each layer and
** writes COMPUTE_REPORT.csv into --out DIR/run_name/.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char USAGE[] =
    "usage: asicnn scalesim topology.csv [--config scale.cfg] [--out DIR]\n"
    "\n"
    "SCALE-Sim v2's analytic cycle counts for its topology CSV (name, ifmap h, w,\n"
    "filter h, w, channels, filters, stride, with a trailing comma) on the array of\n"
    "its INI config (ArrayHeight, ArrayWidth, Dataflow ws|os|is; default 32x32 ws).\n"
    "Writes DIR/run_name/COMPUTE_REPORT.csv (DIR defaults to .).\n";

static an_status load_text(const char *path, char **text) {
    size_t n;
    return an_read_file(path, 1 << 24, text, &n);
}

/* A SCALE-Sim config is a text INI that sets the array: an empty or binary
** file, or one that sets none of its keys, is an error rather than the
** defaults. */
static an_status load_config(const char *path, char **text) {
    size_t n;
    an_status s = an_read_file(path, 1 << 24, text, &n);
    if (s) return s;
    if (n == 0)
        return an_fail(AN_ERR_FORMAT,
                       "%s: empty (a SCALE-Sim config sets ArrayHeight, "
                       "ArrayWidth and Dataflow)",
                       path);
    for (size_t i = 0; i < n; i++) {
        const unsigned char ch = (unsigned char)(*text)[i];
        if (ch == 0 || (ch < 32 && ch != '\t' && ch != '\n' && ch != '\r'))
            return an_fail(AN_ERR_FORMAT,
                           "%s: byte %zu is 0x%02x: not a text INI file (a "
                           "SCALE-Sim config)",
                           path, i, ch);
    }
    static const char *const KEYS[] = {"arrayheight", "arraywidth", "dataflow"};
    for (int k = 0; k < 3; k++)
        for (const char *p = *text; *p; p++)
            if (strncasecmp(p, KEYS[k], strlen(KEYS[k])) == 0) return AN_OK;
    return an_fail(AN_ERR_FORMAT,
                   "%s: sets none of ArrayHeight, ArrayWidth, Dataflow (SCALE-Sim's "
                   "[architecture_presets])",
                   path);
}

int cmd_scalesim(int argc, char **argv) {
    const char *topo = NULL, *cfg = NULL, *out = ".";
    const cli_opt_def opts[] = {{.name = "--config",
                                 .kind = CLI_STR,
                                 .dst = &cfg,
                                 .meta = "FILE",
                                 .help = "SCALE-Sim's INI config (default: 32x32 ws)"},
                                {.name = "--out",
                                 .kind = CLI_STR,
                                 .dst = &out,
                                 .meta = "DIR",
                                 .help = "where DIR/run_name/COMPUTE_REPORT.csv goes (default .)"},
                                {0}};
    const cli_cmd_spec spec = {.cmd = "scalesim",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = &topo,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs topology.csv"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    an_ss_config c;
    an_ss_layer *layers = NULL;
    an_ss_result *res = NULL;
    int n = 0;
    char *text = NULL;
    an_status s = AN_OK;
    if (cfg && !(s = load_config(cfg, &text))) s = an_ss_config_parse(text, cfg, &c);
    if (!cfg) s = an_ss_config_parse("", "defaults", &c);
    char made[1024] = "", dir[1024];
    if (!s) {
        snprintf(dir, sizeof dir, "%s/%s", out, c.run_name);
        s = cli_output_dir(dir, made, sizeof made);
    }
    free(text);
    text = NULL;
    if (!s && !(s = load_text(topo, &text))) s = an_ss_topology_parse(text, topo, &layers, &n);
    if (!s) s = an_alloc_array((void **)&res, (size_t)n, sizeof *res, "results");
    static const char *const FLOW[] = {"ws", "os", "is"};
    if (!s)
        printf("%s: %d layer(s) on a %dx%d %s array (SCALE-Sim v2 CALC mode)\n", topo, n, c.rows,
               c.cols, FLOW[c.flow]);
    for (int i = 0; i < n && !s; i++) {
        s = an_ss_layer_run(&c, &layers[i], &res[i]);
        if (!s)
            printf("%-16s %12lld cycles %6lld folds  util %.2f%%  mapping %.2f%%  compute %.2f%%\n",
                   layers[i].name, (long long)res[i].cycles, (long long)res[i].folds,
                   res[i].overall_util, res[i].mapping_eff, res[i].compute_util);
    }
    if (!s) {
        char path[1100];
        snprintf(path, sizeof path, "%s/COMPUTE_REPORT.csv", dir);
        s = an_ss_write_report(path, res, n);
        if (!s) printf("wrote %s\n", path);
    }
    if (s) cli_remove_created(made);
    free(text);
    free(layers);
    free(res);
    return s ? cli_error(s) : 0;
}
