// `--profile`: where the time of one training step goes, kernel by kernel, on the WebGPU executor.
//
// Kiln has no per-kernel timer yet (timestamp queries are not offered at the compatibility level llvmpipe runs at),
// so this reaches into the executor's compiled plan -- private API, for this diagnostic only -- and times each
// dispatch on its own: `REPEAT` copies of it in one submit, waited for with onSubmittedWorkDone, minus an empty
// submit's cost; the fastest of `ROUNDS` tries (on a shared machine the slower ones measure the neighbours). Kernels that write variables (the optimizer's updates) run REPEAT more times, so profile after
// training and saving, never before.
import * as tf from '../../index.js';

const REPEAT = 5;
const ROUNDS = 5;

interface PassInternals { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; workgroups: readonly [number, number, number] }
interface CompiledInternals {
  passes: PassInternals[];
  lowered: { steps: Array<{ op: tf.Operation; dispatch: { code: string } }> };
}
interface ExecutorInternals { device: GPUDevice; compiled: Map<string, CompiledInternals> }

async function timeSubmit(device: GPUDevice, encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs `fetches` a few times (whole-step time), then times each of its kernels alone; prints a table. */
export async function profileRun(sess: tf.Session, fetches: tf.Fetch, feeds: tf.Feeds): Promise<void> {
  const wholes: number[] = [];
  const before = sess.stats();
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await sess.run(fetches, feeds);
    wholes.push(performance.now() - t0);
  }
  const after = sess.stats();
  const perRun = (k: 'dispatches' | 'submits' | 'bytesUploaded' | 'bytesDownloaded') => (after[k] - before[k]) / 7;
  const exec = (sess as unknown as { executor: Partial<ExecutorInternals> }).executor;
  if (sess.device.executor !== 'webgpu' || exec.compiled === undefined || exec.device === undefined) {
    console.log(`profile: one step takes ${median(wholes).toFixed(1)} ms (median of 7); per-kernel times need the webgpu executor`);
    return;
  }
  // The training step's plan is the largest this session compiled (the others: initialisation, evaluation).
  const plans = [...exec.compiled.values()];
  const plan = plans.reduce((a, b) => (b.passes.length > a.passes.length ? b : a));
  const device = exec.device;
  const empty: number[] = [];
  for (let i = 0; i < 9; i++) empty.push(await timeSubmit(device, () => undefined));
  const overhead = median(empty);

  const rows = plan.passes.map((p, i) => ({ op: plan.lowered.steps[i].op, p, times: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of rows) {
      const ms = await timeSubmit(device, (pass) => {
        pass.setPipeline(r.p.pipeline);
        pass.setBindGroup(0, r.p.bindGroup);
        for (let k = 0; k < REPEAT; k++) pass.dispatchWorkgroups(...r.p.workgroups);
      });
      r.times.push(Math.max(0, ms - overhead) / REPEAT);
    }
  }
  const timed = rows.map((r) => ({ name: r.op.name, type: r.op.type, ms: Math.min(...r.times), wg: r.p.workgroups }));
  const total = timed.reduce((s, r) => s + r.ms, 0);
  console.log(`\nprofile: one training step = ${median(wholes).toFixed(1)} ms (median of 7 sess.run): ${perRun('dispatches')} dispatches, ` +
    `${perRun('submits')} submit, ${(perRun('bytesUploaded') / 1024).toFixed(0)} KiB up, ${perRun('bytesDownloaded')} bytes down; ` +
    `its kernels timed alone sum to ${total.toFixed(1)} ms (an empty submit's ${overhead.toFixed(2)} ms excluded)`);
  // By op type (a fused elementwise chain is named by its last op).
  const byType = new Map<string, { ms: number; n: number }>();
  for (const r of timed) {
    const e = byType.get(r.type) ?? { ms: 0, n: 0 };
    e.ms += r.ms; e.n++;
    byType.set(r.type, e);
  }
  console.log('by op type:');
  for (const [type, e] of [...byType].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${type.padEnd(28)} ${e.ms.toFixed(2).padStart(8)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  (${e.n} dispatch${e.n > 1 ? 'es' : ''})`);
  }
  console.log('slowest dispatches:');
  for (const r of [...timed].sort((a, b) => b.ms - a.ms).slice(0, 12)) {
    console.log(`  ${r.ms.toFixed(2).padStart(8)} ms  ${r.name} (${r.type}) workgroups [${r.wg.join(', ')}]`);
  }
}
