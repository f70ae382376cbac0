// The TensorFlow conformance corpus (../shared/testdata/tf-corpus, its README.md): one case is a frozen GraphDef that
// TensorFlow 1.x wrote and ran, the placeholders' values and the values TensorFlow computed. `runCase` imports, runs and
// compares one case and says why it failed, by cause; `npm run conformance` (main.ts) and the jest test
// (tests/conformance.test.ts) both run cases through it, so what the script counts as passing is what the test keeps.
import fs from 'node:fs';
import path from 'node:path';
// Every op declaration registers itself when its module loads: the public API module loads them all.
import '../../index.js';
import { KilnError } from '../../graph/errors.js';
import type { Graph } from '../../graph/graph.js';
import type { NDArray } from '../../graph/ndarray.js';
import type { Operation, Tensor } from '../../graph/tensor.js';
import { getOpDef } from '../../ops/registry.js';
import { readGraph } from '../../serialization/io.js';
import { readNpy } from '../../serialization/npy.js';
import { Session, type ExecutorName } from '../../session/session.js';

export interface ArraySpec { file: string; dtype: string; shape: number[]; stored_as?: string }

export interface CaseSpec {
  name: string;
  inputs: Record<string, ArraySpec>;
  outputs: Record<string, ArraySpec>;
  compare: 'values' | 'shape_dtype_only';
  tolerance: { atol: number; rtol: number };
}

/** Why a case does not match TensorFlow ('pass' when it does). */
export type Cause = 'pass' | 'missing-op' | 'dtype' | 'import' | 'value' | 'shape-dtype' | 'timeout' | 'other';

export const CAUSES: readonly Cause[] = ['pass', 'missing-op', 'dtype', 'import', 'value', 'shape-dtype', 'timeout', 'other'];

export const CAUSE_TITLES: Record<Cause, string> = {
  pass: 'matches TensorFlow',
  'missing-op': 'missing op type',
  dtype: 'dtype Kiln lacks (or the executor refuses)',
  import: 'import error',
  value: 'wrong value',
  'shape-dtype': 'shape/dtype mismatch',
  timeout: 'timeout',
  other: 'other (run-time error, crash)',
};

export interface CaseResult {
  name: string;
  cause: Cause;
  /** One line: what went wrong (empty on a pass). */
  detail: string;
  /** For 'missing-op': the op types the case's fetches need that Kiln lacks. */
  missingOps?: string[];
  ms: number;
}

export interface RunCaseOptions {
  executor?: Exclude<ExecutorName, 'auto'>;
  /** float64 on WebGPU (session option): 'error' (default) or 'float32'. */
  float64?: 'error' | 'float32';
  /** The optimizer option of Session.create (default: every pass). */
  optimizer?: boolean;
}

/**
 * The corpus folder: the one given, KILN_TF_CORPUS, ../shared/testdata/tf-corpus beside the checkout, or a copy in
 * tests/testdata/tf-corpus. None found: a loud error (never a skipped test).
 */
export function findCorpus(explicit?: string): string {
  const candidates = [explicit, process.env.KILN_TF_CORPUS, path.resolve(process.cwd(), '../shared/testdata/tf-corpus'), path.resolve(process.cwd(), 'tests/testdata/tf-corpus')]
    .filter((p): p is string => p !== undefined && p !== '');
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'index.json')));
  if (found === undefined) throw new Error(`TensorFlow corpus not found (looked in ${candidates.join(', ')}); set KILN_TF_CORPUS to the tf-corpus folder`);
  return found;
}

/** Case names listed in the corpus's index.json, in its order; `filter` keeps those a regex matches. */
export function listCases(corpus: string, filter?: RegExp): string[] {
  const index = JSON.parse(fs.readFileSync(path.join(corpus, 'index.json'), 'utf8')) as { cases: Array<{ name: string }> };
  return index.cases.map((c) => c.name).filter((n) => filter === undefined || filter.test(n));
}

