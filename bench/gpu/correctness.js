// Runs the table of bench/gpu/cases.js: each graph on 'webgpu' and on 'cpu', compared element by element.

/** Per element |g - c| <= atol + rtol * |c| (NaN matches NaN), or bitwise equality for `exact`. */
export function compareArrays(g, c, tol) {
  if (g.dtype !== c.dtype) return { ok: false, msg: `dtype ${g.dtype} vs cpu ${c.dtype}` };
  if (g.shape.join(',') !== c.shape.join(',')) return { ok: false, msg: `shape [${g.shape}] vs cpu [${c.shape}]` };
  let maxAbs = 0, worst = 0, at = -1;
  for (let i = 0; i < c.data.length; i++) {
    const a = Number(g.data[i]), e = Number(c.data[i]);
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const d = Math.abs(a - e);
    if (tol.exact) {
      if (a !== e) return { ok: false, maxAbs: d, msg: `index ${i}: gpu ${a} vs cpu ${e} (bitwise equality expected)` };
      continue;
    }
    const bound = tol.atol + tol.rtol * Math.abs(e);
    const ratio = bound > 0 ? d / bound : (d > 0 ? Infinity : 0);
    if (!(ratio <= worst)) { worst = ratio; at = i; }
    if (d > maxAbs) maxAbs = d;
    if (Number.isNaN(ratio)) return { ok: false, maxAbs, msg: `index ${i}: gpu ${a} vs cpu ${e}` };
  }
  if (worst > 1) return { ok: false, maxAbs, worst, msg: `index ${at}: gpu ${g.data[at]} vs cpu ${c.data[at]} (|d| ${Math.abs(g.data[at] - c.data[at]).toExponential(2)} > atol ${tol.atol} + rtol ${tol.rtol} * |cpu|)` };
  return { ok: true, maxAbs, worst };
}

/** build() may return a tensor, an array of them, or {fetch, targets?, init?, after?} (training). */
function normalise(built) {
  if (built instanceof Array || built.fetch === undefined) return { fetch: [built].flat(), targets: [] };
  return { targets: [], ...built, fetch: [built.fetch].flat() };
}

/** One executor: `runs` runs of the fetches (then `after` once); the results and the first run's time. */
async function runOn(tf, graph, built, feeds, executor, runs) {
  const sess = await tf.Session.create({ graph, executor });
  try {
    if (built.init) await sess.run(built.init);
    const out = [];
    const t0 = performance.now();
    let firstMs = 0;
    for (let r = 0; r < runs; r++) {
      const res = await sess.run([...built.fetch, ...built.targets], feeds);
      if (r === 0) firstMs = performance.now() - t0;
      out.push(...res.slice(0, built.fetch.length));
    }
    const after = built.after ? await sess.run(built.after) : [];
    return { out, after, firstMs, totalMs: performance.now() - t0 };
  } finally {
    await sess.close();
  }
}

const fmt = (x) => (x === undefined ? '-' : x === 0 ? '0' : x.toExponential(1));

/** Runs every case; prints one PASS/FAIL line each; `onCase(result)` after each (to save partial results). */
export async function runCases(tf, table, { deadline, onCase = () => undefined, log = console.log }) {
  const results = [];
  for (const c of table) {
    if (performance.now() > deadline) {
      const r = { name: c.name, status: 'SKIP', msg: 'time budget spent' };
      results.push(r); log(`SKIP ${c.name}: time budget spent`); onCase(r);
      continue;
    }
    const r = { name: c.name, tol: c.tol };
    try {
      const graph = new tf.Graph();
      const feeds = new Map();
      const built = normalise(graph.asDefault(() => c.build(tf, feeds)));
      const runs = c.runs ?? 1;
      const gpu = await runOn(tf, graph, built, feeds, 'webgpu', runs);
      const cpu = await runOn(tf, graph, built, feeds, 'cpu', runs);
      r.gpuFirstMs = gpu.firstMs; r.gpuMs = gpu.totalMs; r.cpuMs = cpu.totalMs;
      r.checks = [];
      gpu.out.forEach((g, i) => r.checks.push({ what: `run ${Math.floor(i / built.fetch.length) + 1} fetch ${i % built.fetch.length}`, n: g.size, ...compareArrays(g, cpu.out[i], c.tol) }));
      gpu.after.forEach((g, i) => r.checks.push({ what: `after: ${built.after[i].name}`, n: g.size, ...compareArrays(g, cpu.after[i], c.after.tol) }));
      if (runs > 1 && built.fetch.length === 1 && gpu.out[0].size === 1) r.values = { gpu: gpu.out.map((a) => a.data[0]), cpu: cpu.out.map((a) => a.data[0]) };
      const bad = r.checks.find((k) => !k.ok);
      r.status = bad ? 'FAIL' : 'PASS';
      r.maxAbs = Math.max(...r.checks.map((k) => k.maxAbs ?? 0));
      r.worst = Math.max(...r.checks.map((k) => k.worst ?? 0));
      const tolText = c.tol.exact ? 'bitwise' : `worst |d|/tol ${r.worst.toFixed(3)}`;
      log(`${r.status} ${c.name}: max|d| ${fmt(r.maxAbs)}, ${tolText}; gpu ${r.gpuMs.toFixed(1)} ms (first ${r.gpuFirstMs.toFixed(1)}), cpu ${r.cpuMs.toFixed(1)} ms${bad ? `\n     ${bad.what}: ${bad.msg}` : ''}`);
    } catch (e) {
      r.status = 'FAIL';
      r.msg = `${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`.split('\n')[0];
      log(`FAIL ${c.name}: threw ${r.msg}`);
    }
    results.push(r);
    onCase(r);
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  const summary = { passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP'), total: results.length };
  log(`correctness: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped of ${summary.total}`);
  for (const r of results.filter((x) => x.status !== 'PASS')) log(`  ${r.status} ${r.name}`);
  return { summary, cases: results };
}
