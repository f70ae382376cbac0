// The GPU kernels of tf.nn (declared in ops/nn.ts): BiasAdd, and the row kernels of Softmax, LogSoftmax and the two
// cross-entropies, which share one template: over each row (the last axis) the max, then the sum of exp(x - max),
// then the outputs. Subtracting the row max first keeps exp finite for logits in the thousands; the results are then
// formed as (x - max) - log(sum) and exp(x - max) / sum, which lose nothing to a large max.
import { UnimplementedError } from '../../graph/errors.js';
import { binding, broadcastIndexExpr, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, Params, STATUS_WORDS, wgslType } from '../gpu.js';

/** Threads per workgroup of the elementwise-style kernels here (128 measured faster than 64 on llvmpipe, fuse.ts). */
const EW_WG = 128;

/**
 * BiasAdd: out[i] = value[i] + bias[channel(i)]. Four elements per thread when they can share one vec4 of the bias
 * (NHWC, channels a multiple of 4) or one bias value (NCHW, H*W a multiple of 4): vec4 memory access is 2-3x faster on
 * llvmpipe than scalar.
 */
export function biasAddGpu(k: GpuKernelContext, channelAxis: number): GpuKernel {
  const v = k.inputs[0];
  const t = wgslType(v.dtype);
  const channels = v.shape[channelAxis];
  const inner = v.shape.slice(channelAxis + 1).reduce((p, d) => p * d, 1);
  const last = channelAxis === v.shape.length - 1;
  const bindings: GpuBinding[] = [{ input: 0 }, { input: 1 }, { output: 0 }];
  // Sizes are uniform parameters: every BiasAdd of a model shares one or two pipelines.
  const p = new Params(v.size);
  let vec = false;
  let body: string;
  if (last && channels % 4 === 0) {
    vec = true;
    body = `out0[i] = in0[i] + in1[${p.mod('i', 'c', channels / 4)}];`;
  } else if (!last && inner % 4 === 0) {
    vec = true;
    body = `out0[i] = in0[i] + vec4<${t}>(in1[(i / ${p.u('inner', inner / 4)}) % ${p.u('c', channels)}]);`;
  } else {
    body = `out0[i] = in0[i] + in1[(i / ${p.u('inner', inner)}) % ${p.u('c', channels)}];`;
  }
  const count = vec ? v.size / 4 : v.size;
  const g = grid(count, EW_WG);
  const vt = vec ? `vec4<${t}>` : t;
  const biasT = vec && last ? vt : t;
  const n = p.u('n', count);
  const code = `${binding(0, 'in0', vt)}
${binding(1, 'in1', biasT)}
${binding(2, 'out0', vt, true)}
${p.decl(3)}
@compute @workgroup_size(${EW_WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${n}) { return; }
  ${body}
}`;
  bindings.push(...p.bindings());
  return { dispatches: [{ code, bindings, workgroups: g.workgroups }] };
}

// ---- row kernels ---------------------------------------------------------------------------------------------------

export type RowOp = 'Softmax' | 'LogSoftmax' | 'SoftmaxCrossEntropyWithLogits' | 'SparseSoftmaxCrossEntropyWithLogits';

/**
 * Rows up to this length get one thread each, in one dispatch: max, sum and outputs in three passes over the row.
 * Longer rows are split: a thread per chunk of CHUNK elements finds the chunk's max and sum of exp(x - max), a thread
 * per row combines the chunks, then a thread per element (per vec4 when rows are a multiple of 4) writes the outputs.
 * Measured on llvmpipe, ms per softmax (one thread per row / chunked): [1024,10] 0.10 / 0.22, [1024,65] 0.45 / 0.86,
 * [1024,128] 0.75 / 0.70, [512,512] 0.95 / 1.0, [128,4000] 2.5 / 2.4, [64,10000] 5.1 / 3.1; only the chunked path
 * spreads few long rows over many threads. A workgroup per row reducing in workgroup memory measured 3-100x slower
 * ([16384,10] 113 ms, [256,1000] 5.1 ms): workgroup barriers are costly on llvmpipe. And llvmpipe silently ends any
 * loop once an invocation has made 65535 loop iterations in all (LP_MAX_TGSI_LOOP_ITERATIONS), so no thread may walk
 * a long row alone.
 */
