/*
** Shared internals of the nn module (not part of the public API).
*/
#ifndef ASICNN_NN_INTERNAL_H
#define ASICNN_NN_INTERNAL_H

#include "asicnn/nn.h"

#include <stdarg.h>

/* Infer shapes, check them (errors name the line and node), lay out the
** parameters (trainable first, then batchnorm running statistics) and
** allocate them zeroed. Called once the nodes are parsed. */
an_status nn_graph_finish(an_model *m);

/* Read a spec file (at most 1 MiB) as a NUL-terminated string. */
an_status nn_read_text(const char *path, char **text);

#endif /* ASICNN_NN_INTERNAL_H */
