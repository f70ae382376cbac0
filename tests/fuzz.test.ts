// The importers on hostile input: truncated, bit-flipped, forged-length and random bytes, from a seeded PRNG. Every case
// must succeed or throw a Kiln error (tf.errors.KilnError), quickly, without allocating what a forged length asks for.
// A failure prints the case's name; `fuzzCase(kind, seed, index)` below rebuilds its bytes for a reproducer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { BundleReader } from '../serialization/checkpoint/bundle.js';
import { readTable, TableBuilder } from '../serialization/checkpoint/sstable.js';
import { readNpy } from '../serialization/npy.js';
import { parseTextFormat } from '../serialization/text_format.js';
import { TF_TESTDATA } from './testdata.js';
import { rng } from './helpers.js';

const TESTDATA = TF_TESTDATA;
const SEED = Number(process.env.FUZZ_SEED ?? 0x6b696c6e); // 'kiln'
/** FUZZ_SCALE=20 (say) multiplies every case count, for a longer hunt than the suite's default. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const count = (n: number): number => Math.round(n * SCALE);
/** Per case: generous for a slow shared machine, tiny next to a hang or a forged multi-gigabyte loop. */
const CASE_BUDGET_MS = 2000;
/** Resident memory may grow by this much over the whole file; a forged length honoured would need gigabytes. */
const RSS_SLACK = 1.5 * 2 ** 30;

/** mulberry32 (tests/helpers.ts): small, seeded, good enough to pick mutations. */
const prng = rng;

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Varints that decode to lengths and sizes far past any input: 2^31-1, 2^32-1, 2^63-ish. */
const FORGED = [[0xff, 0xff, 0xff, 0xff, 0x07], [0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]];

/** One binary mutation of `src`, and what it did. */
function mutateBytes(src: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string } {
  const b = Uint8Array.from(src);
  const at = int(rng, Math.max(1, b.length));
  switch (int(rng, 7)) {
    case 0: { const n = int(rng, b.length); return { bytes: b.subarray(0, n), how: `truncate to ${n}` }; }
    case 1: {
      const flips: number[] = [];
      for (let k = 1 + int(rng, 4); k > 0; k--) { const bit = int(rng, b.length * 8); flips.push(bit); b[bit >> 3] ^= 1 << (bit & 7); }
      return { bytes: b, how: `flip bits ${flips.join(',')}` };
    }
    case 2: {
      const set: string[] = [];
      for (let k = 1 + int(rng, 4); k > 0; k--) { const i = int(rng, b.length), v = int(rng, 256); b[i] = v; set.push(`${i}=${v}`); }
      return { bytes: b, how: `set bytes ${set.join(',')}` };
    }
    case 3: { // a forged length/size overwriting whatever was there
      const f = FORGED[int(rng, FORGED.length)];
      b.set(f.slice(0, b.length - at), at);
      return { bytes: b, how: `forged varint ${f.length}B at ${at}` };
    }
    case 4: { const n = 1 + int(rng, 16); return { bytes: Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + n)]), how: `delete ${n} at ${at}` }; }
    case 5: {
      const ins = Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256));
      return { bytes: Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]), how: `insert [${ins}] at ${at}` };
    }
    default: { // a chunk copied elsewhere: nested messages out of place
      const from = int(rng, b.length), n = 1 + int(rng, 64);
      const chunk = b.slice(from, from + n);
      return { bytes: Uint8Array.from([...b.subarray(0, at), ...chunk, ...b.subarray(at)]), how: `copy ${n} from ${from} to ${at}` };
    }
  }
}

const TEXT_TOKENS = ['{', '}', '<', '>', ':', '"', "'", '\\', '#', '[', ']', ',', ';', '-', 'inf', 'nan', '1e999', '-0x8000000000000000',
  '99999999999999999999999', 'node', 'attr', 'tensor_content: "\\377\\377"', 'dtype: DT_BOGUS', 'size: -5', 'key', 'value', '\n', '\u00e9', '\\x', '\\u12'];