const SHORT_ROW = 128;
/** Elements per thread in the chunk pass, a multiple of 4 (128 to 4096 measured alike). */
const CHUNK = 256;

const WGSL_NAN = `fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isneginf_(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }`;

const ROW_WG = 64;

/**
 * The kernel of a row op. Inputs: logits (0) and, for the cross-entropies, labels (1): broadcast to the full shape for
 * the dense one, one class index per row for the sparse one. Outputs: Softmax/LogSoftmax one tensor of the logits'
 * shape; the cross-entropies the loss per row (0) and the backprop, softmax - labels (1). All arithmetic is float32;
 * the CPU kernel's is float64.
 */
export function rowOpGpu(k: GpuKernelContext, op: RowOp): GpuKernel {
  const sparse = op === 'SparseSoftmaxCrossEntropyWithLogits';
  const dense = op === 'SoftmaxCrossEntropyWithLogits';
  const xent = sparse || dense;
  const full = xent ? k.outputs[1].shape : k.outputs[0].shape;
  const n = full[full.length - 1];
  const rows = full.slice(0, -1).reduce((a, b) => a * b, 1);
  if (sparse && n === 0 && rows > 0) k.fail(`Must have at least one class, but got logits shape [${k.inputs[0].shape.join(',')}]`);
  const dispatches: GpuDispatch[] = [];
  if (sparse && rows > MAX_CHECKED_LABELS) {
    throw new UnimplementedError(`${op} node '${k.name}': ${rows} rows of labels; the webgpu executor checks at most ${MAX_CHECKED_LABELS}`);
  }
  if (sparse) dispatches.push(labelCheck(rows, n));
  if (rows === 0) return { dispatches: [] };
  if (n === 0) {
    // Softmax of empty rows is empty; a cross-entropy's loss over no classes is 0, as on the CPU.
    if (dense) dispatches.push(fillZero(rows));
    return { dispatches };
  }
  const X = (idx: string): string => `logits[${dense ? broadcastIndexExpr(idx, k.inputs[0].shape, full) : idx}]`;
  const L = (idx: string): string => `labels[${broadcastIndexExpr(idx, k.inputs[1].shape, full)}]`;
  const io = { dense, sparse, n, rows, X, L, op };
  if (n <= SHORT_ROW) dispatches.push(shortRows(io));
  else dispatches.push(...longRows(io));
  return {
    dispatches,
    check: sparse ? (code, words) => {
      // The CPU kernel lists the first 100 labels; the status words hold the first 63.
      const shown = Array.from(words.subarray(1, 1 + Math.min(rows, LISTED_LABELS)), (w) => w | 0).join(' ') + (rows > LISTED_LABELS ? ' ...' : '');
      return `${op} node '${k.name}': Received a label value of ${code | 0} which is outside the valid range of [0, ${n}).  Label values: ${shown}`;
    } : undefined,
  };
}

interface RowIO {
  op: RowOp; dense: boolean; sparse: boolean; n: number; rows: number;
  X: (idx: string) => string; L: (idx: string) => string;
}

/**
 * Bindings and declarations: logits and labels when the shader reads them (a pipeline's automatic layout drops unused
 * bindings, and binding them anyway is an error), then the given extras.
 */
function rowBindings(
  io: RowIO, uses: { logits: boolean; labels: boolean }, extras: Array<[GpuBinding, string, string, boolean]>, vec = false,
): { bindings: GpuBinding[]; decls: string } {
  const bindings: GpuBinding[] = [];
  const decls: string[] = [];
  const add = (b: GpuBinding, name: string, type: string, write: boolean): void => {
    decls.push(binding(bindings.length, name, type, write));
    bindings.push(b);
  };
  const v = (t: string): string => (vec ? `vec4<${t}>` : t);
  if (uses.logits) add({ input: 0 }, 'logits', v('f32'), false);
  if (uses.labels) add({ input: 1 }, 'labels', io.dense ? v('f32') : 'i32', false);
  for (const [b, name, type, write] of extras) add(b, name, type, write);
  return { bindings, decls: decls.join('\n') };
}

