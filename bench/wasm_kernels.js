// Micro-benchmark of the cpu executor's wasm kernels (session/cpu/kernels.ts on dist/) against tfjs-wasm 4.22 in the
// same process and run: GEMM 1024^3 and 256^3, and LeNet-style convolutions, on 1 and 2 threads.
//   npm run build && node bench/wasm_kernels.js [--threads 1,2] [--budget-ms 1500]
//   node --experimental-wasm-relaxed-simd bench/wasm_kernels.js --fma      the relaxed-SIMD FMA GEMM (Node 20)
// Each step is what an executor does per run with both operands variable: pack B, compute, copy the result out of
// wasm memory (tfjs: matMul/conv2d and `await data()`). The inputs are already in wasm memory / tfjs tensors.
// Prints, per case and peer, the median and the fastest step (ms and GFLOP/s; 2*m*n*k flops, conv 2*n*oh*ow*oc*kh*kw*c),
// the GFLOP per CPU-second of the process (all its threads), the speed-up over tfjs-wasm, and the largest difference
// from tfjs-wasm's result as a check. On a machine shared with other work the median measures the contention too;
// the fastest step and the per-CPU-second figure are the kernels' own.
import os from 'node:os';
import { measure, median } from './measure.js';
import { load } from './peers/tfjs.js';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? dflt : process.argv[i + 1]; };
const THREADS = arg('threads', '1,2').split(',').map(Number);
const BUDGET = Number(arg('budget-ms', 1500));
const FMA = process.argv.includes('--fma');

const { WasmKernels } = await import('../dist/session/cpu/kernels.js');

function random(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s / 2 ** 31 - 1; }
  return out;
}

const CASES = [
  { id: 'gemm 1024^3', kind: 'gemm', m: 1024, n: 1024, k: 1024 },
  { id: 'gemm 256^3', kind: 'gemm', m: 256, n: 256, k: 256 },
  { id: 'conv 64x28x28x1 * 5x5x1x32 SAME', kind: 'conv', x: [64, 28, 28, 1], f: [5, 5, 1, 32] },
  { id: 'conv 64x14x14x32 * 5x5x32x64 SAME', kind: 'conv', x: [64, 14, 14, 32], f: [5, 5, 32, 64] },
];

const flopsOf = (c) => c.kind === 'gemm' ? 2 * c.m * c.n * c.k : 2 * c.x[0] * c.x[1] * c.x[2] * c.f[3] * c.f[0] * c.f[1] * c.f[2];
const inputsOf = (c) => c.kind === 'gemm'
  ? { a: random(c.m * c.k, 1), b: random(c.k * c.n, 2) }
  : { a: random(c.x.reduce((p, v) => p * v), 3), b: random(c.f.reduce((p, v) => p * v), 4) };

function kilnStep(kn, c, inp) {
  const a = kn.copyIn(inp.a), b = kn.copyIn(inp.b);
  if (c.kind === 'gemm') {
    const out = kn.alloc(c.m * c.n * 4);
    return () => {
      const bp = kn.packB(b, c.k, c.n);
      kn.gemm({ m: c.m, n: c.n, k: c.k, a, bPacked: bp, c: out });
      kn.release(bp);
      return kn.read(out, c.m * c.n);
    };
  }
  const [n, h, w, ch] = c.x, [kh, kw, , oc] = c.f;
  const g = { n, h, w, c: ch, kh, kw, oc, strides: [1, 1], dilations: [1, 1], padding: 'SAME' };
  const { oh, ow } = WasmKernels.convOutput(g);
  const out = kn.alloc(n * oh * ow * oc * 4);
  return () => {
    const fp = kn.packB(b, kh * kw * ch, oc);
    kn.conv2dPtr(g, a, fp, out);
    kn.release(fp);
    return kn.read(out, n * oh * ow * oc);
  };
}

function tfjsStep(tf, c, inp) {
  const a = tf.tensor(inp.a, c.kind === 'gemm' ? [c.m, c.k] : c.x), b = tf.tensor(inp.b, c.kind === 'gemm' ? [c.k, c.n] : c.f);
  return async () => {
    const y = c.kind === 'gemm' ? tf.matMul(a, b) : tf.conv2d(a, b, 1, 'same');
    const d = await y.data();
    y.dispose();
    return d;
  };
}

/** `step` with the process CPU time (ms, all threads) of each call recorded in `cpu`. */
function withCpu(step, cpu) {
  return async () => {
    const u = process.cpuUsage();
    const out = await step();
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1000);
    return out;
  };
}

const maxDiff = (x, y) => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i])); return m; };

const tf = await load('wasm');
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
const pools = [];
for (const t of THREADS) pools.push(await WasmKernels.create({ threads: t, fma: FMA }));
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; Node ${process.version}`);
console.log(`kiln wasm: SIMD128, ${FMA ? 'relaxed-SIMD FMA' : `no FMA (relaxed SIMD ${pools[0].features.relaxedSimd ? 'available, unused: --fma uses it' : 'unavailable'})`}; tfjs-wasm 4.22: SIMD ${simd ? 'on' : 'off'}, threads ${mt ? 'on' : 'off'}`);
const rows = [];
const fmt = (x) => x.toFixed(x < 10 ? 2 : 1);
for (const c of CASES) {
  const inp = inputsOf(c), gflop = flopsOf(c) / 1e9;
  const peerCpu = [];
  const peer = await measure(withCpu(tfjsStep(tf, c, inp), peerCpu), { budgetMs: BUDGET });
  const row = (who, r, cpu, check) => ({
    case: c.id, peer: who, 'median ms': fmt(r.medianMs), 'min ms': fmt(r.minMs),
    'GFLOP/s (median)': fmt(gflop / r.medianMs * 1e3), 'GFLOP/s (min)': fmt(gflop / r.minMs * 1e3), 'GFLOP/cpu-s': fmt(gflop / median(cpu) * 1e3),
    'x tfjs (median)': fmt(peer.medianMs / r.medianMs), 'x tfjs (min)': fmt(peer.minMs / r.minMs), 'max |diff| vs tfjs': check,
  });
  rows.push(row('tfjs-wasm', peer, peerCpu, '-'));
  for (const [i, kn] of pools.entries()) {
    const cpu = [];
    const r = await measure(withCpu(kilnStep(kn, c, inp), cpu), { budgetMs: BUDGET });
    rows.push(row(`kiln ${THREADS[i]} thread${THREADS[i] > 1 ? 's' : ''}`, r, cpu, maxDiff(r.last, peer.last).toExponential(1)));
  }
}
console.log(`load after: ${os.loadavg()[0].toFixed(1)}`);
console.table(rows);
for (const kn of pools) await kn.close();
