// `npm run conformance`: runs the TensorFlow corpus (../shared/testdata/tf-corpus) on one executor and prints the share
// of cases that match TensorFlow and the failures grouped by cause (per op type for missing ops).
//   --executor cpu|webgpu (default cpu)   --filter REGEX (case names)   --json out.json (every case's result)
//   --timeout-s N (per case, default 60)  --jobs N (child processes, default 1)   --float64 error|float32 (webgpu)
//   --corpus DIR   --update-passing (rewrite this executor's list in tests/conformance_passing.json; no --filter)
// Each case runs in a child process (worker.ts) under a kill timer: a case that hangs or crashes is counted and the
// run goes on with a fresh child.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { CAUSE_TITLES, CAUSES, findCorpus, listCases, PASSING_FILE, readPassing, type CaseResult, type Cause, type PassingList, type RunCaseOptions } from './corpus.js';
import type { WorkerRequest } from './worker.js';

interface Args {
  executor: 'cpu' | 'webgpu'; filter?: RegExp; json?: string; timeoutS: number; jobs: number;
  float64?: 'error' | 'float32'; corpus?: string; updatePassing: boolean;
}

function parseArgs(argv: string[]): Args {
  const o: Args = { executor: 'cpu', timeoutS: 60, jobs: 1, updatePassing: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--executor') {
      const v = val();
      if (v !== 'cpu' && v !== 'webgpu') usage(`--executor ${v}: expected cpu or webgpu`);
      o.executor = v;
    } else if (a === '--filter') o.filter = new RegExp(val());
    else if (a === '--json') o.json = val();
    else if (a === '--timeout-s') o.timeoutS = positive(a, val());
    else if (a === '--jobs') o.jobs = positive(a, val());
    else if (a === '--float64') {
      const v = val();
      if (v !== 'error' && v !== 'float32') usage(`--float64 ${v}: expected error or float32`);
      o.float64 = v;
    } else if (a === '--corpus') o.corpus = val();
    else if (a === '--update-passing') o.updatePassing = true;
    else usage(`unknown option '${a}'`);
  }
  if (o.updatePassing && o.filter !== undefined) usage('--update-passing needs the whole corpus (no --filter)');
  return o;
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!(n > 0)) usage(`${flag} ${v}: expected a positive number`);
  return n;
}

function usage(msg: string): never {
  process.stderr.write(`conformance: ${msg}\nusage: npm run conformance -- [--executor cpu|webgpu] [--filter REGEX] [--json out.json] [--timeout-s N] [--jobs N] [--float64 error|float32] [--corpus DIR] [--update-passing]\n`);
  process.exit(2);
}

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** One child process running cases in turn; `run` resolves with the case's result, a timeout, or a crash. */
class Worker {
  private child: ChildProcess | undefined;

  async run(req: WorkerRequest, timeoutS: number): Promise<CaseResult> {
    const child = this.child ??= fork(workerFile, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    const onErr = (d: Buffer): void => { stderr = (stderr + d.toString()).slice(-2000); };
    child.stderr?.on('data', onErr);
    const t0 = Date.now();
    const fail = (cause: Cause, detail: string): CaseResult => ({ name: req.name, cause, detail, ms: Date.now() - t0 });
    try {
      return await new Promise<CaseResult>((resolve) => {
        const timer = setTimeout(() => { cleanup(); this.kill(); resolve(fail('timeout', `no result within ${timeoutS} s`)); }, timeoutS * 1000);
        const onMessage = (r: CaseResult): void => { cleanup(); resolve(r); };
        const onExit = (code: number | null, signal: string | null): void => {
          cleanup();
          if (this.child === child) this.child = undefined;
          const last = stderr.trim().split('\n').slice(-3).join(' | ');
          resolve(fail('other', `worker exited (${signal ?? `code ${code}`}) while running the case${last !== '' ? `: ${last}` : ''}`));
        };
        const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
        child.on('message', onMessage);
        child.on('exit', onExit);
        child.send(req);
      });
    } finally {
      child.stderr?.off('data', onErr);
    }
  }

  kill(): void {
    if (this.child !== undefined) { this.child.kill('SIGKILL'); this.child = undefined; }
  }
}

async function runAll(args: Args, corpus: string, names: string[], onDone: (r: CaseResult) => void): Promise<CaseResult[]> {
  const opts: RunCaseOptions = { executor: args.executor, ...(args.float64 !== undefined ? { float64: args.float64 } : {}) };
  const results = new Array<CaseResult>(names.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(args.jobs, names.length) }, () => new Worker());
  await Promise.all(workers.map(async (w) => {
    for (let i = next++; i < names.length; i = next++) {
      results[i] = await w.run({ corpus, name: names[i], opts }, args.timeoutS);
      onDone(results[i]);
    }
    w.kill();
  }));
  return results;
}

