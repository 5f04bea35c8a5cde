/*
** `asicnn data` internals: the options its subcommands take (parsed in
** cmd_data.c) and the subcommand entry points (cmd_data_info.c,
** cmd_data_convert.c).
*/
#ifndef ASICNN_CMD_DATA_H
#define ASICNN_CMD_DATA_H

#include "cli.h"

#include "asicnn/data.h"

#define DATA_MAX_POS 3

typedef struct data_opts {
    const char *sub; /* subcommand name, for messages ("data convert") */
    an_csv_options csv;
    an_split split;     /* --test picks the test split of an IDX directory */
    int64_t n_first;    /* --split N: 0 when absent */
    uint64_t seed;      /* --seed S (1 when absent) */
    int64_t seed_given; /* --seed as given; -1 when absent */
    int have_seed;
    int test;          /* --test */
    int no_shuffle;    /* --no-shuffle */
    an_norm_mode norm; /* --normalize */
    const char *pos[DATA_MAX_POS];
    int npos;
} data_opts;

/* Load a path the way every subcommand does; prints nothing. */
an_status data_load(const char *path, const data_opts *o, an_dataset *ds, an_clean_report *r);

int cmd_data_info(const data_opts *o);
int cmd_data_show(const data_opts *o);
int cmd_data_convert(const data_opts *o);

#endif /* ASICNN_CMD_DATA_H */
