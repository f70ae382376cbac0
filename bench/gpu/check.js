// Kiln's GPU check, for a machine with a real GPU (bench/gpu/run.sh runs it there; README.md beside this says how).
//   node bench/gpu/check.js [--part adapter,correctness,bench] [--results FILE] [--quick] [--allow-software]
//                           [--only REGEX (correctness cases by name)] [--budget-s N (correctness, default 200)]
//   node bench/gpu/check.js --probe      (what Dawn's Vulkan backend offers; exit 0 only for an NVIDIA adapter)
// Parts: adapter (exit 1 unless Kiln's webgpu session is on the NVIDIA GPU through Vulkan at the core feature level),
// correctness (cases.js on webgpu against cpu; exit 1 on any failure), bench (speed.js). Results are merged into FILE
// (default $OUT/gpu-results.json) after every case, so a run cut short still leaves what it did.
// --allow-software: the adapter failure is only a warning (a rehearsal on llvmpipe). --quick: smaller sizes and
// fewer timed runs (that rehearsal on a 2-core machine); the GPU run uses neither.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeAdapter, isNvidiaVulkan, probeVulkan } from './adapter.js';
import { cases } from './cases.js';
import { runCases } from './correctness.js';
import { benchWorkloads, compileCosts, optimizerOption } from './speed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

function parseArgs(argv) {
  const o = { parts: ['adapter', 'correctness', 'bench'], results: path.join(process.env.OUT ?? '.', 'gpu-results.json'), quick: false, allowSoftware: false, probe: false, budgetS: 200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--part') o.parts = argv[++i].split(',');
    else if (a === '--results') o.results = argv[++i];
    else if (a === '--quick') o.quick = true;
    else if (a === '--allow-software') o.allowSoftware = true;
    else if (a === '--probe') o.probe = true;
    else if (a === '--budget-s') o.budgetS = Number(argv[++i]);
    else if (a === '--only') o.only = new RegExp(argv[++i], 'i');
    else throw new Error(`check.js: unknown option '${a}'`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (s) => console.log(s);

if (opts.probe) {
  const p = await probeVulkan();
  log(`vulkan probe: ${JSON.stringify(p)}`);
  log(isNvidiaVulkan(p) ? 'vulkan probe: NVIDIA adapter found' : 'vulkan probe: no NVIDIA adapter');
  process.exit(isNvidiaVulkan(p) ? 0 : 3);
}

const results = existsSync(opts.results) ? JSON.parse(readFileSync(opts.results, 'utf8')) : {};
const save = () => writeFileSync(opts.results, `${JSON.stringify(results, null, 1)}\n`);
const bundleFile = path.join(root, 'BUNDLE.json');
results.meta ??= {
  date: new Date().toISOString(), host: os.hostname(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version, bundle: existsSync(bundleFile) ? JSON.parse(readFileSync(bundleFile, 'utf8')) : null,
};
results.meta.args = [...(results.meta.args ?? []), process.argv.slice(2).join(' ')];
save();

const tf = await import('../../dist/index.js');
const deadline = performance.now() + opts.budgetS * 1000;
let failed = false;

if (opts.parts.includes('adapter')) {
  const probe = await probeVulkan();
  let device;
  try {
    const sess = await tf.Session.create({ executor: 'webgpu', graph: new tf.Graph() });
    device = sess.device;
    await sess.close();
  } catch (e) {
    device = { executor: 'none', adapter: null, error: `${e?.constructor?.name}: ${e?.message}` };
  }
  log(`adapter: Kiln's webgpu session is on '${device.adapter}' (executor ${device.executor}${device.error ? `: ${device.error}` : ''})`);
  log(`adapter: Dawn's Vulkan backend at the core level: ${JSON.stringify(probe)}`);
  const verdict = judgeAdapter(device, probe);
  results.adapter = { kiln: device, vulkan: probe, ...verdict, allowSoftware: opts.allowSoftware };
  save();
  if (verdict.ok) log('adapter: OK, the NVIDIA GPU through Vulkan at the core feature level');
  else {
    const banner = `ADAPTER CHECK FAILED: ${verdict.problems.join('; ')}`;
    log(`\n${'!'.repeat(100)}\n${banner}\n${'!'.repeat(100)}\n`);
    if (!opts.allowSoftware) process.exit(1);
    log('adapter: --allow-software given: going on (this is a rehearsal, not a GPU result)');
  }
}

if (opts.parts.includes('correctness')) {
  log(`\n== correctness: webgpu against cpu${opts.quick ? ' (--quick sizes)' : ''}`);
  results.correctness = { quick: opts.quick, cases: [] };
  const table = cases(opts.quick).filter((c) => opts.only === undefined || opts.only.test(c.name));
  const r = await runCases(tf, table, { deadline, log, onCase: (c) => { results.correctness.cases.push(c); save(); } });
  results.correctness.summary = r.summary;
  save();
  if (r.summary.failed > 0 || r.summary.skipped > 0) failed = true;
}

if (opts.parts.includes('bench')) {
  log(`\n== bench: Kiln on webgpu${opts.quick ? ' (--quick: fewer runs)' : ''}`);
  const noopt = await optimizerOption(tf);
  log(`bench: Session.create({optimizer: false}) ${noopt.accepted ? 'accepted' : `refused (${noopt.why}): the noopt column is skipped`}`);
  // Kiln's adapter string leaves out Dawn's `device` field, the GPU's own name: take it from the probe.
  const gpuName = results.adapter?.vulkan?.info?.device || null;
  if (gpuName) log(`bench: the GPU is '${gpuName}' (Dawn's device name)`);
  results.bench = { gpuName, optimizerFalse: noopt, raw: {} };
  const onPeer = (key, json) => { results.bench.raw[key] = json; save(); };
  results.bench.workloads = await benchWorkloads({ quick: opts.quick, noopt: noopt.accepted, log, onPeer });
  delete results.bench.raw; // now in workloads.rows
  save();
  log('\n== first run (compile) of a 4-conv training step, batch 32, 32x32x3');
  results.bench.compile = await compileCosts({ quick: opts.quick, noopt: noopt.accepted, log });
  save();
}

log(`\nresults: ${opts.results}`);
// Dawn's instance can keep the event loop alive; everything is written, so leave now.
process.exit(failed ? 1 : 0);