/** The per-element outputs, given x (the logit), e (its flat index), j (its class), m, s and ls = log(s). */
function elementOut(io: RowIO, lab: () => string): string {
  switch (io.op) {
    case 'Softmax': return 'out0[e] = exp(x - m) / s;';
    case 'LogSoftmax': return 'out0[e] = (x - m) - ls;';
    case 'SoftmaxCrossEntropyWithLogits': return `out1[e] = exp(x - m) / s - ${lab()};`;
    case 'SparseSoftmaxCrossEntropyWithLogits': return 'out1[e] = exp(x - m) / s - select(0.0, 1.0, i32(j) == label);';
  }
}

/** One thread per row: max, sum of exp(x - max), outputs (and the loss), three passes over the row. */
function shortRows(io: RowIO): GpuDispatch {
  const { n, rows, X, L } = io;
  const outs: Array<[GpuBinding, string, string, boolean]> = [[{ output: 0 }, 'out0', 'f32', true]];
  if (io.dense || io.sparse) outs.push([{ output: 1 }, 'out1', 'f32', true]);
  const { bindings, decls } = rowBindings(io, { logits: true, labels: io.dense || io.sparse }, outs);
  // As the CPU kernel, a zero label adds nothing to the loss (0 * inf would be NaN).
  const lossTerm = io.dense ? `let lab = ${L('e')}; if (lab != 0.0) { acc += lab * (ls - (x - m)); }` : '';
  const g = grid(rows, ROW_WG);
  const code = `${decls}
${WGSL_NAN}
@compute @workgroup_size(${ROW_WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = ${g.flatIndex};
  if (r >= ${rows}u) { return; }
  let base = r * ${n}u;
  ${io.sparse ? 'let label = labels[r];' : ''}
  var m = ${X('base')};
  for (var j = 1u; j < ${n}u; j++) { let v = ${X('base + j')}; if (v > m || isnan_(v)) { m = v; } }
  var s = 0.0;
  for (var j = 0u; j < ${n}u; j++) { s += exp(${X('base + j')} - m); }
  let ls = log(s);
  var acc = 0.0;
  for (var j = 0u; j < ${n}u; j++) {
    let e = base + j;
    let x = ${X('e')};
    ${lossTerm}
    ${elementOut(io, () => 'lab')}
  }
  ${io.dense ? 'out0[r] = acc;' : ''}
  ${io.sparse ? `out0[r] = ls - (${X(`base + u32(clamp(label, 0, ${n - 1}))`)} - m);` : ''}
}`;
  return { code, bindings, workgroups: g.workgroups };
}

/**
 * Long rows: chunk pass, combine pass (skipped when a row is one chunk), element pass. Row statistics go through
 * scratch memory: per chunk [max, sum] (+ [sum of lab * (x - max), sum of lab] for the dense cross-entropy), per row
 * [max, sum or log(sum)].
 */
