// The benchmark part of the device check: the W1..W5 workloads of bench/workloads.js, each peer in its own process
// (bench/peer.js, as `npm run bench` runs them), for Kiln on webgpu, on webgpu with `optimizer: false` (where
// Session.create takes that option) and on cpu; then the first-run (compile) cost of a few-layer convnet.
// Ratios are between peers measured in the same run on the same machine.
import { median } from '../measure.js';
import { runPeer } from '../peer_process.js';
import { checksumsAgree, isTraining, lossesAgree, WORKLOAD_IDS } from '../workloads.js';

/**
 * Timing options and process timeouts per peer. The CPU only gives the ratios' denominator, so it gets fewer runs
 * (W1-1024 takes about 4 s a run there). The timeouts are about 2.5x what each peer took on the 2-core machine here,
 * where the GPU peers ran on llvmpipe: a real GPU finishes well inside them.
 */
function peerArgs(quick) {
  if (quick) return { gpu: ['--min-runs', '3', '--budget-ms', '300'], cpu: ['--min-runs', '1', '--budget-ms', '0'], gpuTimeoutS: 240, cpuTimeoutS: 240 };
  return { gpu: ['--budget-ms', '2000'], cpu: ['--min-runs', '3', '--budget-ms', '1000'], gpuTimeoutS: 60, cpuTimeoutS: 90 };
}

/** Whether this build's Session.create takes `optimizer: false` (an unknown option that is ignored reads as taken). */
export async function optimizerOption(tf) {
  try {
    const s = await tf.Session.create({ executor: 'cpu', graph: new tf.Graph(), optimizer: false });
    await s.close();
    return { accepted: true };
  } catch (e) {
    return { accepted: false, why: `${e?.constructor?.name}: ${e?.message}` };
  }
}

const ms = (x) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a, b) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

/** Runs the peers over every workload and prints the table; `onPeer(key, json)` after each peer's process. */
export async function benchWorkloads({ quick, noopt, log, onPeer = () => undefined }) {
  const a = peerArgs(quick);
  const ids = WORKLOAD_IDS.join(',');
  const peers = [
    { key: 'webgpu', args: ['--peer', 'kiln-webgpu', ...a.gpu], timeoutS: a.gpuTimeoutS },
    ...(noopt ? [{ key: 'webgpuNoopt', args: ['--peer', 'kiln-webgpu', '--session-options', '{"optimizer":false}', ...a.gpu], timeoutS: a.gpuTimeoutS }] : []),
    { key: 'cpu', args: ['--peer', 'kiln-cpu', ...a.cpu], timeoutS: a.cpuTimeoutS },
  ];
  const raw = {};
  for (const p of peers) {
    const t0 = performance.now();
    raw[p.key] = await runPeer([...p.args, '--workload', ids], p.timeoutS);
    onPeer(p.key, raw[p.key]);
    log(`bench: ${p.key} done in ${((performance.now() - t0) / 1000).toFixed(1)} s${raw[p.key].error ? ` (${raw[p.key].error})` : ''}`);
  }
  const cell = (key, id) => raw[key]?.results?.find((r) => r.workload === id) ?? { error: raw[key]?.error ?? 'not run' };
  const rows = WORKLOAD_IDS.map((id) => {
    const g = cell('webgpu', id), n = noopt ? cell('webgpuNoopt', id) : undefined, c = cell('cpu', id);
    const agree = g.checksum && c.checksum ? (isTraining(id) ? lossesAgree(g.info, c.info) : checksumsAgree(g.checksum, c.checksum)) : undefined;
    return {
      workload: id, webgpu: g, webgpuNoopt: n, cpu: c, agreeWithCpu: agree,
      cpuOverGpu: ratio(c.medianMs, g.medianMs), nooptOverOpt: ratio(n?.medianMs, g.medianMs),
    };
  });
  const adapter = rows.map((r) => r.webgpu.adapter).find(Boolean) ?? 'unknown';
  log(`\nKiln W1..W5 on ${adapter} (median ms of timed runs, result read back; ratios from the same run)`);
  log('workload  webgpu (first)      noopt     cpu       cpu/webgpu  noopt/webgpu  dispatches/run opt noopt  agrees with cpu');
  for (const r of rows) {
    const cellText = (x) => (x === undefined ? '-' : x.medianMs !== undefined ? ms(x.medianMs) : (x.error ?? `skipped: ${x.skipped}`).slice(0, 40));
    const d = (x) => (x?.info?.dispatchesPerRun === undefined ? '-' : String(x.info.dispatchesPerRun));
    log([
      r.workload.padEnd(9), `${cellText(r.webgpu)} (${ms(r.webgpu.firstMs)})`.padEnd(19), cellText(r.webgpuNoopt).padEnd(9), cellText(r.cpu).padEnd(9),
      (r.cpuOverGpu ? `${r.cpuOverGpu.toFixed(1)}x` : '-').padEnd(11), (r.nooptOverOpt ? `${r.nooptOverOpt.toFixed(2)}x` : '-').padEnd(13),
      `${d(r.webgpu)} ${d(r.webgpuNoopt)}`.padEnd(25), r.agreeWithCpu === undefined ? '-' : r.agreeWithCpu ? 'yes' : 'NO',
    ].join(' '));
  }
  if (noopt && rows.every((r) => r.webgpu.info?.dispatchesPerRun !== undefined && r.webgpu.info.dispatchesPerRun === r.webgpuNoopt?.info?.dispatchesPerRun)) {
    log('note: optimizer:false ran the same number of dispatches everywhere: this build may ignore the option');
  }
  return { adapter, rows, peerArgs: a };
}

