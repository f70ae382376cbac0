// `node bench/data_prefetch.js`: does Dataset.prefetch overlap input work with session.run? A training loop (an MLP
// 784-128-10, Adam, batch 64, on synthetic data) whose input pipeline has an artificially slow map step, timed four
// ways in one process on the same session:
//   step      the training step alone, batches made beforehand
//   map       the pipeline alone (no training)
//   serial    the loop over the pipeline without prefetch: about map + step per step
//   prefetch  the same loop with .prefetch(2): should be about max(map, step) per step
// The slow map is either an async sleep (`--map sleep`, the default: waiting on I/O, say) or a busy wait in a worker
// thread (`--map busy`: CPU work off the main thread; on a 2-core machine it competes with llvmpipe's threads).
// Its length defaults to the measured step time (where overlap matters most); --map-ms N sets it. The four are
// measured in turn, ROUNDS times, and each reported as its median over the rounds (a shared machine's load comes and
// goes; interleaving spreads it over all four alike).
//
//   node bench/data_prefetch.js [--executor webgpu|cpu] [--map sleep|busy|both] [--map-ms N] [--steps N]
import * as tf from '../dist/index.js';

function parseArgs(argv) {
  const o = { executor: 'webgpu', map: 'both', mapMs: undefined, steps: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    if (a === '--executor') o.executor = v();
    else if (a === '--map') o.map = v();
    else if (a === '--map-ms') o.mapMs = Number(v());
    else if (a === '--steps') o.steps = Number(v());
    else throw new Error(`unknown option '${a}' (see the header of bench/data_prefetch.js)`);
  }
  if (!['sleep', 'busy', 'both'].includes(o.map)) throw new Error(`--map must be sleep, busy or both, got '${o.map}'`);
  return o;
}

const BATCH = 64;
const WARMUP = 3;
const ROUNDS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function model() {
  const x = tf.placeholder('float32', [null, 784], 'x');
  const labels = tf.placeholder('int32', [null], 'labels');
  const h = tf.layers.dense(x, 128, { activation: tf.nn.relu, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const logits = tf.layers.dense(h, 10, { kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
  const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
  return { loss, trainOp: new tf.train.AdamOptimizer(1e-3).minimize(loss) };
}

/** Synthetic examples: fixed pseudo-random pixels and labels. */
function examples(n) {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) >>> 0) / 4294967296;
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return tf.data.Dataset.fromTensorSlices({ x: tf.ndarray(x, [n, 784]), labels });
}

/** Milliseconds per element (waiting for it, then `work` on it) over `steps` elements of `ds` after WARMUP. */
async function perStep(ds, steps, work) {
  let k = 0, t0 = 0;
  for await (const b of ds.take(WARMUP + steps)) {
    await work(b);
    if (++k === WARMUP) t0 = performance.now();
  }
  return (performance.now() - t0) / steps;
}

const opts = parseArgs(process.argv.slice(2));
const { loss, trainOp } = model();
const sess = await tf.Session.create({ executor: opts.executor });
await sess.run(tf.globalVariablesInitializer());
const batches = examples(BATCH * 8).batch(BATCH).repeat();
const step = (b) => sess.run({ t: trainOp, l: loss }, b);

// The step alone, batches made beforehand.
const ready = [];
for await (const b of batches.take(8)) ready.push(b);
const fromMemory = tf.data.Dataset.fromGenerator(function* gen() { for (;;) yield* ready; });
const firstStepMs = await perStep(fromMemory, opts.steps, step);
const mapMs = opts.mapMs ?? Math.max(1, Math.round(firstStepMs));

const slowMaps = {
  sleep: (ds) => ds.map(async (b) => { await new Promise((r) => setTimeout(r, mapMs)); return b; }),
  // Runs in a worker from its source text: the delay travels in the element.
  busy: (ds) => ds.map((e) => { const t = Date.now(); while (Date.now() - t < e.ms.data[0]) { /* busy */ } return e.b; }, { numParallelCalls: 1 }),
};
const inputs = {
  sleep: batches,
  busy: batches.map((b) => ({ b, ms: new Float32Array([mapMs]) })),
};

console.log(`data_prefetch: ${sess.device.executor}${sess.device.adapter ? ` (${sess.device.adapter})` : ''}, MLP 784-128-10, batch ${BATCH}, ` +
  `${opts.steps} timed steps x ${ROUNDS} rounds per cell, slow map ${mapMs} ms per batch (medians, ms per step)`);
console.log('map    step   map alone  serial  prefetch  max(map,step)  prefetch / max  serial / (map+step)');
for (const kind of opts.map === 'both' ? ['sleep', 'busy'] : [opts.map]) {
  const slow = slowMaps[kind](inputs[kind]);
  const t = { step: [], alone: [], serial: [], prefetch: [] };
  for (let r = 0; r < ROUNDS; r++) {
    t.step.push(await perStep(fromMemory, opts.steps, step));
    t.alone.push(await perStep(slow, opts.steps, async () => undefined));
    t.serial.push(await perStep(slow, opts.steps, step));
    t.prefetch.push(await perStep(slow.prefetch(2), opts.steps, step));
  }
  const [st, al, se, pf] = [t.step, t.alone, t.serial, t.prefetch].map(median);
  const bound = Math.max(al, st);
  const f = (x, w) => x.toFixed(1).padStart(w);
  console.log(`${kind.padEnd(6)} ${f(st, 5)}  ${f(al, 10)}  ${f(se, 6)}  ${f(pf, 8)}  ${f(bound, 13)}  ${(pf / bound).toFixed(2).padStart(14)}  ${(se / (al + st)).toFixed(2).padStart(19)}`);
}
await sess.close();