function pct(n: number, total: number): string { return total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`; }

function report(results: CaseResult[], executor: string, wallS: number): string {
  const total = results.length;
  const by = new Map<Cause, CaseResult[]>(CAUSES.map((c) => [c, []]));
  for (const r of results) by.get(r.cause)!.push(r);
  const passed = by.get('pass')!.length;
  const lines = [`conformance on the ${executor} executor: ${passed}/${total} cases match TensorFlow (${pct(passed, total)}) in ${wallS.toFixed(0)} s`, ''];
  for (const c of CAUSES) {
    const rs = by.get(c)!;
    if (c === 'pass' || rs.length === 0) continue;
    lines.push(`${CAUSE_TITLES[c]}: ${rs.length} cases (${pct(rs.length, total)})`);
    if (c === 'missing-op') {
      // Per op type: the cases that need it / those of them that need nothing else Kiln lacks.
      const perOp = new Map<string, { n: number; only: number }>();
      for (const r of rs) {
        for (const t of r.missingOps ?? []) {
          const e = perOp.get(t) ?? { n: 0, only: 0 };
          e.n++;
          if (r.missingOps!.length === 1) e.only++;
          perOp.set(t, e);
        }
      }
      const sorted = [...perOp.entries()].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
      lines.push(`  op type: cases that need it/cases it alone blocks: ${sorted.map(([t, e]) => `${t} ${e.n}/${e.only}`).join(', ')}`);
    } else {
      // Failures with the same message (numbers and quoted names masked) are one line with a count.
      const groups = new Map<string, CaseResult[]>();
      for (const r of rs) {
        const key = r.detail.replace(/'[^']*'/g, "'…'").replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N').slice(0, 160);
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      for (const g of [...groups.values()].sort((a, b) => b.length - a.length)) {
        const names = g.slice(0, 3).map((r) => r.name).join(', ') + (g.length > 3 ? ', ...' : '');
        lines.push(`  ${String(g.length).padStart(4)}  ${g[0].detail.slice(0, 220)}  [${names}]`);
      }
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const corpus = findCorpus(args.corpus);
  const names = listCases(corpus, args.filter);
  if (names.length === 0) usage(`no case matches --filter ${String(args.filter)}`);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'conformance [{bar}] {value}/{total} | pass {pass} | {case}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  let passed = 0, doneCount = 0;
  bar?.start(names.length, 0, { pass: 0, case: '' });
  const t0 = Date.now();
  const results = await runAll(args, corpus, names, (r) => {
    doneCount++;
    if (r.cause === 'pass') passed++;
    if (bar !== undefined) bar.update(doneCount, { pass: passed, case: r.name });
    else if (doneCount % 100 === 0) process.stderr.write(`conformance: ${doneCount}/${names.length} (${passed} pass)\n`);
  });
  bar?.stop();
  const wallS = (Date.now() - t0) / 1000;
  process.stdout.write(`${report(results, args.executor, wallS)}\n`);
  if (args.json !== undefined) {
    fs.writeFileSync(args.json, `${JSON.stringify({ executor: args.executor, total: results.length, passed, results }, null, 1)}\n`);
  }
  if (args.updatePassing) {
    const old: PassingList = fs.existsSync(PASSING_FILE) ? readPassing() : { total: 0, cpu: [], webgpu: [] };
    const list: PassingList = { ...old, total: results.length, [args.executor]: results.filter((r) => r.cause === 'pass').map((r) => r.name).sort() };
    fs.writeFileSync(PASSING_FILE, `${JSON.stringify(list, null, 1)}\n`);
    process.stdout.write(`wrote ${PASSING_FILE} (${list[args.executor].length} cases on ${args.executor})\n`);
  }
}

await main();
