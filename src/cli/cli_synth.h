/*
** The sign-off summary of a synthesis report (cli_synth.c): what `asicnn
** synth` prints after a run, and for an existing report with --summary.
*/
#ifndef ASICNN_CLI_SYNTH_H
#define ASICNN_CLI_SYNTH_H

#include "asicnn/core.h"

#include <stdio.h>

/* Print the summary of the report text (asicnn-synth-1 JSON) read from
** path to f; a report that is not one is an error naming path. */
an_status cli_synth_summary(const char *text, const char *path, FILE *f);

#endif /* ASICNN_CLI_SYNTH_H */