function longRows(io: RowIO): GpuDispatch[] {
  const { n, rows, X, L, dense, sparse } = io;
  let chunk = CHUNK;
  // One combining thread may loop over at most ~16k chunks (llvmpipe's loop budget, above).
  while (Math.ceil(n / chunk) > 16384) chunk *= 2;
  const nc = Math.ceil(n / chunk);
  const width = dense ? 4 : 2;
  const stats: GpuBinding = { scratch: 0, bytes: rows * 2 * 4 };
  const parts: GpuBinding = { scratch: 1, bytes: rows * nc * width * 4 };
  const logStat = io.op === 'LogSoftmax';
  // What a row's final thread writes: its stats and, for the cross-entropies, its loss.
  const finish = (lossExpr: string): string => `st[2u * r] = m;
  st[2u * r + 1u] = ${logStat ? 'log(s)' : 's'};
  ${dense ? `out0[r] = ${lossExpr};` : ''}
  ${sparse ? `let label = labels[r]; out0[r] = log(s) - (${X(`r * ${n}u + u32(clamp(label, 0, ${n - 1}))`)} - m);` : ''}`;

  const out: GpuDispatch[] = [];
  // Chunk pass: max, then sums with four accumulators (less rounding error, fewer loop iterations).
  {
    const single = nc === 1;
    const extras: Array<[GpuBinding, string, string, boolean]> = [[single ? stats : parts, single ? 'st' : 'part', 'f32', true]];
    if (single && (dense || sparse)) extras.push([{ output: 0 }, 'out0', 'f32', true]);
    const { bindings, decls } = rowBindings(io, { logits: true, labels: dense || (sparse && single) }, extras);
    const g = grid(rows * nc, ROW_WG);
    const lanes = [0, 1, 2, 3];
    const v4 = (f: (e: string) => string): string => `vec4<f32>(${lanes.map((q) => f(`e + ${q}u`)).join(', ')})`;
    const code = `${decls}
${WGSL_NAN}
@compute @workgroup_size(${ROW_WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = ${g.flatIndex};
  if (t >= ${rows * nc}u) { return; }
  let r = t / ${nc}u;
  let base = r * ${n}u;
  let j0 = (t - r * ${nc}u) * ${chunk}u;
  let j1 = min(j0 + ${chunk}u, ${n}u);
  var m = ${X('base + j0')};
  for (var j = j0 + 1u; j < j1; j++) { let v = ${X('base + j')}; if (v > m || isnan_(v)) { m = v; } }
  var s4 = vec4<f32>(0.0);
  ${dense ? 'var a4 = vec4<f32>(0.0); var b4 = vec4<f32>(0.0);' : ''}
  var j = j0;
  for (; j + 4u <= j1; j += 4u) {
    let e = base + j;
    let x4 = ${v4(X)} - m;
    s4 += exp(x4);
    ${dense ? `let l4 = ${v4(L)}; a4 += select(vec4<f32>(0.0), l4 * x4, l4 != vec4<f32>(0.0)); b4 += l4;` : ''}
  }
  for (; j < j1; j++) {
    let e = base + j;
    let x = ${X('e')} - m;
    s4.x += exp(x);
    ${dense ? `let l = ${L('e')}; if (l != 0.0) { a4.x += l * x; } b4.x += l;` : ''}
  }
  let s = (s4.x + s4.y) + (s4.z + s4.w);
  ${dense ? 'let a = (a4.x + a4.y) + (a4.z + a4.w); let b = (b4.x + b4.y) + (b4.z + b4.w);' : ''}
  ${single ? finish('b * log(s) - a') : `let p = t * ${width}u;
  part[p] = m;
  part[p + 1u] = s;
  ${dense ? 'part[p + 2u] = a; part[p + 3u] = b;' : ''}`}
}`;
    out.push({ code, bindings, workgroups: g.workgroups });
  }
  // Combine pass: the row max over the chunks' maxima, then sum_c s_c * exp(m_c - m). A chunk whose max is -inf adds 0
  // (unless the whole row is -inf: then m is -inf too and the outputs are NaN, as on the CPU).
  if (nc > 1) {
    const extras: Array<[GpuBinding, string, string, boolean]> = [[parts, 'part', 'f32', false], [stats, 'st', 'f32', true]];
    if (dense || sparse) extras.push([{ output: 0 }, 'out0', 'f32', true]);
    const { bindings, decls } = rowBindings(io, { logits: sparse, labels: sparse }, extras);
    const g = grid(rows, ROW_WG);
    const code = `${decls}
${WGSL_NAN}
@compute @workgroup_size(${ROW_WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = ${g.flatIndex};
  if (r >= ${rows}u) { return; }
  let p0 = r * ${nc * width}u;
  var m = part[p0];
  for (var c = 1u; c < ${nc}u; c++) { let v = part[p0 + c * ${width}u]; if (v > m || isnan_(v)) { m = v; } }
  var s = 0.0;
  for (var c = 0u; c < ${nc}u; c++) {
    let p = p0 + c * ${width}u;
    if (!isneginf_(part[p])) { s += part[p + 1u] * exp(part[p] - m); }
  }
  ${dense ? `// sum of lab * (log(s) - (x - m)) over a chunk = b_c * (log(s) + (m - m_c)) - a_c.
  let ls = log(s);
  var loss = 0.0;
  for (var c = 0u; c < ${nc}u; c++) {
    let p = p0 + c * ${width}u;
    if (part[p + 3u] != 0.0 || part[p + 2u] != 0.0) { loss += part[p + 3u] * (ls + (m - part[p])) - part[p + 2u]; }
  }` : ''}
  ${finish('loss')}
}`;
    out.push({ code, bindings, workgroups: g.workgroups });
  }
  // Element pass.
  {
    const vec = n % 4 === 0 && (!dense || (X('e') === 'logits[e]' && L('e') === 'labels[e]'));
    const outs: Array<[GpuBinding, string, string, boolean]> = [[stats, 'st', 'f32', false]];
    const t = vec ? 'vec4<f32>' : 'f32';
    outs.push(dense || sparse ? [{ output: 1 }, 'out1', t, true] : [{ output: 0 }, 'out0', t, true]);
    const { bindings, decls } = rowBindings(io, { logits: true, labels: dense || sparse }, outs, vec);
    const count = (rows * n) / (vec ? 4 : 1);
    const g = grid(count, 128);
    const sVal = logStat ? 'ls' : 's';
    let body: string;
    if (vec) {
      body = `let r = (i * 4u) / ${n}u;
  let m = st[2u * r];
  let ${sVal} = st[2u * r + 1u];
  let e = i;
  let x = logits[i];
  ${sparse ? `let label = labels[r]; let j = vec4<i32>(i32((i * 4u) % ${n}u)) + vec4<i32>(0, 1, 2, 3);
  out1[e] = exp(x - m) / s - select(vec4<f32>(0.0), vec4<f32>(1.0), j == vec4<i32>(label));` : elementOut(io, () => 'labels[e]')}`;
    } else {
      body = `let r = i / ${n}u;
  let m = st[2u * r];
  let ${sVal} = st[2u * r + 1u];
  let e = i;
  let x = ${X('e')};
  ${sparse ? `let label = labels[r]; let j = i - r * ${n}u;` : ''}
  ${elementOut(io, () => L('e'))}`;
    }
    const code = `${decls}
@compute @workgroup_size(128) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}u) { return; }
  ${body}
}`;
    out.push({ code, bindings, workgroups: g.workgroups });
  }
  return out;
}

