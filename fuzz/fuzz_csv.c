/*
** libFuzzer harness: the CSV reader and cleaner on arbitrary text. The first
** input byte picks the options (label column, header mode, delimiter,
** strict, range check), the rest is the file. A load that succeeds must
** agree with its cleaning report and hold only clean values.
*/
#include "asicnn/data.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t f = data[0];
    static const char delims[4] = {',', ';', '\t', 0};
    an_csv_options o = an_csv_defaults();
    o.label_col = (f & 3) == 3 ? -1 : (f & 3);
    o.header = (an_header_mode)((f >> 2) % 3);
    o.delim = delims[(f >> 4) & 3];
    o.strict = (f >> 6) & 1;
    o.check_range = f >> 7;
    o.max_label = 9;
    an_dataset ds;
    an_clean_report r;
    if (an_data_parse_csv((const char *)data + 1, size - 1, "fuzz.csv", &o, &ds, &r) != AN_OK)
        return 0;
    int64_t dropped = 0;
    for (int i = 0; i < AN_DROP_COUNT; i++) dropped += r.dropped[i];
    if (ds.n < 1 || ds.n != r.rows_kept || r.rows_kept + dropped != r.rows_read ||
        ds.features != (int64_t)ds.h * ds.w * ds.c)
        __builtin_trap();
    for (int64_t i = 0; i < ds.n; i++) {
        if (ds.y[i] < 0 || ds.y[i] > 9 || ds.y[i] >= ds.num_classes) __builtin_trap();
        for (int64_t j = 0; j < ds.features; j++) {
            float v = ds.x[i * ds.features + j];
            if (!isfinite(v) || (o.check_range && (v < o.value_min || v > o.value_max)))
                __builtin_trap();
        }
    }
    an_dataset_free(&ds);
    return 0;
}