function mutateText(src: string, rng: Rng): { text: string; how: string } {
  const at = int(rng, src.length + 1);
  switch (int(rng, 6)) {
    case 0: return { text: src.slice(0, at), how: `truncate to ${at}` };
    case 1: { const n = 1 + int(rng, 20); return { text: src.slice(0, at) + src.slice(at + n), how: `delete ${n} at ${at}` }; }
    case 2: { const t = TEXT_TOKENS[int(rng, TEXT_TOKENS.length)]; return { text: src.slice(0, at) + t + src.slice(at), how: `insert ${JSON.stringify(t)} at ${at}` }; }
    case 3: {
      const c = String.fromCharCode(32 + int(rng, 95));
      return { text: src.slice(0, at) + c + src.slice(at + 1), how: `replace char at ${at} by ${JSON.stringify(c)}` };
    }
    case 4: { const n = 50 + int(rng, 2000); return { text: src.slice(0, at) + '{'.repeat(n) + src.slice(at), how: `${n} '{' at ${at}` }; }
    default: { // swap two lines
      const lines = src.split('\n');
      const i = int(rng, lines.length), j = int(rng, lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { text: lines.join('\n'), how: `swap lines ${i},${j}` };
    }
  }
}


// ---------------------------------------------------------------------------------------------------------------
// Structure-aware mutations: valid protobuf, hostile contents (wrong attr kinds, op types, inputs, shapes, dtypes).

const OP_TYPES = tf.listOpDefs().map((d) => d.type).sort();
/** Dims a forged shape may take here: large enough to matter, small enough that honouring one costs < 100 MB. */
const ODD_DIMS = [-7, -1, 0, 1, 3, 65537, 1 << 20];
const ODD_DTYPES = [0, 1, 2, 3, 7, 9, 10, 19, 20, 21, 31, 101, 103, 199, 1000];

function pick<T>(rng: Rng, xs: readonly T[]): T { return xs[int(rng, xs.length)]; }

/** One structural edit of a decoded GraphDef (in place), and what it did. */
interface MutableNode { name: string; op: string; input: string[]; attr: Record<string, tensorflow.IAttrValue> }

function mutateGraphDef(gd: tensorflow.GraphDef, rng: Rng): string {
  // Decoded messages share frozen empty arrays and objects for unset fields: give every node its own.
  const nodes = (gd.node ?? []).map((m) => Object.assign(m, { name: m.name ?? '', op: m.op ?? '', input: [...(m.input ?? [])], attr: { ...(m.attr ?? {}) } }) as MutableNode);
  gd.node = nodes as tensorflow.INodeDef[];
  if (nodes.length === 0) return 'nothing';
  const n = pick(rng, nodes);
  const keys = Object.keys(n.attr);
  const allAttrs = nodes.flatMap((m) => Object.values(m.attr));
  const k = keys.length > 0 ? pick(rng, keys) : 'T';
  switch (int(rng, 12)) {
    case 0: n.attr[k] = tensorflow.AttrValue.create(); return `${n.name}: attr ${k} emptied`;
    case 1: if (allAttrs.length > 0) n.attr[k] = pick(rng, allAttrs); return `${n.name}: attr ${k} given another attr's value`;
    case 2: { const t = pick(rng, ODD_DTYPES); n.attr[k] = tensorflow.AttrValue.create({ type: t }); return `${n.name}: attr ${k} = type ${t}`; }
    case 3: { const op = pick(rng, OP_TYPES); n.op = op; return `${n.name}: op -> ${op}`; }
    case 4: {
      const other = pick(rng, nodes).name;
      const ref = pick(rng, [other, `${other}:${int(rng, 4)}`, `^${other}`, n.name, `${other}:99`, 'missing', '', ':', `${other}:-1`, `${other}:1e3`]);
      n.input.splice(int(rng, n.input.length + 1), 0, ref);
      return `${n.name}: input '${ref}' inserted`;
    }
    case 5: if (n.input.length > 0) n.input.splice(int(rng, n.input.length), 1); return `${n.name}: an input dropped`;
    case 6: { // a tensor's shape or dtype forged
      const t = Object.values(n.attr).find((a) => a.tensor != null)?.tensor;
      if (t == null) return 'no tensor';
      if (rng() < 0.5) { t.tensor_shape = tensorflow.TensorShapeProto.create({ dim: Array.from({ length: int(rng, 4) }, () => ({ size: pick(rng, ODD_DIMS) })) }); return `${n.name}: tensor shape forged`; }
      t.dtype = pick(rng, ODD_DTYPES); return `${n.name}: tensor dtype ${t.dtype}`;
    }
    case 7: { // a shape attr forged
      const dims = Array.from({ length: int(rng, 6) }, () => ({ size: pick(rng, ODD_DIMS) }));
      n.attr[k] = tensorflow.AttrValue.create({ shape: { dim: dims, unknown_rank: rng() < 0.2 } });
      return `${n.name}: attr ${k} = shape [${dims.map((d) => d.size)}]`;
    }
    case 8: { // list attrs of odd lengths and values (strides, ksize, perm, axis lists)
      const i = Array.from({ length: int(rng, 6) }, () => pick(rng, [-2, 0, 1, 2, 7, 1 << 30]));
      n.attr[k] = tensorflow.AttrValue.create({ list: { i } });
      return `${n.name}: attr ${k} = list [${i}]`;
    }
    case 9: { // scalar attrs of odd values
      const v = pick(rng, [{ i: -1 }, { i: 1 << 30 }, { f: NaN }, { b: true }, { s: Uint8Array.from([0xff, 0xfe]) }, { s: new TextEncoder().encode('NCHW') }]);
      n.attr[k] = tensorflow.AttrValue.create(v);
      return `${n.name}: attr ${k} = ${JSON.stringify(v)}`;
    }
    case 10: n.name = pick(rng, [pick(rng, nodes).name, '', 'a:0', '^x', 'x/../y']); return `node renamed '${n.name}'`;
    default: { // a node duplicated under a new name, feeding from the original
      const copy = tensorflow.NodeDef.decode(tensorflow.NodeDef.encode(n).finish());
      copy.name = `${n.name}_dup`;
      copy.input = [n.name, ...copy.input.slice(1)];
      nodes.push(copy as MutableNode);
      return `${n.name} duplicated`;
    }
  }
}

/** One edit of a bundle's index table with every checksum made right again: the BundleEntryProtos meet the checks. */
function mutateIndexTable(index: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string } {
  const entries = readTable(index).map(([key, value]) => [key.slice(), value.slice()] as [Uint8Array, Uint8Array]);
  const i = int(rng, entries.length);
  let how: string;
  if (rng() < 0.4) {
    const m = mutateBytes(entries[i][1], rng);
    entries[i][1] = m.bytes;
    how = `entry ${i} value: ${m.how}`;
  } else {
    const e = i === 0 ? null : tensorflow.BundleEntryProto.decode(entries[i][1]);
    if (e === null) {
      const h = tensorflow.BundleHeaderProto.decode(entries[0][1]);
      h.num_shards = pick(rng, [0, -1, 2, 1 << 30]);
      h.endianness = pick(rng, [0, 1, 7]) as tensorflow.BundleHeaderProto.Endianness;
      entries[0][1] = tensorflow.BundleHeaderProto.encode(h).finish();
      how = `header num_shards ${h.num_shards} endianness ${h.endianness}`;
    } else {
      const field = int(rng, 6);
      if (field === 0) e.dtype = pick(rng, ODD_DTYPES);
      if (field === 1) e.shape = tensorflow.TensorShapeProto.create({ dim: Array.from({ length: int(rng, 4) }, () => ({ size: pick(rng, [...ODD_DIMS, 2 ** 40]) })) });
      if (field === 2) e.offset = pick(rng, [-1, 1, 7, 2 ** 31, 2 ** 53]);
      if (field === 3) e.size = pick(rng, [-1, 0, 3, 4, 2 ** 31, 2 ** 53]);
      if (field === 4) e.shard_id = pick(rng, [-1, 1, 5]);
      if (field === 5) e.slices = [tensorflow.TensorSliceProto.create({ extent: [{ start: 0, length: 1 }] })];
      entries[i][1] = tensorflow.BundleEntryProto.encode(e).finish();
      how = `entry ${i}: field edit ${field} -> ${JSON.stringify(tensorflow.BundleEntryProto.toObject(e, { longs: Number }))}`;
    }
  }
  const b = new TableBuilder();
  for (const [key, value] of entries) b.add(key, value);
  return { bytes: b.finish(), how };
}

interface Finding { name: string; error: string }

/** Runs `fn`, recording a finding for anything but success or a KilnError, for a slow case, or for memory growth. */
class Harness {
  readonly findings: Finding[] = [];
  cases = 0;
  private readonly rssLimit = process.memoryUsage.rss() + RSS_SLACK;

  /** With FUZZ_DUMP=dir set, `input` of each failing case is written there (for reproducers). */
  check(name: string, fn: () => unknown, input?: Uint8Array | string): void {
    this.cases++;
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      if (!(e instanceof tf.errors.KilnError)) {
        const err = e as Error;
        this.findings.push({ name, error: `${err?.constructor?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)}` });
        const dump = process.env.FUZZ_DUMP;
        if (dump !== undefined && input !== undefined) {
          fs.mkdirSync(dump, { recursive: true });
          fs.writeFileSync(path.join(dump, `${name.split(':')[0].replace(/[^\w#]+/g, '_')}.bin`), input);
          fs.appendFileSync(path.join(dump, 'index.txt'), `${name}\n  ${err?.stack?.split('\n').slice(0, 4).join('\n  ')}\n`);
        }
      }
    }
    const ms = performance.now() - t0;
    if (ms > CASE_BUDGET_MS) this.findings.push({ name, error: `took ${ms.toFixed(0)} ms` });
    if (process.memoryUsage.rss() > this.rssLimit) this.findings.push({ name, error: `resident memory ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB` });
  }

  /** Distinct failures (by error text), each with its first case: what a reproducer needs. */
  report(): string[] {
    const seen = new Map<string, Finding & { count: number }>();
    for (const f of this.findings) {
      const key = f.error.replace(/\d+/g, 'N');
      const s = seen.get(key);
      if (s === undefined) seen.set(key, { ...f, count: 1 }); else s.count++;
    }
    return [...seen.values()].map((f) => `${f.count}x ${f.error}\n    first: ${f.name}`);
  }
}

