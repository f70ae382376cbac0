// `node bench/compile.js [--models mobilenet,mobilenetv2,resnet50] [--runs N]`: the cold start of the webgpu executor
// on the models of bench/models.js, with Mesa's shader cache disabled, so every pipeline is really compiled. Per model:
// nodes, pipelines created, dispatches per run, host-side planning time (pruning and lowering the plan: kernels
// built, WGSL generated, memory planned; no GPU work), the first run (plan + pipelines + buffers + the run itself) and
// the median of the warm runs after it. Each model runs in a child process of its own (a fresh device and pipeline
// cache). dist/ must be built (npm run build).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = { models: ['mobilenet', 'keras-mobilenet', 'mobilenetv2', 'resnet50'], runs: 5, child: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--models') o.models = argv[++i].split(',');
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--child') o.child = argv[++i];
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option '${a}'`);
  }
  return o;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]; };

async function measure(id, runs) {
  // Mesa reads this when the driver loads, i.e. when Dawn first opens the device: before the import below.
  process.env.MESA_SHADER_CACHE_DISABLE = 'true';
  const tf = await import('../dist/index.js');
  const { buildModel } = await import('./models.js');
  const { pruneToFetches } = await import('../dist/optimizer/prune.js');
  const { lowerPlan } = await import('../dist/session/webgpu/compile.js');
  const m = buildModel(id);
  const feeds = new Map([[m.input, m.feed]]);
  // Host-side planning alone, as the executor does it at compile time (median of 3: the first one warms the JIT).
  const planMs = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const ops = pruneToFetches([m.output], [], new Set([m.input]));
    lowerPlan({ key: 'bench', ops, fetches: [m.output], targets: [] }, feeds, new Map());
    planMs.push(performance.now() - t0);
  }
  const sess = await tf.Session.create({ executor: 'webgpu', graph: m.graph });
  const t0 = performance.now();
  await sess.run(m.output, { [m.input.name]: m.feed });
  const firstMs = performance.now() - t0;
  const first = sess.stats();
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await sess.run(m.output, { [m.input.name]: m.feed });
    warm.push(performance.now() - t);
  }
  const s = sess.stats();
  await sess.close();
  return {
    model: id, what: m.what, nodes: m.nodes, pipelines: first.pipelinesCreated, dispatches: s.dispatches / (runs + 1),
    planMs: median(planMs), firstMs, warmMs: median(warm),
  };
}

const o = parseArgs(process.argv.slice(2));
if (o.child !== null) {
  console.log(JSON.stringify(await measure(o.child, o.runs)));
} else {
  const rows = [];
  for (const id of o.models) {
    const r = spawnSync(process.execPath, [path.join(here, 'compile.js'), '--child', id, '--runs', String(o.runs)], {
      env: { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true', EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless' },
      encoding: 'utf8', timeout: 900_000,
    });
    const line = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).pop();
    if (line === undefined) {
      rows.push({ model: id, error: (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || `exit ${r.status}` });
    } else rows.push(JSON.parse(line));
  }
  if (o.json) console.log(JSON.stringify(rows, null, 2));
  console.log('model            nodes  pipelines  dispatches  plan ms  first run ms  warm median ms');
  for (const r of rows) {
    if (r.error !== undefined) { console.log(`${r.model.padEnd(15)}  error: ${r.error}`); continue; }
    console.log(`${r.model.padEnd(15)}  ${String(r.nodes).padStart(5)}  ${String(r.pipelines).padStart(9)}  ${String(r.dispatches).padStart(10)}  ${r.planMs.toFixed(0).padStart(7)}  ${r.firstMs.toFixed(0).padStart(12)}  ${r.warmMs.toFixed(1).padStart(14)}`);
  }
}
