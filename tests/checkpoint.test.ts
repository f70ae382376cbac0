// V2 checkpoints: CRC32C, the SSTable reader/writer, tensor bundles (against files TensorFlow wrote), the `checkpoint`
// state file, tf.train.Saver on both executors, and a fuzz loop over mutated index files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import * as snappyjs from 'snappyjs';
import * as tf from '../index.js';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../serialization/checkpoint/crc32c.js';
import { snappyUncompress } from '../serialization/checkpoint/snappy.js';
import { readTable, shortestSeparator, shortSuccessor, TableBuilder, TableFormatError } from '../serialization/checkpoint/sstable.js';
import { BundleReader, dataFile, encodeBundle, indexFile, tensorBytes, writeBundle } from '../serialization/checkpoint/bundle.js';
import { formatCheckpointState, parseCheckpointState } from '../serialization/checkpoint/state.js';
import { tensorflow } from '../proto/generated/tf.js';
import { EXECUTORS, expectClose, rng } from './helpers.js';
import { TF_TESTDATA } from './testdata.js';

const TESTDATA = TF_TESTDATA;
const TF2ONNX = path.join(TESTDATA, 'tf2onnx_regression/checkpoint/model');
const SERVING = path.join(TESTDATA, 'serving_half_plus_two_cpu/variables/variables');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u32 = (b: Uint8Array, p: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(p, true);

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-ckpt-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('CRC32C', () => {
  test('known values (RFC 3720 B.4) and TF masking', () => {
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // Extending in pieces (across the 8-byte stride) equals one pass.
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    expect(crc32cExtend(crc32c(data.subarray(0, 13)), data.subarray(13))).toBe(crc32c(data));
    for (const c of [0, 1, 0xe3069283, 0xffffffff]) {
      expect(unmaskCrc(maskCrc(c))).toBe(c);
      expect(maskCrc(c)).not.toBe(c);
    }
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});

describe('snappy', () => {
  test('decodes what snappyjs compresses', () => {
    const r = rng(3);
    const text = enc('tensor_bundle '.repeat(300) + Array.from({ length: 500 }, () => String.fromCharCode(97 + Math.floor(r() * 26))).join(''));
    const packed = snappyjs.compress(text);
    expect(packed.length).toBeLessThan(text.length / 2);
    expect(hex(snappyUncompress(packed, 1 << 20) as Uint8Array)).toBe(hex(text));
  });

  test('forged input fails with a reason, never loops or over-allocates', () => {
    // A 4-byte literal length of -6 as signed 32-bit: snappyjs would move its cursor back onto the tag forever.
    expect(snappyUncompress(Uint8Array.from([0x10, 0xfc, 0xfa, 0xff, 0xff, 0xff]), 1000)).toMatch(/literal/);
    expect(snappyUncompress(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 1000)).toMatch(/exceeds/);
    expect(snappyUncompress(Uint8Array.from([0x05, 0x04, 0x61]), 1000)).toMatch(/literal runs past/);
    expect(snappyUncompress(Uint8Array.from([0x03, 0x0c, 0x61, 0x62, 0x63, 0x64]), 1000)).toMatch(/longer than its header/);
    expect(snappyUncompress(Uint8Array.from([0x08, 0x00, 0x61, 0x01, 0x05]), 1000)).toMatch(/offset/);
    expect(snappyUncompress(Uint8Array.from([0x05, 0x00, 0x61]), 1000)).toMatch(/output has 1 bytes/);
    expect(snappyUncompress(Uint8Array.from([0x80]), 1000)).toMatch(/truncated/);
  });
});

describe('SSTable', () => {
  test('reads the index TensorFlow wrote and rewrites it byte for byte', () => {
    const file = fs.readFileSync(indexFile(TF2ONNX));
    const entries = readTable(file);
    expect(entries.map(([k]) => Buffer.from(k).toString())).toEqual(['', 'W', 'b']);
    const b = new TableBuilder();
    for (const [k, v] of entries) b.add(k, v);
    expect(hex(b.finish())).toBe(hex(file));
  });

  test('reads snappy-compressed blocks (serving_half_plus_two)', () => {
    const entries = readTable(fs.readFileSync(indexFile(SERVING)));
    expect(entries.map(([k]) => Buffer.from(k).toString())).toEqual(['', 'a', 'a2', 'b', 'c', 'c2']);
  });

  test('byte-level structure: footer, block trailers, restarts, index separators', () => {
    const b = new TableBuilder();
    b.add(enc(''), enc('header'));
    b.add(enc('a'), enc('x'));
    const t = b.finish();
    // Data block: ['' -> header], ['a' -> x], restarts [0], count 1.
    const data = Uint8Array.from([0, 0, 6, ...enc('header'), 0, 1, 1, 0x61, 0x78, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(hex(t.subarray(0, data.length))).toBe(hex(data));
    expect(t[data.length]).toBe(0); // no compression
    expect(u32(t, data.length + 1)).toBe(maskCrc(crc32c(Uint8Array.from([...data, 0]))));
    // Footer: magic 0xdb4775248b80fb57 little-endian in the last 8 bytes; handles then zero padding.
    const footer = t.subarray(t.length - 48);
    expect(hex(footer.subarray(40))).toBe('57fb808b247547db');
    const meta = data.length + 5;
    const indexAt = meta + 8 + 5;
    expect([...footer.subarray(0, 4)]).toEqual([meta, 8, indexAt, t.length - 48 - 5 - indexAt]);
    expect(footer.subarray(4, 40).every((x) => x === 0)).toBe(true);
    // Index block: one entry, the short successor of 'a' ('b') -> handle (0, data.length).
    expect([...t.subarray(indexAt, indexAt + 6)]).toEqual([0, 1, 2, 0x62, 0, data.length]);
  });

  test('many entries: several 4 KiB blocks, restart every 16 entries, shortest separators; read back equal', () => {
    const r = rng(11);
    const keys = [...new Set(Array.from({ length: 3000 }, () => `layer${Math.floor(r() * 50)}/kernel/${Math.floor(r() * 1e6)}`))].sort();
    const b = new TableBuilder();
    const values = keys.map((k, i) => enc(`${i}:${k.length}`.repeat(1 + (i % 5))));
    keys.forEach((k, i) => b.add(enc(k), values[i]));
    const t = b.finish();
    const back = readTable(t);
    expect(back.map(([k]) => Buffer.from(k).toString())).toEqual(keys);
    back.forEach(([, v], i) => expect(hex(v)).toBe(hex(values[i])));
    // Walk the index block and check each data block: size near 4 KiB, 16 entries per restart, separators bracket it.
    const footer = t.length - 48;
    let p = footer;
    const varint = (): number => { let v = 0, s = 0; for (;;) { const c = t[p++]; v += (c & 0x7f) * 2 ** s; s += 7; if (c < 0x80) return v; } };
    varint(); varint();
    const indexOffset = varint(), indexSize = varint();
    const idx = readTable(t).length; // sanity
    expect(idx).toBe(keys.length);
    p = indexOffset;
    let blocks = 0;
    const indexEnd = indexOffset + indexSize - 4 * (u32(t, indexOffset + indexSize - 4) + 1);
    while (p < indexEnd) {
      const shared = varint(), nonShared = varint(), valueLen = varint();
      expect(shared).toBe(0); // restart interval 1 in the index block
      p += nonShared;
      const end = p + valueLen;
      const offset = varint(), size = varint();
      expect(p).toBe(end);
      blocks++;
      const numRestarts = u32(t, offset + size - 4);
      expect(size).toBeLessThan(4096 + 200);
      expect(t[offset + size]).toBe(0);
      expect(u32(t, offset + size + 1)).toBe(maskCrc(crc32c(t.subarray(offset, offset + size + 1))));
      expect(numRestarts).toBeGreaterThan(1);
    }
    expect(blocks).toBeGreaterThan(10);
  });

  test('separator helpers follow LevelDB', () => {
    const s = (a: string, b: string): string => Buffer.from(shortestSeparator(enc(a), enc(b))).toString('latin1');
    expect(s('abcdefg', 'abzzz')).toBe('abd');
    expect(s('abc', 'abd')).toBe('abc'); // 'c'+1 == 'd': cannot shorten
    expect(s('ab', 'abc')).toBe('ab'); // prefix
    expect(Buffer.from(shortSuccessor(Uint8Array.from([0xff, 0x61, 0x62]))).toString('hex')).toBe('ff62');
    expect(Buffer.from(shortSuccessor(Uint8Array.from([0xff, 0xff]))).toString('hex')).toBe('ffff');
  });

  test('the builder refuses keys out of order', () => {
    const b = new TableBuilder();
    b.add(enc('b'), enc(''));
    expect(() => b.add(enc('a'), enc(''))).toThrow(TableFormatError);
    expect(() => b.add(enc('b'), enc(''))).toThrow(TableFormatError);
  });
});

describe('tensor bundles', () => {
  test("TensorFlow's tf2onnx regression checkpoint", () => {
    const r = tf.train.loadCheckpoint(TF2ONNX);
    expect(Object.keys(r.variableShapes()).sort()).toEqual(['W', 'b']);
    expect(r.variableShapes()).toEqual({ W: [], b: [] });
    expect(r.variableDtypes()).toEqual({ W: 'float32', b: 'float32' });
    expect(r.hasTensor('W')).toBe(true);
    expect(r.hasTensor('w')).toBe(false);
    expectClose(r.getTensor('W'), 0.21396178, { dtype: 'float32', atol: 1e-7 });
    expectClose(r.getTensor('b'), 1.0495254, { dtype: 'float32', atol: 1e-7 });
    expect(() => r.getTensor('nope')).toThrow(tf.errors.NotFoundError);
    // The folder works too (through its `checkpoint` state file).
    expect(tf.train.loadCheckpoint(path.dirname(TF2ONNX)).getTensor('W').scalar()).toBe(r.getTensor('W').scalar());
  });

  test("TensorFlow's snappy-compressed serving checkpoint", () => {
    const r = tf.train.loadCheckpoint(SERVING);
    expect(r.variableShapes()).toEqual({ a: [], a2: [], b: [], c: [], c2: [] });
    expect(r.getTensor('a').scalar()).toBe(0.5);
    expect(r.getTensor('b').scalar()).toBe(2);
    expect(r.getTensor('c').scalar()).toBe(3);
    expect(r.getTensor('a2').scalar()).toBe(0.5);
    expect(r.getTensor('c2').scalar()).toBe(3);
  });

  test('Kiln writes the same bytes TensorFlow did (index and data)', () => {
    const r = tf.train.loadCheckpoint(TF2ONNX);
    const { index, data } = encodeBundle({ b: r.getTensor('b'), W: r.getTensor('W') });
    expect(hex(index)).toBe(hex(fs.readFileSync(indexFile(TF2ONNX))));
    expect(hex(data)).toBe(hex(fs.readFileSync(dataFile(TF2ONNX))));
    // The serving checkpoint's tensors, written uncompressed, read back the same.
    const s = tf.train.loadCheckpoint(SERVING);
    const again = encodeBundle(Object.fromEntries(['a', 'a2', 'b', 'c', 'c2'].map((k) => [k, s.getTensor(k)])));
    expect(hex(again.data)).toBe(hex(fs.readFileSync(dataFile(SERVING))));
  });

  test('every dtype, empty and scalar tensors round-trip through files byte for byte', async () => {
    const tensors: Record<string, tf.NDArray> = {
      'dense/kernel': tf.ndarray([[1.5, -2], [3.25, 1e-30]], [2, 2], 'float32'),
      'f64': tf.ndarray([Math.PI, -0, 1e300], [3], 'float64'),
      'i32': tf.ndarray([-2147483648, 2147483647, 0, 7], [2, 2], 'int32'),
      'global_step': tf.ndarray(2 ** 53 - 1, [], 'int64'),
      'i64': tf.ndarray([-(2 ** 40), 1, -1], [3], 'int64'),
      'mask': tf.ndarray([true, false, true], [3], 'bool'),
      'empty': tf.ndarray(new Float32Array(0), [0, 4], 'float32'),
      'scalar': tf.ndarray(42, [], 'float32'),
      'ünïcode/名前': tf.ndarray([1, 2], [2], 'int32'),
    };
    const prefix = path.join(tmp, 'all');
    await writeBundle(prefix, tensors);
    expect(fs.readdirSync(tmp).sort()).toEqual(['all.data-00000-of-00001', 'all.index']);
    const r = tf.train.loadCheckpoint(prefix);
    expect(Object.keys(r.variableShapes()).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, a] of Object.entries(tensors)) {
      const got = r.getTensor(name);
      expect(got.dtype).toBe(a.dtype);
      expect(got.shape).toEqual(a.shape);
      expect(hex(tensorBytes(got))).toBe(hex(tensorBytes(a)));
      expect(Array.from(got.data)).toEqual(Array.from(a.data));
    }
    // Data is back to back in key order (byte order of the UTF-8 names), no padding.
    const bundle = BundleReader.open(prefix);
    let offset = 0;
    for (const [, e] of bundle.entries) {
      expect(e.offset).toBe(offset);
      offset += e.size;
    }
    expect(fs.statSync(dataFile(prefix)).size).toBe(offset);
    // Writing what was read gives the same files.
    const again = encodeBundle(Object.fromEntries(Object.keys(tensors).map((k) => [k, r.getTensor(k)])));
    expect(hex(again.index)).toBe(hex(fs.readFileSync(indexFile(prefix))));
    expect(hex(again.data)).toBe(hex(fs.readFileSync(dataFile(prefix))));
  });

  test('a corrupted data file is caught by the checksum; missing files are NotFound naming them', async () => {
    const prefix = path.join(tmp, 'm');
    await writeBundle(prefix, { w: tf.ndarray([1, 2, 3], [3], 'float32') });
    const d = fs.readFileSync(dataFile(prefix));
    d[5] ^= 0x10;
    fs.writeFileSync(dataFile(prefix), d);
    expect(() => tf.train.loadCheckpoint(prefix).getTensor('w')).toThrow(/checksum mismatch for tensor 'w'/);
    fs.writeFileSync(dataFile(prefix), d.subarray(0, 8));
    expect(() => tf.train.loadCheckpoint(prefix).getTensor('w')).toThrow(/lies outside/);
    fs.rmSync(dataFile(prefix));
    expect(() => tf.train.loadCheckpoint(prefix).getTensor('w')).toThrow(tf.errors.NotFoundError);
    expect(() => tf.train.loadCheckpoint(path.join(tmp, 'none'))).toThrow(/Checkpoint file not found: .*none\.index/);
  });
});

describe('checkpoint state file', () => {
  test("parses TensorFlow's file and writes the same text", () => {
    const file = path.join(path.dirname(TF2ONNX), 'checkpoint');
    const text = fs.readFileSync(file, 'utf8');
    const s = parseCheckpointState(text, file);
    expect(s.modelCheckpointPath).toBe('model');
    expect(s.allModelCheckpointPaths).toEqual(['model']);
    expect(formatCheckpointState(s)).toBe(text);
    expect(tf.train.latestCheckpoint(path.dirname(TF2ONNX))).toBe(TF2ONNX);
  });

  test('escapes, timestamps, comments; bad files are errors naming them', () => {
    const s = { modelCheckpointPath: 'a "b"\\c\nd é', allModelCheckpointPaths: ['x'], allModelCheckpointTimestamps: [1.5e9, 2] };
    const text = formatCheckpointState(s);
    expect(text).toContain('\\303\\251');
    expect(parseCheckpointState(`# comment\n${text}`, 'f')).toEqual(s);
    expect(parseCheckpointState("model_checkpoint_path: 'a' \"b\"\n", 'f').modelCheckpointPath).toBe('ab');
    expect(() => parseCheckpointState('model_checkpoint_path: "abc', '/x/checkpoint')).toThrow(/\/x\/checkpoint.*unterminated/);
    expect(() => parseCheckpointState('bogus: 1', '/x/checkpoint')).toThrow(tf.errors.InvalidArgumentError);
    expect(tf.train.latestCheckpoint(tmp)).toBeNull();
    fs.writeFileSync(path.join(tmp, 'checkpoint'), 'model_checkpoint_path: "gone"\n');
    expect(tf.train.latestCheckpoint(tmp)).toBeNull(); // names a checkpoint that does not exist
  });
});

describe.each(EXECUTORS)('tf.train.Saver (%s)', (executor) => {
  interface Model { g: tf.Graph; w: tf.Variable; b: tf.Variable; step: tf.Variable; train: tf.Operation; x: tf.Tensor; y: tf.Tensor }

  function buildModel(): Model {
    const g = new tf.Graph();
    return g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 2], 'x');
      const y = tf.placeholder('float32', [null, 1], 'y');
      const w = tf.variable([[0.1], [-0.2]], { name: 'dense/kernel' });
      const b = tf.variable([0.5], { name: 'dense/bias' });
      const step = tf.train.getOrCreateGlobalStep();
      const pred = tf.add(tf.matmul(x, w), b);
      const loss = tf.reduceMean(tf.square(tf.sub(pred, y)));
      const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { globalStep: step });
      return { g, w, b, step, train, x, y };
    });
  }

  async function session(m: Model): Promise<tf.Session> {
    const sess = await tf.Session.create({ graph: m.g, executor });
    await sess.run(m.g.asDefault(() => tf.globalVariablesInitializer()));
    return sess;
  }

  const feeds = (m: Model): Map<tf.Tensor, tf.NDArray> => new Map([
    [m.x, tf.ndarray([[1, 2], [3, -1], [0.5, 0.5]], [3, 2], 'float32')],
    [m.y, tf.ndarray([[1], [2], [0]], [3, 1], 'float32')],
  ]);

  test('save after training, restore into a fresh session and a fresh graph', async () => {
    const m = buildModel();
    const saver = m.g.asDefault(() => new tf.train.Saver());
    expect([...saver.variables.keys()]).toEqual(['dense/bias', 'dense/kernel', 'global_step']);
    const sess = await session(m);
    for (let i = 0; i < 3; i++) await sess.run(m.train, feeds(m));
    const [w, b] = await sess.run([m.w, m.b]);
    const prefix = await saver.save(sess, path.join(tmp, 'model'), { globalStep: m.step });
    expect(prefix).toBe(path.join(tmp, 'model-3'));
    expect(fs.readdirSync(tmp).sort()).toEqual(['checkpoint', 'model-3.data-00000-of-00001', 'model-3.index']);
    expect(fs.readFileSync(path.join(tmp, 'checkpoint'), 'utf8')).toBe('model_checkpoint_path: "model-3"\nall_model_checkpoint_paths: "model-3"\n');
    expect(tf.train.latestCheckpoint(tmp)).toBe(prefix);

    const r = tf.train.loadCheckpoint(prefix);
    expect(r.variableShapes()).toEqual({ 'dense/bias': [1], 'dense/kernel': [2, 1], global_step: [] });
    expect(r.variableDtypes()).toEqual({ 'dense/bias': 'float32', 'dense/kernel': 'float32', global_step: 'int64' });
    expect(Array.from(r.getTensor('dense/kernel').data)).toEqual(Array.from(w.data));
    expect(r.getTensor('global_step').scalar()).toBe(3);

    // Same graph, new session: initialized to the start values, then restored.
    const sess2 = await session(m);
    await saver.restore(sess2, prefix);
    const [w2, b2, s2] = await sess2.run([m.w, m.b, m.step]);
    expect(Array.from(w2.data)).toEqual(Array.from(w.data));
    expect(Array.from(b2.data)).toEqual(Array.from(b.data));
    expect(s2.scalar()).toBe(3);
    // Training continues from the restored values exactly as it would have.
    await sess.run(m.train, feeds(m));
    await sess2.run(m.train, feeds(m));
    expect(Array.from((await sess2.run(m.w)).data)).toEqual(Array.from((await sess.run(m.w)).data));

    // Restore is built once: the graph does not grow, nor does the number of compiled plans after the first.
    const opsBefore = m.g.getOperations().length;
    await saver.restore(sess2, prefix);
    const plans = sess2.stats().plansCompiled;
    await saver.restore(sess2, prefix);
    expect(m.g.getOperations().length).toBe(opsBefore);
    expect(sess2.stats().plansCompiled).toBe(plans);

    // A fresh graph with the same names restores without running the initializers.
    const m3 = buildModel();
    const saver3 = m3.g.asDefault(() => new tf.train.Saver());
    const sess3 = await tf.Session.create({ graph: m3.g, executor });
    await saver3.restore(sess3, tf.train.latestCheckpoint(tmp)!);
    expect(Array.from((await sess3.run(m3.w)).data)).toEqual(Array.from(w.data));
    await Promise.all([sess.close(), sess2.close(), sess3.close()]);
  });

  test('maxToKeep deletes old checkpoints; the state file lists the kept ones, relative', async () => {
    const m = buildModel();
    const saver = m.g.asDefault(() => new tf.train.Saver({ maxToKeep: 2 }));
    const sess = await session(m);
    const base = path.join(tmp, 'ckpt');
    for (let i = 0; i < 4; i++) {
      await sess.run(m.train, feeds(m));
      expect(await saver.save(sess, base, { globalStep: 10 * i })).toBe(`${base}-${10 * i}`);
    }
    expect(fs.readdirSync(tmp).sort()).toEqual([
      'checkpoint', 'ckpt-20.data-00000-of-00001', 'ckpt-20.index', 'ckpt-30.data-00000-of-00001', 'ckpt-30.index',
    ]);
    expect(fs.readFileSync(path.join(tmp, 'checkpoint'), 'utf8')).toBe(
      'model_checkpoint_path: "ckpt-30"\nall_model_checkpoint_paths: "ckpt-20"\nall_model_checkpoint_paths: "ckpt-30"\n');
    expect(saver.lastCheckpoints).toEqual([`${base}-20`, `${base}-30`]);
    expect(tf.train.getCheckpointState(tmp)?.allModelCheckpointPaths).toEqual([`${base}-20`, `${base}-30`]);
    // Saving the same step again moves it to the end without duplicates.
    await saver.save(sess, base, { globalStep: 20 });
    expect(saver.lastCheckpoints).toEqual([`${base}-30`, `${base}-20`]);
    expect(tf.train.latestCheckpoint(tmp)).toBe(`${base}-20`);
    await sess.close();
  });

  test('a varList record saves under its names; maxToKeep 0 keeps everything', async () => {
    const m = buildModel();
    const saver = new tf.train.Saver({ varList: { weights: m.w }, maxToKeep: 0 });
    const sess = await session(m);
    await saver.save(sess, path.join(tmp, 'a'));
    await saver.save(sess, path.join(tmp, 'b'));
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.index')).sort()).toEqual(['a.index', 'b.index']);
    expect(tf.train.loadCheckpoint(path.join(tmp, 'a')).variableShapes()).toEqual({ weights: [2, 1] });
    await sess.run(m.w.assign([[9], [9]]));
    await saver.restore(sess, path.join(tmp, 'a'));
    expectClose(await sess.run(m.w), [[0.1], [-0.2]]);
    await sess.close();
  });

  test('restore errors name the variable and leave every variable unchanged', async () => {
    const m = buildModel();
    const sess = await session(m);
    const other = new tf.Graph();
    const prefix = path.join(tmp, 'other');
    // A checkpoint whose dense/kernel has another shape, and one without dense/bias.
    await writeBundle(prefix, {
      'dense/bias': tf.ndarray([7], [1], 'float32'),
      'dense/kernel': tf.ndarray([1, 2, 3], [3, 1], 'float32'),
      global_step: tf.ndarray(5, [], 'int64'),
    });
    const saver = new tf.train.Saver({ varList: [m.w, m.b, m.step] });
    await expect(saver.restore(sess, prefix)).rejects.toThrow(/variable 'dense\/kernel' has shape \[2,1\], the checkpoint's 'dense\/kernel' has shape \[3,1\]/);
    await writeBundle(prefix, { 'dense/kernel': tf.ndarray([1, 2], [2, 1], 'float32'), global_step: tf.ndarray(5, [], 'int64') });
    await expect(saver.restore(sess, prefix)).rejects.toThrow(tf.errors.NotFoundError);
    await expect(saver.restore(sess, prefix)).rejects.toThrow(/'dense\/bias'/);
    await writeBundle(prefix, { 'dense/bias': tf.ndarray([7], [1], 'int32'), 'dense/kernel': tf.ndarray([1, 2], [2, 1], 'float32'), global_step: tf.ndarray(5, [], 'int64') });
    await expect(saver.restore(sess, prefix)).rejects.toThrow(/'dense\/bias' has dtype float32.* int32/);
    // A corrupt data file: detected before anything is assigned.
    await writeBundle(prefix, { 'dense/bias': tf.ndarray([7], [1], 'float32'), 'dense/kernel': tf.ndarray([1, 2], [2, 1], 'float32'), global_step: tf.ndarray(5, [], 'int64') });
    const d = fs.readFileSync(dataFile(prefix));
    d[d.length - 1] ^= 1;
    fs.writeFileSync(dataFile(prefix), d);
    await expect(saver.restore(sess, prefix)).rejects.toThrow(/checksum mismatch/);
    expectClose(await sess.run(m.w), [[0.1], [-0.2]]);
    expectClose(await sess.run(m.b), [0.5]);
    expect((await sess.run(m.step)).scalar()).toBe(0);
    await expect(saver.restore(sess, path.join(tmp, 'missing'))).rejects.toThrow(/Failed to find any matching files/);
    expect(() => new tf.train.Saver({ varList: [] })).toThrow(/no variables/);
    expect(() => new tf.train.Saver({ varList: [m.w.value()] })).toThrow(/'dense\/kernel\/read:0' \(Identity\)/);
    expect(other.getOperations().length).toBe(0);
    await sess.close();
  });

  test('atomic: no temp files, state file written only after the checkpoint files exist', async () => {
    const m = buildModel();
    const saver = new tf.train.Saver({ varList: [m.w, m.b] });
    const sess = await session(m);
    const seen: string[][] = [];
    const rename = fs.promises.rename;
    const spy = jest.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
      seen.push([path.basename(String(to)), ...fs.readdirSync(tmp).filter((f) => !f.startsWith('.')).sort()]);
      return rename(from, to);
    });
    try {
      await saver.save(sess, path.join(tmp, 'model'), { globalStep: 1 });
    } finally {
      spy.mockRestore();
    }
    // Data renamed first, then the index, then the state file, each only after the ones before exist.
    expect(seen).toEqual([
      ['model-1.data-00000-of-00001'],
      ['model-1.index', 'model-1.data-00000-of-00001'],
      ['checkpoint', 'model-1.data-00000-of-00001', 'model-1.index'],
    ]);
    expect(fs.readdirSync(tmp).sort()).toEqual(['checkpoint', 'model-1.data-00000-of-00001', 'model-1.index']);
    // A save that cannot write leaves nothing behind and the old state file as it was.
    const stateBefore = fs.readFileSync(path.join(tmp, 'checkpoint'), 'utf8');
    await expect(saver.save(sess, path.join(tmp, 'nodir', 'model'))).rejects.toThrow(tf.errors.NotFoundError);
    expect(fs.readFileSync(path.join(tmp, 'checkpoint'), 'utf8')).toBe(stateBefore);
    expect(fs.readdirSync(tmp).sort()).toEqual(['checkpoint', 'model-1.data-00000-of-00001', 'model-1.index']);
    await sess.close();
  });

  test('saverDef names the restore op; a second Saver gets its own scope', () => {
    const m = buildModel();
    const s1 = m.g.asDefault(() => new tf.train.Saver());
    const s2 = m.g.asDefault(() => new tf.train.Saver({ maxToKeep: 3 }));
    expect(s1.saverDef()).toMatchObject({ restore_op_name: 'save/restore_all', filename_tensor_name: 'save/Const:0', max_to_keep: 5, version: 2 });
    expect(s2.saverDef().restore_op_name).toBe('save_1/restore_all');
    expect(m.g.getOperationByName('save/restore_all')).toBe(s1.restoreOp);
    expect(m.g.getOperationByName('save/Assign').type).toBe('Assign');
  });
});

