// ONNX Runtime (npm onnxruntime-node, CPU) driven for asicnn: the peer that
// runs every exported ONNX file for the cross-check, the benchmark and the
// comparison. It reads and writes raw little-endian float32 files and prints
// plain `key value` lines; the C side (src/report/ort.c) spawns it.
//
//   node ort_run.js check
//       prints `ok onnxruntime-node VERSION` when the package loads
//   node ort_run.js run MODEL.onnx IN.f32 OUT.f32 NxCxHxW THREADS
//       one inference of the whole batch; OUT gets the first output, float32
//   node ort_run.js bench MODEL.onnx NxCxHxW THREADS REPEATS SECONDS
//       random normal input; after a warm-up, REPEATS timed windows of at
//       least SECONDS each: a line `ips V` (images/s) per window, then
//       `call_us V`, the median wall time of one call of a one-node model
//       (Identity on one float) through the same binding: its fixed cost.
//
// The package lives in ort/node_modules (scripts/bootstrap.sh installs it
// with --ignore-scripts); ASICNN_ORT_MODULES names another node_modules.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`ort_run: ${msg}\n`);
  process.exit(2);
}

function loadOrt() {
  const dir = process.env.ASICNN_ORT_MODULES || path.join(__dirname, '..', 'ort', 'node_modules');
  try {
    return require(path.join(dir, 'onnxruntime-node'));
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${dir} (run scripts/bootstrap.sh): ${e.message}`);
  }
}

function parseDims(s) {
  const d = s.split('x').map(Number);
  if (!d.length || d.some((v) => !Number.isInteger(v) || v < 1)) fail(`bad shape '${s}'`);
  return d;
}

function parseCount(s, what) {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) fail(`${what} must be a whole number >= 1, got '${s}'`);
  return v;
}

async function session(ort, model, threads) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: process.env.ASICNN_ORT_OPT || 'all',
  });
}

// Protobuf helpers for the one-node model: varint, length-delimited fields.
function varint(n) {
  const b = [];
  while (n > 127) {
    b.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  b.push(n);
  return Buffer.from(b);
}
const fieldV = (f, n) => Buffer.concat([varint(f * 8), varint(n)]);
const fieldB = (f, buf) => {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf, 'utf8');
  return Buffer.concat([varint(f * 8 + 2), varint(b.length), b]);
};

// ModelProto of y = Identity(x), x and y float [1, 1], opset 13.
function identityModel() {
  const dim = fieldB(1, fieldV(1, 1));                       // Dimension.dim_value
  const shape = fieldB(2, Buffer.concat([dim, dim]));        // TypeProto.Tensor.shape
  const type = fieldB(1, Buffer.concat([fieldV(1, 1), shape])); // TypeProto.tensor_type
  const vi = (name) => Buffer.concat([fieldB(1, name), fieldB(2, type)]);
  const node = Buffer.concat([fieldB(1, 'x'), fieldB(2, 'y'), fieldB(4, 'Identity')]);
  const graph = Buffer.concat([fieldB(1, node), fieldB(2, 'g'), fieldB(11, vi('x')), fieldB(12, vi('y'))]);
  const opset = Buffer.concat([fieldB(1, ''), fieldV(2, 13)]);
  return Buffer.concat([fieldV(1, 7), fieldB(7, graph), fieldB(8, opset)]);
}

function randomInput(n) {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = (s / 4294967296 - 0.5) * 2;
  }
  return x;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run(ort, [model, inFile, outFile, shape, threads]) {
  if (!threads) fail('usage: run MODEL.onnx IN.f32 OUT.f32 NxCxHxW THREADS');
  const dims = parseDims(shape);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = fs.readFileSync(inFile);
  if (raw.length !== n * 4) fail(`${inFile}: ${raw.length} bytes, expected ${n * 4} for ${shape}`);
  const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const s = await session(ort, model, parseCount(threads, 'THREADS'));
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  const y = out[s.outputNames[0]];
  if (y.type !== 'float32') fail(`${model}: output is ${y.type}, expected float32`);
  fs.writeFileSync(outFile, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(`ok outputs ${y.data.length}`);
}

async function bench(ort, [model, shape, threads, repeats, seconds]) {
  if (!seconds) fail('usage: bench MODEL.onnx NxCxHxW THREADS REPEATS SECONDS');
  const dims = parseDims(shape);
  const th = parseCount(threads, 'THREADS'), reps = parseCount(repeats, 'REPEATS');
  const secs = Number(seconds);
  if (!(secs > 0)) fail(`SECONDS must be > 0, got '${seconds}'`);
  const s = await session(ort, model, th);
  const feed = { [s.inputNames[0]]: new ort.Tensor('float32', randomInput(dims.reduce((a, b) => a * b, 1)), dims) };
  for (let i = 0; i < 3; i++) await s.run(feed);
  for (let r = 0; r < reps; r++) {
    let calls = 0;
    const t0 = process.hrtime.bigint();
    let dt = 0;
    do {
      await s.run(feed);
      calls++;
      dt = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (dt < secs);
    console.log(`ips ${(calls * dims[0]) / dt}`);
  }
  const id = await session(ort, identityModel(), th);
  const one = { x: new ort.Tensor('float32', new Float32Array([1]), [1, 1]) };
  for (let i = 0; i < 100; i++) await id.run(one);
  const t = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await id.run(one);
    t.push(Number(process.hrtime.bigint() - t0) / 1e3 / 1000);
  }
  console.log(`call_us ${median(t)}`);
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  const ort = loadOrt();
  if (cmd === 'check') {
    console.log(`ok onnxruntime-node ${ort.env.versions.node}`);
  } else if (cmd === 'run') {
    await run(ort, args);
  } else if (cmd === 'bench') {
    await bench(ort, args);
  } else {
    fail('usage: ort_run.js check | run ... | bench ... (see the header of this file)');
  }
}

main().catch((e) => fail(e.message || String(e)));
