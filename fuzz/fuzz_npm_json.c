/*
** libFuzzer harness: the npm digits JSON parser (cJSON underneath) on
** arbitrary text. A parse that succeeds must give whole 28x28 digits with
** pixels in 0..255 and the label it was given.
*/
#include "asicnn/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    an_dataset ds;
    if (an_data_parse_npm_json((const char *)data, size, "3.json", 3, &ds) != AN_OK) return 0;
    if (ds.n < 1 || ds.features != 784 || ds.num_classes != 4) __builtin_trap();
    for (int64_t i = 0; i < ds.n; i++) {
        if (ds.y[i] != 3) __builtin_trap();
        for (int64_t j = 0; j < 784; j++) {
            float v = ds.x[i * 784 + j];
            if (!(v >= 0 && v <= 255) || v != (float)(int)v) __builtin_trap();
        }
    }
    an_dataset_free(&ds);
    return 0;
}
