// The TensorFlow corpus cases (../shared/testdata/tf-corpus, README there) of the ops declared in ops/bitwise.ts,
// conv3d.ts, linalg.ts, image_extra.ts, pool_argmax.ts, nms.ts, bincount.ts, patches.ts, resize_extra.ts and lrn.ts
// that Kiln runs today (tests/testdata/ops2/corpus_passing.txt): each frozen graph imported, fed, and compared with
// TensorFlow's outputs within the case's tolerance, on both executors. The cases of these ops not listed need op types
// or dtypes declared elsewhere (MatrixDiag/MatrixSetDiag for the Svd graphs, SpaceToBatchND, float16, uint8).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';
import { EXECUTORS, expectClose } from './helpers.js';

function findCorpus(): string {
  const candidates = [process.env.KILN_TF_CORPUS, path.resolve(process.cwd(), '../shared/testdata/tf-corpus')].filter((p): p is string => p !== undefined && p !== '');
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'index.json')));
  if (found === undefined) throw new Error(`TensorFlow corpus not found (looked in ${candidates.join(', ')}); set KILN_TF_CORPUS to the tf-corpus folder`);
  return found;
}

interface CaseJson {
  inputs: Record<string, { file: string }>;
  outputs: Record<string, { file: string }>;
  compare: 'values' | 'shape_dtype_only';
  tolerance: { atol: number; rtol: number };
}

const ROOT = findCorpus();
const NAMES = fs.readFileSync(path.resolve(process.cwd(), 'tests/testdata/ops2/corpus_passing.txt'), 'utf8').split('\n').filter((l) => l !== '');

describe.each(EXECUTORS)('corpus cases of the ops2 families on %s', (executor) => {
  test(`all ${NAMES.length} listed cases match TensorFlow`, async () => {
    const failures: string[] = [];
    for (const name of NAMES) {
      const dir = path.join(ROOT, name);
      const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as CaseJson;
      try {
        const g = await tf.io.readGraph(path.join(dir, 'frozen_model.pb'));
        const feeds: Record<string, tf.NDArray> = {};
        for (const [n, inp] of Object.entries(c.inputs)) feeds[`${n}:0`] = readNpy(fs.readFileSync(path.join(dir, inp.file)), inp.file);
        const sess = await tf.Session.create({ graph: g, executor });
        try {
          const fetches = Object.keys(c.outputs);
          const got = (await sess.run(fetches, feeds)) as tf.NDArray[];
          fetches.forEach((fetch, i) => {
            const want = readNpy(fs.readFileSync(path.join(dir, c.outputs[fetch].file)), c.outputs[fetch].file);
            expect(got[i].dtype).toBe(want.dtype);
            if (c.compare === 'shape_dtype_only') expect(got[i].shape).toEqual(want.shape);
            else expectClose(got[i], want.data, { shape: [...want.shape], ...c.tolerance });
          });
        } finally {
          await sess.close();
        }
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
  }, 300000);
});