function importBinary(bytes: Uint8Array): void {
  tf.importGraphDef(bytes, { graph: new tf.Graph(), name: '' });
}

function importText(text: string): void {
  const gd = parseTextFormat(tensorflow.GraphDef, text, 'fuzz.pbtxt');
  tf.importGraphDef(gd, { graph: new tf.Graph(), name: '' });
}

/** Opens the index and reads every tensor it lists from the real data files: forged offsets and sizes meet real bytes. */
function openBundle(prefix: string, bytes: Uint8Array): void {
  const r = BundleReader.fromIndexBytes(prefix, bytes);
  for (const name of r.entries.keys()) {
    try {
      r.read(name);
    } catch (e) {
      if (!(e instanceof tf.errors.KilnError)) throw e;
    }
  }
}

const PB_FILES = [
  ...fs.readdirSync(TESTDATA).filter((d) => d.startsWith('dl4j_')).map((d) => path.join(TESTDATA, d, 'frozen_model.pb')),
  path.join(TESTDATA, 'rust_addition/model.pb'),
  path.join(TESTDATA, 'tf2onnx_regression/graphdef/frozen.pb'),
];
// The MNIST text file is 100 KB: mutated less often than the small ones, to keep the file fast.
const PBTXT_FILES = [
  ...fs.readdirSync(TESTDATA).filter((d) => d.startsWith('dl4j_') && d !== 'dl4j_mnist_00').map((d) => path.join(TESTDATA, d, 'frozen_graph.pbtxt')),
  path.join(TESTDATA, 'tf_grappler_while_loop/while_loop.pbtxt'),
];
const CHECKPOINTS = [
  path.join(TESTDATA, 'tf2onnx_regression/checkpoint/model'),
  path.join(TESTDATA, 'serving_half_plus_two_cpu/variables/variables'), // snappy-compressed index blocks
];
const NPY_FILES = [path.join(TESTDATA, 'dl4j_conv_0/input__image.npy'), path.join(TESTDATA, 'dl4j_expand_dim/input__input_0.npy')];

