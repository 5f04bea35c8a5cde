// an_decode.vh: the fields an_decode adds to each instruction on its way to
// its queue (the products and bounds its engine needs in its first cycle).
`ifndef AN_DECODE_VH
`define AN_DECODE_VH
`define AN_DEC_W 522
`define AN_DEC_GROW(d)     d[31:0]    // SRAM bytes of a padded grid row
`define AN_DEC_RUNLEN(d)   d[63:32]   // DRAM bytes of a run
`define AN_DEC_SFIRST(d)   d[95:64]   // SRAM address of the first data byte
`define AN_DEC_CHUNK(d)    d[127:96]  // SRAM bytes of a data chunk (padding walk)
`define AN_DEC_NGAPS(d)    d[159:128] // padding gaps between chunks
`define AN_DEC_GIN(d)      d[191:160] // a gap inside a row (pitch - xbytes)
`define AN_DEC_GROW_GAP(d) d[223:192] // a gap at a row's end
`define AN_DEC_GFIRST(d)   d[255:224] // the gap before the first chunk
`define AN_DEC_GLAST(d)    d[287:256] // the gap after the last chunk
`define AN_DEC_T(d)        d[319:288] // GEMM rows, n_outer x n_inner (VEC: its rows or cells)
`define AN_DEC_RC(d)       d[320]     // a row is one run
`define AN_DEC_ONE(d)      d[321]     // the whole transfer is one run
`define AN_DEC_NODATA(d)   d[322]     // no DRAM data
`define AN_DEC_ELEMC(d)    d[323]     // data chunks are elements (pitch > xbytes)
`define AN_DEC_RLB(d)      d[355:324] // run length + burst - 1 (the first run's end)
`define AN_DEC_XRL(d)      d[387:356] // dram_xstride + run length + burst - 1
`define AN_DEC_YRL(d)      d[419:388] // dram_ystride + run length + burst - 1
`define AN_DEC_GIN_Z(d)    d[420]     // the in-row gap is empty
`define AN_DEC_GROW_GAP_Z(d) d[421]   // the row-end gap is empty
`define AN_DEC_GLAST_Z(d)  d[422]     // the last gap is empty
`define AN_DEC_TL(d)       d[454:423] // GEMM duration, T + R + C - 2; VEC duration, max(T, 1) (+ AN_REQUANT_STAGES)
`define AN_DEC_TQ(d)       d[486:455] // cycles a GEMM holds the queue after its first, max(T, 1) - 1
`define AN_DEC_TBK(d)      d[518:487] // its bank busy after its first cycle, max(T + C - 3, 0)
`define AN_DEC_TQ_Z(d)     d[519]     // TQ == 0
`define AN_DEC_TBK_Z(d)    d[520]     // TBK == 0
`define AN_DEC_TL_LE1(d)   d[521]     // TL <= 1
`endif
