// The ops of ops/math_extra.ts, ops/array_extra.ts, ops/sort_select.ts and ops/segment.ts against values TensorFlow
// computed (tests/testdata/ops_extra/make.py): each case is a TF1 GraphDef holding the op, imported and run on every
// executor (float64 cases on cpu only) with the case's tolerance.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';
import { EXECUTORS, FLOAT64_EXECUTORS, expectClose } from './helpers.js';

const DIR = path.resolve('tests/testdata/ops_extra');

interface Case {
  name: string; op: string; graph: string; fetch: string[]; atol: number; rtol: number;
  inputs: Array<{ name: string; file: string }>;
  outputs: string[];
  /** The output's shape depends on fed values: the webgpu executor refuses the case by name. */
  gpu_refused: boolean;
}

const CASES = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Case[];
const npy = (f: string): tf.NDArray => readNpy(fs.readFileSync(path.join(DIR, f)), f);


export async function runCase(c: Case, executor: tf.ExecutorName): Promise<tf.NDArray[]> {
  const g = await tf.io.readGraph(path.join(DIR, c.graph));
  const feeds: Record<string, tf.NDArray> = {};
  for (const x of c.inputs) feeds[`${x.name}:0`] = npy(x.file);
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return (await sess.run(c.fetch, feeds)) as tf.NDArray[];
  } finally {
    await sess.close();
  }
}

describe('ops against TensorFlow', () => {
  for (const c of CASES) {
    const f64 = [...c.inputs.map((x) => x.file), ...c.outputs].some((f) => npy(f).dtype === 'float64');
    for (const executor of f64 ? FLOAT64_EXECUTORS : EXECUTORS) {
      test(`${c.name} (${c.op}) on ${executor}`, async () => {
        if (executor === 'webgpu' && c.gpu_refused) {
          await expect(runCase(c, executor)).rejects.toThrow(new RegExp(`(${c.op}).*(run time|webgpu)`));
          return;
        }
        const got = await runCase(c, executor);
        c.outputs.forEach((f, i) => {
          const want = npy(f);
          expect(got[i].dtype).toBe(want.dtype);
          expectClose(got[i], want.data, { shape: want.shape, atol: c.atol, rtol: c.rtol });
        });
      });
    }
  }
});