/** A few-layer convnet's training step (4 convs, 2 pools, dense, momentum): what the first run costs and compiles. */
function buildConvnet(tf, graph, batch) {
  return graph.asDefault(() => {
    const seeded = (shape, i) => tf.random.uniform(shape, { minval: -0.2, maxval: 0.2, seed: i });
    const x = tf.placeholder('float32', [batch, 32, 32, 3], 'x');
    const labels = tf.placeholder('int32', [batch], 'labels');
    let h = x, cin = 3, i = 0;
    for (const [cout, pool] of [[16, false], [16, true], [32, false], [32, true]]) {
      const w = tf.variable(seeded([3, 3, cin, cout], ++i), { name: `conv${i}_w` });
      const b = tf.variable(tf.zeros([cout]), { name: `conv${i}_b` });
      h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, w, 1, 'SAME'), b));
      if (pool) h = tf.nn.maxPool(h, 2, 2, 'SAME');
      cin = cout;
    }
    const w = tf.variable(seeded([8 * 8 * 32, 10], 9), { name: 'dense_w' });
    const logits = tf.matmul(tf.reshape(h, [batch, 8 * 8 * 32]), w);
    const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
    const train = new tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss);
    const feeds = new Map([
      [x, tf.ndarray(Float32Array.from({ length: batch * 32 * 32 * 3 }, (_, k) => ((k * 7919) % 1000) / 1000), [batch, 32, 32, 3])],
      [labels, tf.ndarray(Int32Array.from({ length: batch }, (_, k) => k % 10), [batch], 'int32')],
    ]);
    return { logits, loss, train, feeds, init: tf.globalVariablesInitializer() };
  });
}

async function timed(f) {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** First-run cost of inference and of a training step, and whether later runs create pipelines (they should not). */
export async function compileCost(tf, { options = {}, steps, log, label }) {
  const graph = new tf.Graph();
  const net = buildConvnet(tf, graph, 32);
  const out = {};
  out.createMs = await timed(async () => { out.sess = await tf.Session.create({ ...options, graph, executor: 'webgpu' }); });
  const sess = out.sess;
  delete out.sess;
  try {
    out.initMs = await timed(() => sess.run(net.init));
    const p0 = sess.stats().pipelinesCreated;
    out.inferFirstMs = await timed(() => sess.run(net.logits, net.feeds));
    const p1 = sess.stats().pipelinesCreated;
    out.inferSecondMs = await timed(() => sess.run(net.logits, net.feeds));
    out.trainFirstMs = await timed(() => sess.run([net.train, net.loss], net.feeds));
    const p2 = sess.stats().pipelinesCreated;
    const times = [];
    for (let s = 0; s < steps; s++) times.push(await timed(() => sess.run([net.train, net.loss], net.feeds)));
    out.trainMedianMs = median(times);
    out.trainSteps = steps;
    const st = sess.stats();
    Object.assign(out, {
      pipelinesCreated: { afterInit: p0, afterInferFirst: p1, afterTrainFirst: p2, atEnd: st.pipelinesCreated },
      plansCompiled: st.plansCompiled,
      laterRunsCreatedPipelines: st.pipelinesCreated !== p2,
    });
  } finally {
    await sess.close();
  }
  log(`${label}: create ${ms(out.createMs)} ms, init ${ms(out.initMs)} ms; inference first run ${ms(out.inferFirstMs)} ms then ${ms(out.inferSecondMs)} ms; ` +
    `training first step ${ms(out.trainFirstMs)} ms, median of ${steps} more ${ms(out.trainMedianMs)} ms; pipelines ${out.pipelinesCreated.afterInit} -> ` +
    `${out.pipelinesCreated.afterInferFirst} (inference) -> ${out.pipelinesCreated.afterTrainFirst} (training) -> ${out.pipelinesCreated.atEnd} (end)` +
    `${out.laterRunsCreatedPipelines ? ' LATER RUNS CREATED PIPELINES' : ''}`);
  return out;
}