function expectClean(h: Harness, minCases: number): void {
  expect(h.cases).toBeGreaterThanOrEqual(minCases);
  const report = h.report();
  if (report.length > 0) throw new Error(`${h.findings.length} of ${h.cases} cases failed:\n${report.join('\n')}`);
}

describe(`fuzzing the importers (seed 0x${SEED.toString(16)}, scale ${SCALE})`, () => {
  test('the unmutated files import cleanly (the mutations start from valid input)', () => {
    for (const f of PB_FILES) importBinary(fs.readFileSync(f));
    for (const f of PBTXT_FILES) importText(fs.readFileSync(f, 'utf8'));
    for (const p of CHECKPOINTS) openBundle(p, fs.readFileSync(`${p}.index`));
    for (const f of NPY_FILES) readNpy(fs.readFileSync(f));
  });

  test('GraphDef binary: 1,500 mutations of TensorFlow\'s frozen graphs', () => {
    const rng = prng(SEED), h = new Harness();
    const srcs = PB_FILES.map((f) => fs.readFileSync(f));
    for (let i = 0; i < count(1500); i++) {
      const k = i % srcs.length;
      const { bytes, how } = mutateBytes(srcs[k], rng);
      h.check(`pb #${i} ${path.relative(TESTDATA, PB_FILES[k])}: ${how}`, () => importBinary(bytes), bytes);
    }
    expectClean(h, count(1500));
  });

  test('GraphDef text format: 1,000 mutations of TensorFlow\'s .pbtxt files', () => {
    const rng = prng(SEED + 1), h = new Harness();
    const srcs = PBTXT_FILES.map((f) => fs.readFileSync(f, 'utf8'));
    const mnist = fs.readFileSync(path.join(TESTDATA, 'dl4j_mnist_00/frozen_graph.pbtxt'), 'utf8');
    for (let i = 0; i < count(1000); i++) {
      const k = i % srcs.length;
      const big = i % 50 === 0;
      const { text, how } = mutateText(big ? mnist : srcs[k], rng);
      h.check(`pbtxt #${i} ${big ? 'dl4j_mnist_00/frozen_graph.pbtxt' : path.relative(TESTDATA, PBTXT_FILES[k])}: ${how}`, () => importText(text), text);
    }
    expectClean(h, count(1000));
  });

  test('checkpoint .index: 1,000 mutations (plain and snappy-compressed blocks), tensors read from the real data files', () => {
    const rng = prng(SEED + 2), h = new Harness();
    const srcs = CHECKPOINTS.map((p) => fs.readFileSync(`${p}.index`));
    for (let i = 0; i < count(1000); i++) {
      const k = i % srcs.length;
      const { bytes, how } = mutateBytes(srcs[k], rng);
      h.check(`index #${i} ${path.relative(TESTDATA, CHECKPOINTS[k])}.index: ${how}`, () => openBundle(CHECKPOINTS[k], bytes), bytes);
    }
    expectClean(h, count(1000));
  });

  test('MetaGraphDef: 500 mutations of TensorFlow\'s model.meta (graph, collections, VariableDef bytes)', async () => {
    const rng = prng(SEED + 7);
    const src = fs.readFileSync(path.join(TESTDATA, 'tf2onnx_regression/checkpoint/model.meta'));
    await tf.train.importMetaGraph(src, { graph: new tf.Graph() }); // the unmutated file imports
    const bad: string[] = [];
    for (let i = 0; i < count(500); i++) {
      const { bytes, how } = mutateBytes(src, rng);
      try {
        await tf.train.importMetaGraph(bytes, { graph: new tf.Graph() });
      } catch (e) {
        if (!(e instanceof tf.errors.KilnError)) bad.push(`meta #${i} ${how}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  test('.npy: 300 mutations', () => {
    const rng = prng(SEED + 3), h = new Harness();
    const srcs = NPY_FILES.map((f) => fs.readFileSync(f));
    for (let i = 0; i < count(300); i++) {
      const k = i % srcs.length;
      const { bytes, how } = mutateBytes(srcs[k], rng);
      h.check(`npy #${i} ${path.relative(TESTDATA, NPY_FILES[k])}: ${how}`, () => readNpy(bytes, 'fuzz.npy'), bytes);
    }
    expectClean(h, count(300));
  });

  test('GraphDef structure: 1,000 valid protobufs with hostile contents (attr kinds, op types, inputs, shapes)', () => {
    const rng = prng(SEED + 5), h = new Harness();
    const srcs = PB_FILES.map((f) => fs.readFileSync(f));
    for (let i = 0; i < count(1000); i++) {
      const k = i % srcs.length;
      const gd = tensorflow.GraphDef.decode(srcs[k]);
      const hows: string[] = [];
      for (let e = 1 + int(rng, 3); e > 0; e--) hows.push(mutateGraphDef(gd, rng));
      const bytes = tensorflow.GraphDef.encode(gd).finish();
      h.check(`struct #${i} ${path.relative(TESTDATA, PB_FILES[k])}: ${hows.join('; ')}`, () => importBinary(bytes), bytes);
    }
    expectClean(h, count(1000));
  });

  test('checkpoint index entries: 600 edits behind valid checksums', () => {
    const rng = prng(SEED + 6), h = new Harness();
    const srcs = CHECKPOINTS.map((p) => fs.readFileSync(`${p}.index`));
    for (let i = 0; i < count(600); i++) {
      const k = i % srcs.length;
      const { bytes, how } = mutateIndexTable(srcs[k], rng);
      h.check(`entry #${i} ${path.relative(TESTDATA, CHECKPOINTS[k])}.index: ${how}`, () => openBundle(CHECKPOINTS[k], bytes), bytes);
    }
    expectClean(h, count(600));
  });

  test('forged shapes and attr kinds, by hand: a clean error, no gigabytes', () => {
    const h = new Harness();
    const node = (attrs: string): string => `node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } ${attrs} }`;
    const cases: Record<string, string> = {
      'float_val expanded to 4 GB': node('attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 1000000000 } } float_val: 1 } } }'),
      'no values, 16 GB of zeros': node('attr { key: "value" value { tensor { dtype: DT_DOUBLE tensor_shape { dim { size: 2000000000 } } } } }'),
      'dims multiplying past 2^53': node('attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 4294967296 } dim { size: 4294967296 } dim { size: 4294967296 } } float_val: 1 } } }'),
      'an empty AttrValue for a tensor': node('attr { key: "value" value { } }'),
      'an int for a tensor': node('attr { key: "value" value { i: 3 } }'),
      'an int for a dtype': 'node { name: "p" op: "Placeholder" attr { key: "dtype" value { i: 3 } } }',
      'a string for a shape': 'node { name: "p" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { s: "x" } } }',
      'Identity without inputs': 'node { name: "i" op: "Identity" attr { key: "T" value { type: DT_FLOAT } } }',
    };
    for (const [what, text] of Object.entries(cases)) {
      h.check(what, () => {
        try {
          importText(text);
        } catch (e) {
          if (e instanceof tf.errors.KilnError) return;
          throw e;
        }
        throw new Error('imported without an error');
      });
    }
    expectClean(h, 8);
  });

  test('random bytes and random text: 400 inputs to each importer', () => {
    const rng = prng(SEED + 4), h = new Harness();
    for (let i = 0; i < count(400); i++) {
      const n = int(rng, i % 2 === 0 ? 64 : 4096);
      const bytes = Uint8Array.from({ length: n }, () => int(rng, 256));
      const text = Array.from({ length: n }, () => (rng() < 0.3 ? TEXT_TOKENS[int(rng, TEXT_TOKENS.length)] : String.fromCharCode(32 + int(rng, 95)))).join(' ');
      h.check(`random #${i}: ${n} bytes, GraphDef`, () => importBinary(bytes));
      h.check(`random #${i}: text, GraphDef`, () => importText(text));
      h.check(`random #${i}: ${n} bytes, checkpoint index`, () => openBundle(CHECKPOINTS[0], bytes));
      h.check(`random #${i}: ${n} bytes, npy`, () => readNpy(bytes, 'fuzz.npy'), bytes);
    }
    expectClean(h, count(1600));
  });
});