/** A table around one data block of raw `contents` (compression `type`), every checksum valid. */
function forgedTable(contents: Uint8Array, type = 0): Uint8Array {
  const trailer = (c: Uint8Array, t: number): number[] => {
    const crc = maskCrc(crc32c(Uint8Array.from([...c, t])));
    return [t, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
  };
  const varint = (v: number): number[] => { const o: number[] = []; while (v >= 0x80) { o.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); } o.push(v); return o; };
  const meta = [0, 0, 0, 0, 1, 0, 0, 0];
  const handle = [...varint(0), ...varint(contents.length)];
  const index = [0, 1, handle.length, 0x7a, ...handle, 0, 0, 0, 0, 1, 0, 0, 0];
  const metaAt = contents.length + 5, indexAt = metaAt + meta.length + 5;
  const footer = new Uint8Array(48);
  footer.set([...varint(metaAt), ...varint(meta.length), ...varint(indexAt), ...varint(index.length)]);
  footer.set([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb], 40);
  return Uint8Array.from([...contents, ...trailer(contents, type), ...meta, ...trailer(Uint8Array.from(meta), 0),
    ...index, ...trailer(Uint8Array.from(index), 0), ...footer]);
}

describe('forged tables with valid checksums', () => {
  const open = (b: Uint8Array): BundleReader => BundleReader.fromIndexBytes('/x/forged', b);

  test('a valid forged table parses (the helper is right)', () => {
    const block = Uint8Array.from([0, 0, 0, 0, 1, 1, 0x61, 0x78, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(readTable(forgedTable(block)).map(([k]) => k.length)).toEqual([0, 1]);
  });

  test('prefix compression that expands quadratically is refused quickly', () => {
    // 200,000 entries, each extending the previous key by one byte: 2e10 bytes of keys if materialized.
    const n = 200_000;
    const out: number[] = [0, 1, 0, 0x61];
    for (let i = 1; i < n; i++) {
      let v = i;
      while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
      out.push(v, 1, 0, 0x61);
    }
    out.push(0, 0, 0, 0, 1, 0, 0, 0);
    const start = Date.now();
    expect(() => readTable(forgedTable(Uint8Array.from(out)))).toThrow(/expand to far more bytes/);
    expect(Date.now() - start).toBeLessThan(3000);
  });

  test("a snappy block that would loop snappyjs forever; forged lengths and counts", () => {
    expect(() => readTable(forgedTable(Uint8Array.from([0x10, 0xfc, 0xfa, 0xff, 0xff, 0xff]), 1))).toThrow(/bad snappy data/);
    expect(() => readTable(forgedTable(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 1))).toThrow(/exceeds the limit/);
    expect(() => readTable(forgedTable(Uint8Array.from([1, 2, 3]), 2))).toThrow(/unknown compression type 2/);
    expect(() => readTable(forgedTable(Uint8Array.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f])))).toThrow(/restart count/);
    expect(() => readTable(forgedTable(Uint8Array.from([0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0, 1, 0, 0, 0])))).toThrow(/runs past/);
    expect(() => readTable(forgedTable(Uint8Array.from([5, 1, 0, 0x61, 0, 0, 0, 0, 1, 0, 0, 0])))).toThrow(/shares 5 bytes/);
    expect(() => readTable(forgedTable(Uint8Array.from([0, 1, 0, 0x62, 0, 1, 0, 0x61, 0, 0, 0, 0, 1, 0, 0, 0])))).toThrow(/increasing/);
  });

  test('bundle-level forgeries: header, entry sizes, shards, dtypes', () => {
    const entry = (m: Record<string, unknown>): Uint8Array => tensorflow.BundleEntryProto.encode(m).finish();
    const bundleOf = (header: Record<string, unknown> | null, entries: Array<[string, Uint8Array]>): Uint8Array => {
      const b = new TableBuilder();
      if (header !== null) b.add(enc(''), tensorflow.BundleHeaderProto.encode(header).finish());
      for (const [k, v] of entries) b.add(enc(k), v);
      return b.finish();
    };
    const h = { num_shards: 1, version: { producer: 1 } };
    expect(() => open(bundleOf(null, [['w', entry({ dtype: 1 })]]))).toThrow(/\/x\/forged\.index.*no bundle header/);
    expect(() => open(bundleOf({ num_shards: 0 }, []))).toThrow(/num_shards 0/);
    expect(() => open(bundleOf({ ...h, endianness: 1 }, []))).toThrow(tf.errors.UnimplementedError);
    expect(() => open(bundleOf({ ...h, version: { producer: 2, min_consumer: 2 } }, []))).toThrow(/version 2/);
    expect(() => open(bundleOf(h, [['w', entry({ dtype: 1, shape: { dim: [{ size: 3 }] }, size: 8 })]]))).toThrow(/tensor 'w': 8 bytes do not hold shape \[3\]/);
    expect(() => open(bundleOf(h, [['w', entry({ dtype: 1, shape: { dim: [{ size: -1 }] }, size: 4 })]]))).toThrow(/bad shape/);
    expect(() => open(bundleOf(h, [['w', entry({ dtype: 1, shape: { dim: [{ size: 2 ** 40 }, { size: 2 ** 40 }] }, size: 4 })]]))).toThrow(/do not hold/);
    expect(() => open(bundleOf(h, [['w', entry({ dtype: 1, shard_id: 1, size: 4 })]]))).toThrow(/shard_id 1/);
    expect(() => open(bundleOf(h, [['w', Uint8Array.from([0x0f, 0xff])]]))).toThrow(/tensor 'w': bad BundleEntryProto/);
    // A type Kiln lacks is listed, and reading it is Unimplemented; a forged huge offset is refused before reading.
    const prefix = path.join(tmp, 'forged');
    fs.writeFileSync(dataFile(prefix), new Uint8Array(4));
    const r = BundleReader.fromIndexBytes(prefix, bundleOf(h, [['s', entry({ dtype: 7, size: 3 })], ['w', entry({ dtype: 1, offset: 2 ** 52, size: 4 })]]));
    expect(r.entry('s').dtype).toBe('string');
    expect(() => r.read('s')).toThrow(tf.errors.UnimplementedError);
    expect(() => r.read('w')).toThrow(/tensor 'w' \(offset 4503599627370496, 4 bytes\) lies outside .*forged\.data-00000-of-00001/);
    expect(() => open(bundleOf(h, [['w', entry({ dtype: 1, size: 4 })]])).read('w')).toThrow(/not found: \/x\/forged\.data/);
  });
});

