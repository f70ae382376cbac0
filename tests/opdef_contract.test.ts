// TensorFlow's OpDef is the contract for every op Kiln declares (ops/README.md): input arg names in TF's order (a
// trailing '*' for a list), which inputs are refs, attr names and types, defaults where both sides have one, and the
// number of outputs (checked on the corpus's nodes: Kiln's outputs come from the shape rule).
// tests/testdata/tf_opdefs.json is TensorFlow's table (tools/extract_opdefs.py wrote it; TensorFlow is never called
// here). Ops that are not TensorFlow's, and each departure Kiln keeps, are listed below with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { listOpDefs, OpDef } from '../index.js';
import { readGraph } from '../serialization/io.js';
import { findCorpus, listCases } from '../tools/conformance/corpus.js';

interface TfOpDef { i: string[]; o: string[]; a: Array<[string, string] | [string, string, unknown]> }
const table = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'tests/testdata/tf_opdefs.json'), 'utf8')) as { tensorflow: string; ops: Record<string, TfOpDef> };
const TF = table.ops;

/** Ops Kiln declares that TensorFlow's registry does not have. */
const KILN_ONLY: Record<string, string> = {
  _KilnFusedElementwise: "the optimizer's fused elementwise chain (optimizer/fusion.ts): it exists only in plan graphs, and a GraphDef written for TensorFlow gets the ops it replaced back (optimizer/export.ts)",
};

/**
 * Departures Kiln keeps, keyed as the test words them, each with its reason. A departure fixed later must leave this
 * list (the last test fails on a stale entry), so the list is always exactly what differs.
 */
