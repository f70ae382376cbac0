// `node bench/data_prefetch.js`: does Dataset.prefetch overlap input work with session.run? A training loop (an MLP
// 784-128-10, Adam, batch 64, on synthetic data) whose input pipeline has an artificially slow map step, timed four
// ways in one process on the same session:
//   step      the training step alone, batches made beforehand
//   map       the pipeline alone (no training)
//   serial    the loop over the pipeline without prefetch: about map + step per step
//   prefetch  the same loop with .prefetch(2): should be about max(map, step) per step
// The slow map is either an async sleep (`--map sleep`, the default: waiting on I/O, say) or a busy wait in a worker
// thread (`--map busy`: CPU work off the main thread; on a 2-core machine it competes with llvmpipe's threads).
// Its length defaults to the measured step time (where overlap matters most); --map-ms N sets it.
//
//   node bench/data_prefetch.js [--executor webgpu|cpu] [--map sleep|busy|both] [--map-ms N] [--steps N]
import * as tf from '../dist/index.js';

function parseArgs(argv) {
  const o = { executor: 'webgpu', map: 'both', mapMs: undefined, steps: 30 };
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

/** Milliseconds per element over `steps` elements of `ds` after WARMUP, `work` run on each. */
async function perStep(ds, steps, work) {
  let k = 0, t0 = 0;
  for await (const b of ds.take(WARMUP + steps)) {
    if (k++ === WARMUP) t0 = performance.now();
    await work(b);
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
const stepMs = await perStep(tf.data.Dataset.fromGenerator(function* gen() { for (;;) yield* ready; }), opts.steps, step);
const mapMs = opts.mapMs ?? Math.max(1, Math.round(stepMs));

const slowMaps = {
  sleep: (ds) => ds.map(async (b) => { await new Promise((r) => setTimeout(r, mapMs)); return b; }),
  // Runs in a worker from its source text: the delay travels in the element.
  busy: (ds) => ds.map((e) => { const t = Date.now(); while (Date.now() - t < e.ms.data[0]) { /* busy */ } return e.b; }, { numParallelCalls: 1 }),
};
const inputs = {
  sleep: batches,
  busy: batches.map((b) => ({ b, ms: new Float32Array([mapMs]) })),
};

console.log(`data_prefetch: ${sess.device.executor}${sess.device.adapter ? ` (${sess.device.adapter})` : ''}, MLP 784-128-10, batch ${BATCH}, ${opts.steps} timed steps`);
console.log(`step alone: ${stepMs.toFixed(1)} ms; slow map: ${mapMs} ms per batch`);
console.log('map    alone ms  serial ms  prefetch ms  max(map,step)  prefetch / max  serial / (map+step)');
for (const kind of opts.map === 'both' ? ['sleep', 'busy'] : [opts.map]) {
  const slow = slowMaps[kind](inputs[kind]);
  const alone = await perStep(slow, opts.steps, async () => undefined);
  const serial = await perStep(slow, opts.steps, step);
  const prefetched = await perStep(slow.prefetch(2), opts.steps, step);
  const bound = Math.max(alone, stepMs);
  console.log(`${kind.padEnd(6)} ${alone.toFixed(1).padStart(8)}  ${serial.toFixed(1).padStart(9)}  ${prefetched.toFixed(1).padStart(11)}  ` +
    `${bound.toFixed(1).padStart(13)}  ${(prefetched / bound).toFixed(2).padStart(14)}  ${(serial / (alone + stepMs)).toFixed(2).padStart(19)}`);
}
await sess.close();
