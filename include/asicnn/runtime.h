/*
** asicnn runtime: the device API that opens a chip, loads executables and
** runs them, synchronously or not, and reads their outputs and counters.
**
** Contract
** - A device is thread-safe; each loaded program is a private, validated
**   copy of its executable.
** - Library calls return an_status with a message; nothing prints.
*/
#ifndef ASICNN_RUNTIME_H
#define ASICNN_RUNTIME_H

#include "asicnn/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Device API                                                               */

typedef enum an_backend { AN_BACKEND_SIM = 0, AN_BACKEND_RTL } an_backend;

typedef struct an_device an_device;
typedef int32_t an_program; /* a loaded executable's handle, >= 0 */

typedef enum an_run_state { AN_RUN_IDLE = 0, AN_RUN_BUSY, AN_RUN_DONE, AN_RUN_FAILED } an_run_state;

/* Open a device for chip cfg on a backend (the RTL backend is not built
** yet: AN_ERR_UNSUPPORTED). Thread-safe per device. */
an_status an_device_open(an_device **out, const an_npu_config *cfg, an_backend backend);
void an_device_close(an_device *d);

/* Load an executable (copied; it must target the device's chip). Several
** may be loaded at once. */
an_status an_device_load(an_device *d, const an_npu_exe *x, an_program *prog);
an_status an_device_load_file(an_device *d, const char *path, an_program *prog);
an_status an_device_unload(an_device *d, an_program prog);

/* The program's input / output sizes in int8 elements (whole batch). */
int64_t an_device_input_size(an_device *d, an_program prog);
int64_t an_device_output_size(an_device *d, an_program prog);
/* Copy the int8 input (input_size bytes) into the program's input. */
an_status an_device_set_input(an_device *d, an_program prog, const int8_t *in, int64_t n);
/* Run (blocking) / start and wait (a pthread per run). */
an_status an_device_run(an_device *d, an_program prog);
an_status an_device_start(an_device *d, an_program prog);
an_status an_device_wait(an_device *d, an_program prog);
an_run_state an_device_state(an_device *d, an_program prog);
/* The last error of the program (empty when none). */
const char *an_device_error(an_device *d, an_program prog);
/* Output of the last run: whole tensor, or element i. */
an_status an_device_get_output(an_device *d, an_program prog, int8_t *out, int64_t n);
an_status an_device_get_element(an_device *d, an_program prog, int64_t i, int8_t *v);
/* Counters of the last run (the caller frees with an_profile_free). */
an_status an_device_counters(an_device *d, an_program prog, an_profile *p);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_RUNTIME_H */