export function readCaseSpec(corpus: string, name: string): CaseSpec {
  return JSON.parse(fs.readFileSync(path.join(corpus, name, 'case.json'), 'utf8')) as CaseSpec;
}

/** The dtypes a case's placeholders and fetches have (TF's names). */
export function caseDTypes(spec: CaseSpec): string[] {
  return [...new Set([...Object.values(spec.inputs), ...Object.values(spec.outputs)].map((a) => a.dtype))].sort();
}

class CaseFailure extends Error {
  constructor(readonly failure: Cause, detail: string, readonly missingOps?: string[]) { super(detail); }
}

/** Imports, runs and compares one case; never throws (every failure is a CaseResult with its cause). */
export async function runCase(corpus: string, name: string, opts: RunCaseOptions = {}): Promise<CaseResult> {
  const t0 = performance.now();
  const done = (cause: Cause, detail: string, missingOps?: string[]): CaseResult =>
    ({ name, cause, detail: oneLine(detail), ...(missingOps !== undefined ? { missingOps } : {}), ms: Math.round(performance.now() - t0) });
  try {
    await runCaseOrThrow(path.join(corpus, name), readCaseSpec(corpus, name), opts);
    return done('pass', '');
  } catch (e) {
    if (e instanceof CaseFailure) return done(e.failure, e.message, e.missingOps);
    return done('other', `${(e as Error).name}: ${(e as Error).message}`);
  }
}

async function runCaseOrThrow(dir: string, spec: CaseSpec, opts: RunCaseOptions): Promise<void> {
  let g: Graph;
  try {
    g = await readGraph(path.join(dir, 'frozen_model.pb'));
  } catch (e) {
    throw new CaseFailure('import', (e as Error).message.replace(`${dir}/`, ''));
  }
  const fetchNames = Object.keys(spec.outputs);
  const fetches = fetchNames.map((f) => {
    try { return g.getTensorByName(f); } catch (e) { throw new CaseFailure('import', `fetch ${f}: ${(e as Error).message}`); }
  });
  const feeds: Record<string, NDArray> = {};
  const fed = new Set<Tensor>();
  for (const [ph, a] of Object.entries(spec.inputs)) {
    const key = ph.includes(':') ? ph : `${ph}:0`;
    feeds[key] = readArray(dir, a, `input ${ph}`);
    try { fed.add(g.getTensorByName(key)); } catch (e) { throw new CaseFailure('import', `placeholder ${ph}: ${(e as Error).message}`); }
  }
  checkCanRun(g, fetches, fed);
  const sess = await Session.create({ graph: g, executor: opts.executor ?? 'cpu', float64: opts.float64, optimizer: opts.optimizer });
  let got: NDArray[];
  try {
    got = await sess.run(fetches, feeds);
  } catch (e) {
    const m = (e as Error).message;
    // The WebGPU executor refuses dtypes it has no storage for (float64 unless asked, 64-bit ints out of range) by name.
    const dtypeRefusal = e instanceof KilnError && /\b(float64|int64|dtype)\b/.test(m) && /WebGPU|executor|unimplemented/i.test(m);
    throw new CaseFailure(dtypeRefusal ? 'dtype' : 'other', `${(e as Error).name}: ${m}`);
  } finally {
    await sess.close();
  }
  fetchNames.forEach((f, i) => compareOutput(f, got[i], spec.outputs[f], readArray(dir, spec.outputs[f], `expected ${f}`), spec));
}

/** Reads one of the case's .npy files; a dtype Kiln's reader lacks is a 'dtype' failure. */
function readArray(dir: string, a: ArraySpec, what: string): NDArray {
  try {
    return readNpy(fs.readFileSync(path.join(dir, a.file)), a.file);
  } catch (e) {
    throw new CaseFailure(e instanceof KilnError ? 'dtype' : 'other', `${what} (${a.dtype}): ${(e as Error).message}`);
  }
}

