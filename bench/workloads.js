// The workloads and their data. Every peer process builds its inputs from the same seeds, so all peers compute the
// same thing and their results can be compared by checksum.

/** The peers, in table order; each runs in its own process (bench/peer.js). `-noopt`: Session.create({optimizer: false}). */
export const PEERS = ['kiln-webgpu', 'kiln-cpu', 'kiln-webgpu-noopt', 'kiln-cpu-noopt', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu'];

/** id -> what it is. Sizes are here once; the peers read them. */
export const WORKLOADS = {
  'W1-1024': { kind: 'matmul', n: 1024, title: 'matmul 1024x1024 @ 1024x1024 (float32)' },
  'W1-256': { kind: 'matmul', n: 256, title: 'matmul 256x256 @ 256x256 (float32)' },
  'W2': { kind: 'elementwise', n: 4 * 1024 * 1024, title: 'relu(x*a + b)*c - d on 4M float32, x held on the device' },
  'W3': { kind: 'train-mlp', batch: 128, lr: 0.05, title: 'one SGD step of MLP 784-256-256-10, softmax cross-entropy, batch 128, loss read back' },
  'W4-1': { kind: 'mlp', batch: 1, title: 'MLP 784-256-256-10 + softmax, batch 1 (input fed each run)' },
  'W4-1024': { kind: 'mlp', batch: 1024, title: 'MLP 784-256-256-10 + softmax, batch 1024 (input fed each run)' },
  'W5': { kind: 'train-lenet', batch: 64, lr: 0.05, title: 'one SGD step of a LeNet-like CNN (conv 5x5 1->8, pool, conv 5x5 8->16, pool, dense 784->10), batch 64, loss read back' },
  // Not in the table: the memory check's small graph while Kiln's GPU matmul (needed by W4-1) is missing.
  'W2-4K': { kind: 'elementwise', n: 4096, title: 'relu(x*a + b)*c - d on 4096 float32', hidden: true },
};

/** The table's workloads, in order. */
export const WORKLOAD_IDS = Object.keys(WORKLOADS).filter((id) => !WORKLOADS[id].hidden);

/** W2's scalars. b < 0 so that relu actually clips part of the input. */
export const W2_SCALARS = { a: 1.5, b: -0.25, c: 2, d: 0.5 };

export const MLP_LAYERS = [784, 256, 256, 10];

/**
 * W5's network, NHWC: conv 5x5 SAME + bias + relu + maxpool 2x2 (stride 2) twice, then dense 784 -> 10.
 * Filters are [height, width, in, out] in Kiln (TF's HWIO) and tfjs alike.
 */
export const LENET = { image: [28, 28, 1], convs: [{ cin: 1, cout: 8 }, { cin: 8, cout: 16 }], kernel: 5, flat: 7 * 7 * 16, classes: 10 };

/** Training workloads: the step's result is the loss; these are compared by the losses of their first two steps. */
export const isTraining = (id) => WORKLOADS[id]?.kind.startsWith('train-') ?? false;

/** mulberry32: a small seeded PRNG, so the data does not depend on the peer or the run. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n, lo, hi, seed) {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** The inputs of workload `id` as Float32Arrays with their shapes. */
export function makeInputs(id) {
  const w = WORKLOADS[id];
  if (w === undefined) throw new Error(`unknown workload '${id}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
  if (w.kind === 'matmul') {
    return { a: uniform(w.n * w.n, -1, 1, 1), b: uniform(w.n * w.n, -1, 1, 2), shape: [w.n, w.n] };
  }
  if (w.kind === 'elementwise') return { x: uniform(w.n, -1, 1, 3), shape: [w.n] };
  if (w.kind === 'train-lenet') return lenetInputs(w);
  // Glorot-uniform weights, small biases: the activations stay in a sane range through three layers.
  const layers = [];
  for (let i = 0; i + 1 < MLP_LAYERS.length; i++) {
    const [fin, fout] = [MLP_LAYERS[i], MLP_LAYERS[i + 1]];
    const lim = Math.sqrt(6 / (fin + fout));
    layers.push({ w: uniform(fin * fout, -lim, lim, 10 + i), wShape: [fin, fout], b: uniform(fout, -0.1, 0.1, 20 + i) });
  }
  const x = uniform(w.batch * MLP_LAYERS[0], 0, 1, 4);
  if (w.kind === 'train-mlp') return { layers, x, xShape: [w.batch, MLP_LAYERS[0]], labels: labels(w.batch, 5), lr: w.lr };
  return { layers, x, xShape: [w.batch, MLP_LAYERS[0]] };
}

/** `n` class labels in 0..9, seeded. */
function labels(n, seed) {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * 10));
}

function lenetInputs(w) {
  const L = LENET;
  const k2 = L.kernel * L.kernel;
  const convs = L.convs.map(({ cin, cout }, i) => {
    const lim = Math.sqrt(6 / (k2 * cin + k2 * cout)); // Glorot-uniform on the conv's fan-in and fan-out
    return { w: uniform(k2 * cin * cout, -lim, lim, 30 + i), wShape: [L.kernel, L.kernel, cin, cout], b: uniform(cout, -0.1, 0.1, 40 + i) };
  });
  const lim = Math.sqrt(6 / (L.flat + L.classes));
  const dense = { w: uniform(L.flat * L.classes, -lim, lim, 50), wShape: [L.flat, L.classes], b: uniform(L.classes, -0.1, 0.1, 51) };
  const xShape = [w.batch, ...L.image];
  return { convs, dense, x: uniform(w.batch * 28 * 28, 0, 1, 6), xShape, labels: labels(w.batch, 7), lr: w.lr };
}

/**
 * A checksum of a result, for comparing peers: the plain sum, a position-weighted sum (catches transposed or shuffled
 * outputs), the sum of magnitudes (the scale the sums are compared at), the sum of squares (catches a softmax that
 * still sums to 1 but is wrong) and the first 8 values.
 */
export function checksum(data) {
  let sum = 0, wsum = 0, abs = 0, sq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    sum += v;
    wsum += v * ((i % 13) - 6);
    abs += Math.abs(v);
    sq += v * v;
  }
  return { n: data.length, sum, wsum, abs, sq, head: Array.from(data.subarray(0, 8)) };
}

/** Whether two checksums agree to float32 rounding noise (relative to the result's magnitude). */
export function checksumsAgree(x, y, rel = 1e-4) {
  if (x.n !== y.n) return false;
  const scale = Math.max(x.abs, y.abs, 1e-30);
  const rms = Math.sqrt(Math.max(x.sq, y.sq) / x.n);
  return Math.abs(x.sum - y.sum) <= rel * scale && Math.abs(x.wsum - y.wsum) <= 6 * rel * scale &&
    Math.abs(x.abs - y.abs) <= rel * scale && Math.abs(x.sq - y.sq) <= 10 * rel * Math.max(x.sq, y.sq) &&
    x.head.every((v, i) => Math.abs(v - y.head[i]) <= 10 * rel * (Math.abs(y.head[i]) + rms));
}

/**
 * Whether two training cells agree: the losses of their first two steps (`info.lossStep1`, `info.lossStep2`) within
 * float32 noise. Step 1 checks the forward pass, step 2 the gradients and the update.
 */
export function lossesAgree(x, y, rel = 1e-4) {
  const close = (a, b) => Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1);
  return close(x?.lossStep1, y?.lossStep1) && close(x?.lossStep2, y?.lossStep2);
}
