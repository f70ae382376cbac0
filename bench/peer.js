// One peer in its own process: `node bench/peer.js --peer kiln-webgpu --workload W1-1024[,W2...] [--budget-ms N]
// [--min-runs N] [--max-runs N] [--max-run-ms N] [--session-options JSON]` (more Session.create options for the kiln
// peers), or the memory check: `--peer kiln-webgpu --workload W4-1 --mem 10000`.
// Prints one JSON object as the last line of stdout. A failing workload becomes {error: 'error: <message>'}; the
// process still exits 0 so the harness records the cell and goes on.
import { checksum, PEERS } from './workloads.js';
import { DEFAULTS, measure } from './measure.js';

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    args[a.slice(2)] = argv[++i];
  }
  return args;
}

async function openPeer(peer, sessionOptions) {
  const [lib, backend, variant] = peer.split('-');
  if (!PEERS.includes(peer)) throw new Error(`unknown peer '${peer}' (known: ${PEERS.join(', ')})`);
  const mod = lib === 'kiln' ? await import('./peers/kiln.js') : await import('./peers/tfjs.js');
  // `-noopt`: the graph as built (Session.create({optimizer: false})).
  return mod.open(backend, variant === 'noopt' ? { ...sessionOptions, optimizer: false } : sessionOptions);
}

const message = (e) => `error: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`.split('\n')[0];

async function timeWorkload(peer, id, opts) {
  let w;
  try {
    w = await peer.prepare(id);
    const m = await measure(w.step, opts);
    const { last, ...rest } = m;
    return { workload: id, adapter: w.adapter, ...rest, checksum: checksum(last), info: w.info() };
  } catch (e) {
    return { workload: id, adapter: w?.adapter, error: message(e) };
  } finally {
    await w?.close();
  }
}

const mb = (bytes) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

function memory() {
  globalThis.gc?.(); // run with --expose-gc so the numbers are live memory, not garbage not yet collected
  const m = process.memoryUsage();
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external) };
}

/** The memory check: `runs` runs of one workload; memory after a warm-up, half-way and at the end. */
async function memoryCheck(peer, id, runs) {
  let w;
  try {
    w = await peer.prepare(id);
    for (let i = 0; i < 100; i++) await w.step(); // warm-up: plans, pipelines and pools reach their steady size
    const before = memory();
    const t0 = performance.now();
    let middle;
    for (let i = 0; i < runs; i++) {
      await w.step();
      if (i + 1 === runs >> 1) middle = memory();
    }
    const seconds = (performance.now() - t0) / 1000;
    return { workload: id, adapter: w.adapter, runs, seconds, before, middle, after: memory(), gcExposed: typeof globalThis.gc === 'function' };
  } catch (e) {
    return { workload: id, adapter: w?.adapter, runs, error: message(e) };
  } finally {
    await w?.close();
  }
}

const args = parseArgs(process.argv.slice(2));
const out = { peer: args.peer, node: process.version, results: [] };
try {
  const peer = await openPeer(args.peer, args['session-options'] === undefined ? {} : JSON.parse(args['session-options']));
  const ids = (args.workload ?? '').split(',').filter(Boolean);
  if (args.mem !== undefined) {
    out.memory = await memoryCheck(peer, ids[0], Number(args.mem));
  } else {
    const opts = {};
    for (const [flag, key] of [['budget-ms', 'budgetMs'], ['min-runs', 'minRuns'], ['max-runs', 'maxRuns'], ['max-run-ms', 'maxRunMs']]) {
      if (args[flag] !== undefined) opts[key] = Number(args[flag]);
    }
    if (opts.minRuns !== undefined && opts.minRuns < DEFAULTS.minRuns) process.stderr.write(`note: fewer than ${DEFAULTS.minRuns} timed runs\n`);
    for (const id of ids) out.results.push(await timeWorkload(peer, id, opts));
  }
} catch (e) {
  out.error = message(e);
}
process.stdout.write(`\n${JSON.stringify(out)}\n`);
// Dawn's instance keeps the event loop alive on some paths; the result is out, so leave now.
process.exit(0);
