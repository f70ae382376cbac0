// The benchmark part of the device check: the W1..W5 workloads of bench/workloads.js, each peer in its own process
// (bench/peer.js, as `npm run bench` runs them), for Kiln on webgpu, on webgpu with `optimizer: false` (where
// Session.create takes that option) and on cpu; then the first-run (compile) cost of a few-layer convnet.
// Ratios are between peers measured in the same run on the same machine.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPeer, runScript } from '../peer_process.js';
import { checksumsAgree, isTraining, lossesAgree, WORKLOAD_IDS } from '../workloads.js';

/**
 * Timing options and process timeouts per peer. The CPU only gives the ratios' denominator, so it gets fewer runs
 * (W1-1024 takes about 4 s a run there). Full-size timeouts: about twice what each peer should take on the H200
 * machine (GPU peers about 25 s, the CPU peer about 35 s, from RESULTS.md's CPU times); run.sh bounds the part too.
 */
function peerArgs(quick) {
  if (quick) return { gpu: ['--min-runs', '3', '--budget-ms', '300'], cpu: ['--min-runs', '1', '--budget-ms', '0'], gpuTimeoutS: 240, cpuTimeoutS: 240 };
  return { gpu: ['--budget-ms', '2000'], cpu: ['--min-runs', '3', '--budget-ms', '1000'], gpuTimeoutS: 45, cpuTimeoutS: 70 };
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
    // --quick: the CPU skips W1-1024 (4 s a run on an idle 2-core machine, up to a minute on a loaded one).
    const own = quick && p.key === 'cpu' ? WORKLOAD_IDS.filter((id) => id !== 'W1-1024').join(',') : ids;
    raw[p.key] = await runPeer([...p.args, '--workload', own], p.timeoutS);
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

/**
 * The first-run cost of a few-layer convnet (bench/gpu/compile_cost.js), in a process of its own per option with the
 * drivers' on-disk shader caches off (NVIDIA's __GL_SHADER_DISK_CACHE, Mesa's MESA_SHADER_CACHE_DISABLE): the
 * workloads above compiled similar kernels, and a warm cache would hide what a first run costs.
 */
export async function compileCosts({ quick, noopt, log }) {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compile_cost.js');
  // --quick (the rehearsal on llvmpipe, where a cold compile of these kernels takes a minute) keeps the caches.
  const env = quick ? {} : { __GL_SHADER_DISK_CACHE: '0', MESA_SHADER_CACHE_DISABLE: 'true' };
  const out = {};
  for (const [key, options] of [['optimized', {}], ...(noopt ? [['noopt', { optimizer: false }]] : [])]) {
    const r = await runScript(script, ['--options', JSON.stringify(options), '--steps', quick ? '3' : '10'], quick ? 300 : 60, env);
    out[key] = r;
    if (r.error) { log(`${key}: ${r.error}`); continue; }
    const p = r.pipelinesCreated;
    log(`${key}: create ${ms(r.createMs)} ms, init ${ms(r.initMs)} ms; inference first run ${ms(r.inferFirstMs)} ms then ${ms(r.inferSecondMs)} ms; ` +
      `training first step ${ms(r.trainFirstMs)} ms, median of ${r.trainSteps} more ${ms(r.trainMedianMs)} ms; pipelines ${p.afterInit} (init) -> ` +
      `${p.afterInferFirst} (inference) -> ${p.afterTrainFirst} (training) -> ${p.atEnd} (end)${r.laterRunsCreatedPipelines ? ' LATER RUNS CREATED PIPELINES' : ''}`);
  }
  return out;
}
