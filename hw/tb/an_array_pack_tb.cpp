// Driver of an_array_pack_tb.v (the FPGA array against the ASIC array):
// reset, then clock until every check is done; exit status 1 on any
// mismatch, on too few valid outputs compared, when a shape never produced
// its largest sum, or when the checks never finish.
#include "Van_array_pack_tb.h"
#include "verilated.h"

#include <cstdio>
#include <memory>

int main(int argc, char **argv) {
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    auto tb = std::make_unique<Van_array_pack_tb>(ctx.get());
    long cycles = 0;
    tb->rst = 1;
    for (int i = 0; i < 4; i++) {
        tb->clk = 0;
        tb->eval();
        tb->clk = 1;
        tb->eval();
    }
    tb->rst = 0;
    while (!tb->done && cycles < 1000000) {
        tb->clk = 0;
        tb->eval();
        tb->clk = 1;
        tb->eval();
        cycles++;
    }
    tb->final();
    // six shapes, 20,000 cycles each, about 7 in 8 of them valid
    const unsigned min_checked = 6u * 20000u * 3u / 4u;
    std::printf("an_array_pack_tb: %lu valid outputs compared in %ld cycles (6 shapes), "
                "%u mismatches\n",
                (unsigned long)tb->checked, cycles, (unsigned)tb->errors);
    if (!tb->done || tb->errors != 0 || tb->checked < min_checked || !tb->peaks) {
        std::printf("an_array_pack_tb: FAIL%s%s%s\n", tb->done ? "" : " (did not finish)",
                    tb->checked < min_checked ? " (too few outputs compared)" : "",
                    tb->peaks ? "" : " (a shape never reached its largest sum)");
        return 1;
    }
    std::printf("an_array_pack_tb: ok: PACK=1 equals PACK=0 cycle by cycle\n");
    return 0;
}