describe('fuzzing the reader', () => {
  // KILN_FUZZ_ITERATIONS=100000 runs a longer campaign.
  const iterations = Number(process.env.KILN_FUZZ_ITERATIONS ?? 900);

  test(`${iterations} mutated, truncated and random index files fail only with Kiln errors, quickly`, async () => {
    // Corpus: TF's two indexes (one with snappy blocks) and a Kiln index of several data blocks.
    const many = path.join(tmp, 'many');
    await writeBundle(many, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`layer_${i % 7}/kernel_${i}/Adam_1`, tf.ndarray([i], [1], 'int32')])));
    const valid = [fs.readFileSync(indexFile(TF2ONNX)), fs.readFileSync(indexFile(SERVING)), fs.readFileSync(indexFile(many))];
    expect(readTableBlocks(valid[2]).length).toBeGreaterThan(3);
    const r = rng(1234);
    const prefix = path.join(tmp, 'fuzz');
    fs.copyFileSync(dataFile(many), dataFile(prefix));
    const start = Date.now();
    let parsed = 0;
    for (let i = 0; i < iterations; i++) {
      const src = valid[i % 3];
      let b = new Uint8Array(src);
      const kind = i % 6;
      if (kind === 0) b = b.subarray(0, Math.floor(r() * b.length));
      else if (kind === 1) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      else if (kind === 2) for (let k = 0; k < 8; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      else if (kind === 3) b = Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      else {
        // Mutate a block's contents and forge its trailer CRC, so the parsers behind the checksum are exercised.
        const t = readTableBlocks(b);
        const blk = t[Math.floor(r() * t.length)];
        for (let k = 0; k < 1 + (i % 3); k++) b[blk.offset + Math.floor(r() * blk.size)] = kind === 4 ? Math.floor(r() * 256) : 0xff;
        new DataView(b.buffer).setUint32(blk.offset + blk.size + 1, maskCrc(crc32c(b.subarray(blk.offset, blk.offset + blk.size + 1))), true);
      }
      try {
        const bundle = BundleReader.fromIndexBytes(prefix, b);
        for (const name of bundle.entries.keys()) {
          try { bundle.read(name); } catch (e) { expect(e).toBeInstanceOf(tf.errors.KilnError); }
        }
        parsed++;
      } catch (e) {
        if (!(e instanceof tf.errors.KilnError)) throw e;
        expect((e as Error).message).toContain(prefix);
      }
    }
    expect(Date.now() - start).toBeLessThan(Math.max(10000, iterations * 10));
    expect(parsed).toBeGreaterThan(0); // some mutations (e.g. in padding) leave a valid file
  });
});

/** The block handles (data blocks, metaindex, index) of a valid table whose index block is uncompressed. */
function readTableBlocks(t: Uint8Array): Array<{ offset: number; size: number }> {
  let p = t.length - 48;
  const varint = (): number => { let v = 0, s = 0; for (;;) { const c = t[p++]; v += (c & 0x7f) * 2 ** s; s += 7; if (c < 0x80) return v; } };
  const meta = { offset: varint(), size: varint() };
  const index = { offset: varint(), size: varint() };
  const blocks = [meta, index];
  p = index.offset;
  const end = index.offset + index.size - 4 * (u32(t, index.offset + index.size - 4) + 1);
  while (p < end) {
    varint();
    const nonShared = varint();
    varint();
    p += nonShared;
    blocks.push({ offset: varint(), size: varint() });
  }
  return blocks;
}
