// `npm run bench`: every (workload, peer) cell in its own child process (bench/peer.js), then the memory check, the
// table on stdout and bench/RESULTS.md. Options: --peers a,b --workloads W1-256,W2 --budget-ms N --mem-runs N (0: no
// memory check) --timeout-s N (per process) --no-write --note 'text' (repeatable: a line under Notes in RESULTS.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPeer } from './peer_process.js';
import { consoleReport, fmtMs, markdownReport } from './report.js';
import { PEERS, WORKLOAD_IDS } from './workloads.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

function parseArgs(argv) {
  const o = { peers: PEERS, workloads: WORKLOAD_IDS, memRuns: 10000, timeoutS: 300, write: true, budgetMs: undefined, notes: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--peers') o.peers = val().split(',');
    else if (a === '--workloads') o.workloads = val().split(',');
    else if (a === '--budget-ms') o.budgetMs = val();
    else if (a === '--mem-runs') o.memRuns = Number(val());
    else if (a === '--timeout-s') o.timeoutS = Number(val());
    else if (a === '--no-write') o.write = false;
    else if (a === '--note') o.notes.push(val());
    else throw new Error(`unknown option '${a}'`);
  }
  return o;
}

function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function pkgVersion(name) {
  try { return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return 'not installed'; }
}

function kilnVersion() {
  const v = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${v} (git ${sha}${dirty ? ' + uncommitted changes' : ''})`;
  } catch {
    return v;
  }
}

/** Kiln's adapter description; tfjs-webgpu's when it says more (it adds the device name, e.g. llvmpipe). */
function adapterLine(adapters) {
  const [k, t] = [adapters['kiln-webgpu'], adapters['tfjs-webgpu']];
  if (k !== undefined && t !== undefined && t.startsWith(k)) return t;
  return k ?? t ?? 'none';
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(path.join(root, 'dist', 'index.js'))) {
  console.error('bench: dist/index.js is missing: run `npm run build` (or `npm run bench`, which builds first)');
  process.exit(1);
}

const cells = {};
const adapters = {};
const started = performance.now();
for (const id of opts.workloads) {
  cells[id] = {};
  for (const peer of opts.peers) {
    const args = ['--peer', peer, '--workload', id, ...(opts.budgetMs ? ['--budget-ms', opts.budgetMs] : [])];
    const out = await runPeer(args, opts.timeoutS);
    const r = out.results?.[0] ?? { error: out.error ?? 'error: no result' };
    cells[id][peer] = r;
    if (r.adapter) adapters[peer] = r.adapter;
    const shown = r.medianMs !== undefined ? `${fmtMs(r.medianMs)} ms (median of ${r.runs}, first ${fmtMs(r.firstMs)} ms)` : (r.error ?? `skipped: ${r.skipped}`);
    process.stderr.write(`${id.padEnd(8)} ${peer.padEnd(12)} ${shown}\n`);
  }
}

let memory;
if (opts.memRuns > 0) {
  // W4 batch 1 is the small graph; while Kiln's GPU MatMul is missing, fall back to a small elementwise graph.
  for (const id of ['W4-1', 'W2-4K']) {
    const out = await runPeer(['--peer', 'kiln-webgpu', '--workload', id, '--mem', String(opts.memRuns)], opts.timeoutS);
    const m = out.memory ?? { workload: id, runs: opts.memRuns, error: out.error ?? 'error: no result' };
    if (memory?.error) m.fallbackFrom = `${memory.workload} (${memory.error})`;
    memory = m;
    if (m.error === undefined) break;
  }
}

const machine = {
  cpu: cpuModel(),
  cores: os.cpus().length,
  memGB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  adapter: adapterLine(adapters),
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  node: process.version,
  kiln: kilnVersion(),
  versions: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'webgpu']
    .map((n) => `${n} ${pkgVersion(n)}`).join(', '),
};
const run = { machine, peers: opts.peers, workloads: opts.workloads, cells, adapters, memory, notes: opts.notes };
console.log(consoleReport(run));
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
if (opts.write) {
  writeFileSync(path.join(here, 'RESULTS.md'), markdownReport(run));
  console.log('written: bench/RESULTS.md');
}