/** The dense cross-entropy's loss over rows of no classes: 0. */
function fillZero(rows: number): GpuDispatch {
  const g = grid(rows, 128);
  const code = `${binding(0, 'out0', 'f32', true)}
@compute @workgroup_size(128) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i < ${rows}u) { out0[i] = 0.0; }
}`;
  return { code, bindings: [{ output: 0 }], workgroups: g.workgroups };
}

/** The label check's 64 threads may each loop at most 65535 times on llvmpipe. */
const MAX_CHECKED_LABELS = 64 * 65000;
/** Labels listed in the message of a bad label: the status words after the first. */
const LISTED_LABELS = STATUS_WORDS - 1;

/**
 * Finds the first label outside [0, n) (the CPU kernel reports the first) and writes its bits to status word 0, and
 * the first labels after it for the message: one workgroup, each thread scanning a strided share, then the least bad
 * row by a workgroup reduction. A bad label is never 0 (n >= 1 here), so word 0 is non-zero exactly when one is bad.
 * (One workgroup: each thread may loop at most 65535 times on llvmpipe, enough for 4M labels.)
 */
function labelCheck(rows: number, n: number): GpuDispatch {
  const code = `${binding(0, 'labels', 'i32')}
${binding(1, 'status', 'u32', true)}
var<workgroup> first: array<u32, 64>;
@compute @workgroup_size(64) fn main(@builtin(local_invocation_index) t: u32) {
  var bad = 0xffffffffu;
  for (var r = t; r < ${rows}u; r += 64u) {
    let l = labels[r];
    if (l < 0 || l >= ${n}) { bad = r; break; }
  }
  first[t] = bad;
  workgroupBarrier();
  for (var h = 32u; h > 0u; h >>= 1u) {
    if (t < h) { first[t] = min(first[t], first[t + h]); }
    workgroupBarrier();
  }
  if (first[0] != 0xffffffffu) {
    if (t == 0u) { status[0] = bitcast<u32>(labels[first[0]]); }
    if (t < ${Math.min(rows, LISTED_LABELS)}u) { status[t + 1u] = bitcast<u32>(labels[t]); }
  }
}`;
  return { code, bindings: [{ input: 1 }, { status: true }], workgroups: [rows > 0 ? 1 : 0, 1, 1] };
}
