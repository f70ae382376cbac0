// The TensorFlow corpus cases (../shared/testdata/tf-corpus) that use the ops of ops/math_extra.ts, array_extra.ts,
// sort_select.ts and segment.ts: every case listed in tests/testdata/ops_extra/corpus_passing.json must match
// TensorFlow's outputs (the case's tolerance; shape and dtype only where it says so) on the cpu executor, and on webgpu
// where its dtypes are float32/int32/bool. KILN_CORPUS_REPORT=1 runs every such case instead and prints what fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';
import { expectClose } from './helpers.js';

const CORPUS = path.resolve(process.env.KILN_CORPUS ?? '../shared/testdata/tf-corpus');
const PASSING = JSON.parse(fs.readFileSync(path.resolve('tests/testdata/ops_extra/corpus_passing.json'), 'utf8')) as { cpu: string[]; webgpu: string[] };

/** The op types this work added; a case is in scope when it uses one. */
export const EXTRA_OPS = new Set(JSON.parse(fs.readFileSync(path.resolve('tests/testdata/ops_extra/ops.json'), 'utf8')) as string[]);

interface CorpusCase {
  ops: string[];
  inputs: Record<string, { file: string; dtype: string }>;
  outputs: Record<string, { file: string; dtype: string; shape: number[] }>;
  compare: 'values' | 'shape_dtype_only';
  tolerance: { atol: number; rtol: number };
}

const read = (dir: string, f: string): tf.NDArray => readNpy(fs.readFileSync(path.join(CORPUS, dir, f)), f);

async function runCorpusCase(dir: string, executor: tf.ExecutorName): Promise<void> {
  const c = JSON.parse(fs.readFileSync(path.join(CORPUS, dir, 'case.json'), 'utf8')) as CorpusCase;
  const g = await tf.io.readGraph(path.join(CORPUS, dir, 'frozen_model.pb'));
  const feeds: Record<string, tf.NDArray> = {};
  for (const [name, x] of Object.entries(c.inputs)) feeds[name.includes(':') ? name : `${name}:0`] = read(dir, x.file);
  const fetches = Object.keys(c.outputs);
  const sess = await tf.Session.create({ graph: g, executor });
  let got: tf.NDArray[];
  try {
    got = (await sess.run(fetches, feeds)) as tf.NDArray[];
  } finally {
    await sess.close();
  }
  fetches.forEach((f, i) => {
    const want = read(dir, c.outputs[f].file);
    expect(got[i].dtype).toBe(want.dtype);
    if (c.compare === 'shape_dtype_only') expect(got[i].shape).toEqual(want.shape);
    else expectClose(got[i], want.data, { shape: want.shape, atol: c.tolerance.atol, rtol: c.tolerance.rtol });
  });
}

function gpuDtypes(dir: string): boolean {
  const c = JSON.parse(fs.readFileSync(path.join(CORPUS, dir, 'case.json'), 'utf8')) as CorpusCase;
  return [...Object.values(c.inputs), ...Object.values(c.outputs)].every((x) => ['float32', 'int32', 'bool'].includes(x.dtype));
}

if (process.env.KILN_CORPUS_REPORT === '1') {
  test('report: corpus cases using the added ops', async () => {
    const dirs = fs.readdirSync(CORPUS).filter((d) => fs.existsSync(path.join(CORPUS, d, 'case.json'))).filter((d) => {
      const c = JSON.parse(fs.readFileSync(path.join(CORPUS, d, 'case.json'), 'utf8')) as CorpusCase;
      return c.ops.some((o) => EXTRA_OPS.has(o));
    }).sort();
    const pass: Record<string, string[]> = { cpu: [], webgpu: [] };
    const lines: string[] = [];
    for (const executor of ['cpu', 'webgpu'] as const) {
      for (const d of dirs) {
        if (executor === 'webgpu' && (!gpuDtypes(d) || !pass.cpu.includes(d))) continue;
        try {
          await runCorpusCase(d, executor);
          pass[executor].push(d);
        } catch (e) {
          lines.push(`${executor} ${d}: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`);
        }
      }
    }
    fs.writeFileSync(process.env.KILN_CORPUS_OUT ?? '/tmp/kiln_corpus_report.json', JSON.stringify({ total: dirs.length, pass, failures: lines }, null, 1));
  }, 3_600_000);
} else {
  describe('corpus cases that pass keep passing', () => {
    for (const d of PASSING.cpu) test(`${d} on cpu`, () => runCorpusCase(d, 'cpu'));
    for (const d of PASSING.webgpu) test(`${d} on webgpu`, () => runCorpusCase(d, 'webgpu'));
  });
}