const TF2_ONLY = 'an attr TF 2.x added (TF 1.x graphs, the corpus among them, never carry it): declared, Kiln would write it into every GraphDef, and TF 1.x refuses a NodeDef with an attr its OpDef lacks. An imported graph that carries it keeps it as written';
const KEPT_DEPARTURES: Record<string, string> = {
  "TopKV2: TF's attr Tk (type, default \"int32\") is not declared": `${TF2_ONLY}`,
  "TopKV2: TF's attr index_type (type, default \"int32\") is not declared": `${TF2_ONLY}`,
  "GatherNd: TF's attr bad_indices_policy (string, default \"\") is not declared": `${TF2_ONLY}`,
  "ScatterNd: TF's attr bad_indices_policy (string, default \"\") is not declared": `${TF2_ONLY}`,
  "_FusedConv2D: inputs [input, filter, args*], TF's are [input, filter, args*, host_args*]": 'Kiln declares one variadic list per op; its fused convolutions have no host args (num_host_args 0, as Grappler writes them for the CPU)',
  "MatMul: TF's attr grad_a (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "MatMul: TF's attr grad_b (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "BatchMatMul: TF's attr grad_x (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "BatchMatMul: TF's attr grad_y (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "BatchMatMulV2: TF's attr grad_x (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "BatchMatMulV2: TF's attr grad_y (bool, default false) is not declared": `${TF2_ONLY} (a grappler hint, no effect on values)`,
  "MaxPool: TF's attr explicit_paddings (list(int), default []) is not declared": `${TF2_ONLY} (used only with padding 'EXPLICIT', which Kiln's MaxPool refuses by name)`,
  "MaxPoolGrad: TF's attr explicit_paddings (list(int), default []) is not declared": `${TF2_ONLY} (used only with padding 'EXPLICIT', which Kiln's MaxPool refuses by name)`,
};

const stripRef = (n: string): string => n.replace(/^&/, '');

/**
 * float attrs: TF stores a float32, Kiln a JS number; equal when they round to the same float32 (the table writes a
 * non-finite float as the string Number() reads: 'Infinity').
 */
const sameFloat = (k: unknown, t: unknown): boolean => Object.is(Math.fround(Number(k)), Math.fround(Number(t)));
function sameDefault(type: string, kiln: unknown, tf: unknown): boolean {
  if (type === 'float') return sameFloat(kiln, tf);
  if (type === 'list(float)') {
    const k = kiln as number[], t = tf as number[];
    return k.length === t.length && k.every((x, i) => sameFloat(x, t[i]));
  }
  return JSON.stringify(kiln) === JSON.stringify(tf);
}

/** How Kiln's declaration of `def` departs from TF's OpDef, one line each. */
function departures(def: OpDef, tf: TfOpDef): string[] {
  const out: string[] = [];
  const op = def.type;
  const tfInputs = tf.i.map(stripRef);
  if (JSON.stringify(def.inputs) !== JSON.stringify(tfInputs)) out.push(`${op}: inputs [${def.inputs.join(', ')}], TF's are [${tfInputs.join(', ')}]`);
  const tfRefs = tf.i.flatMap((n, i) => (n.startsWith('&') ? [i] : []));
  const kilnRefs = [...(def.refInputs ?? [])].sort((a, b) => a - b);
  if (JSON.stringify(kilnRefs) !== JSON.stringify(tfRefs)) out.push(`${op}: ref inputs [${kilnRefs.join(', ')}], TF's are [${tfRefs.join(', ')}]`);
  const tfAttrs = new Map(tf.a.map((a) => [a[0], a]));
  for (const [name, spec] of Object.entries(def.attrs ?? {})) {
    const t = tfAttrs.get(name);
    if (t === undefined) { out.push(`${op}: attr ${name} is not TF's`); continue; }
    if (spec.type !== t[1]) out.push(`${op}: attr ${name} is ${spec.type}, TF's is ${t[1]}`);
    else if (spec.default !== undefined && t.length === 3 && !sameDefault(spec.type, spec.default, t[2])) {
      out.push(`${op}: attr ${name} defaults to ${JSON.stringify(spec.default)}, TF's to ${JSON.stringify(t[2])}`);
    }
  }
  for (const t of tf.a) {
    if (def.attrs?.[t[0]] !== undefined) continue;
    out.push(t.length === 3 ? `${op}: TF's attr ${t[0]} (${t[1]}, default ${JSON.stringify(t[2])}) is not declared` : `${op}: TF's required attr ${t[0]} (${t[1]}) is not declared`);
  }
  return out;
}

const defs = listOpDefs();

test(`the table is TensorFlow's (${table.tensorflow}, ${Object.keys(TF).length} ops)`, () => {
  expect(Object.keys(TF).length).toBeGreaterThan(1000);
  expect(TF.MatMul).toEqual({ i: ['a', 'b'], o: ['product'], a: expect.arrayContaining([['transpose_a', 'bool', false], ['T', 'type']]) });
});

test('every op Kiln declares is a TensorFlow op, or listed as Kiln-only with a reason', () => {
  const unknown = defs.map((d) => d.type).filter((t) => TF[t] === undefined && KILN_ONLY[t] === undefined);
  expect(unknown).toEqual([]);
  const stale = Object.keys(KILN_ONLY).filter((t) => TF[t] !== undefined || !defs.some((d) => d.type === t));
  expect(stale).toEqual([]);
});

const all = defs.filter((d) => TF[d.type] !== undefined).flatMap((d) => departures(d, TF[d.type]));

test("every declaration matches TF's OpDef: inputs, ref inputs, attr names, types and defaults", () => {
  expect(all.filter((d) => KEPT_DEPARTURES[d] === undefined)).toEqual([]);
});

test('every kept departure is still one', () => {
  expect(Object.keys(KEPT_DEPARTURES).filter((d) => !all.includes(d))).toEqual([]);
});

test("output counts: every node of a declared type in the corpus's graphs has as many outputs as TF's OpDef says", async () => {
  // Kiln declares outputs through the shape rule, so the count is checked where nodes exist: the 1,644 graphs TF wrote.
  const corpus = findCorpus();
  const seen = new Map<string, Set<number>>();
  for (const name of listCases(corpus)) {
    let g;
    try { g = await readGraph(path.join(corpus, name, 'frozen_model.pb')); } catch { continue; }
    for (const op of g.getOperations()) {
      if (g.opaqueReason(op) !== undefined || TF[op.type] === undefined || TF[op.type].o.some((o) => o.endsWith('*'))) continue;
      seen.set(op.type, (seen.get(op.type) ?? new Set()).add(op.outputs.length));
    }
  }
  expect(seen.size).toBeGreaterThan(50);
  const wrong = [...seen].filter(([t, ns]) => ns.size !== 1 || !ns.has(TF[t].o.length)).map(([t, ns]) => `${t}: ${[...ns].join('/')} outputs, TF's OpDef has ${TF[t].o.length}`);
  expect(wrong).toEqual([]);
}, 120_000);

test('the check finds departures (a declaration that differs from TF)', () => {
  const fake: OpDef = { type: 'MatMul', inputs: ['a', 'x'], attrs: { transpose_a: { type: 'bool', default: true }, T: { type: 'int' } }, shape: () => [], cpu: () => [] };
  expect(departures(fake, TF.MatMul)).toEqual([
    'MatMul: inputs [a, x], TF\'s are [a, b]',
    'MatMul: attr transpose_a defaults to true, TF\'s to false',
    'MatMul: attr T is int, TF\'s is type',
    'MatMul: TF\'s attr transpose_b (bool, default false) is not declared',
    'MatMul: TF\'s attr grad_a (bool, default false) is not declared',
    'MatMul: TF\'s attr grad_b (bool, default false) is not declared',
  ]);
});