/**
 * What the fetches need that Kiln cannot run, walked the way session/plan.ts `checkRunnable` walks (inputs and control
 * inputs, fed tensors cut): op types it lacks first (the cause a case is counted under), then dtypes, then the rest.
 */
function checkCanRun(g: Graph, fetches: readonly Tensor[], fed: ReadonlySet<Tensor>): void {
  const seen = new Set<Operation>();
  const stack = fetches.filter((t) => !fed.has(t)).map((t) => t.op);
  const missing = new Set<string>();
  const dtypes: string[] = [];
  const other: string[] = [];
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    const reason = g.opaqueReason(op);
    if (getOpDef(op.type) === undefined) missing.add(op.type);
    else if (reason !== undefined) (/dtype/.test(reason) ? dtypes : other).push(`'${op.name}' (${op.type}): ${reason}`);
    for (const t of op.inputs) if (t !== undefined && !fed.has(t)) stack.push(t.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  if (missing.size > 0) {
    const types = [...missing].sort();
    throw new CaseFailure('missing-op', `op types Kiln lacks: ${types.join(', ')}`, types);
  }
  if (dtypes.length > 0) throw new CaseFailure('dtype', dtypes[0]);
  if (other.length > 0) throw new CaseFailure('other', `cannot run ${other[0]}`);
}

const EXACT_DTYPES = new Set(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/**
 * TensorFlow's value against Kiln's: dtype (the case's, TF's name) and shape always; values unless the case compares
 * only shape and dtype (outputs drawn from TF's random stream). Floats within |got - want| <= atol + rtol * |want|
 * (NaN matches NaN, infinities exactly); integers and bools exactly.
 */
export function compareOutput(fetch: string, got: NDArray, spec: ArraySpec, want: NDArray, c: Pick<CaseSpec, 'compare' | 'tolerance'>): void {
  if (got.dtype !== spec.dtype) throw new CaseFailure('shape-dtype', `${fetch}: dtype ${got.dtype}, TensorFlow's is ${spec.dtype}`);
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    throw new CaseFailure('shape-dtype', `${fetch}: shape [${got.shape.join(',')}], TensorFlow's is [${want.shape.join(',')}]`);
  }
  if (c.compare === 'shape_dtype_only') return;
  const exact = EXACT_DTYPES.has(spec.dtype);
  const { atol, rtol } = c.tolerance;
  const g = got.data as ArrayLike<number | bigint>, w = want.data as ArrayLike<number | bigint>;
  let bad = 0, first = -1;
  for (let i = 0; i < w.length; i++) {
    if (!sameValue(g[i], w[i], exact, atol, rtol)) { bad++; if (first < 0) first = i; }
  }
  if (bad > 0) {
    throw new CaseFailure('value', `${fetch}: ${bad} of ${w.length} values differ; first at flat index ${first}: got ${String(g[first])}, TensorFlow ${String(w[first])} (${exact ? 'exact' : `atol ${atol}, rtol ${rtol}`})`);
  }
}

function sameValue(a: number | bigint, e: number | bigint, exact: boolean, atol: number, rtol: number): boolean {
  if (typeof a === 'bigint' || typeof e === 'bigint') {
    const n = typeof a === 'bigint' ? e : a;
    return (typeof n === 'bigint' || Number.isInteger(n)) && BigInt(a) === BigInt(e);
  }
  if (exact) return a === e;
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 400)}...` : line;
}

/** The committed lists of cases that pass, per executor (tests/conformance_passing.json). */
export const PASSING_FILE = 'tests/conformance_passing.json';

export interface PassingList { total: number; cpu: string[]; webgpu: string[] }

export function readPassing(root = process.cwd()): PassingList {
  return JSON.parse(fs.readFileSync(path.join(root, PASSING_FILE), 'utf8')) as PassingList;
}
