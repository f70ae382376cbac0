// The corpus cases (../shared/testdata/tf-corpus) about the dtypes beyond float32/int32/bool and about Bitcast:
// imported, run on the reference executor and compared with TensorFlow's outputs at each case's tolerance. The cases
// listed in PASSING must keep passing; the test prints the share of all of them that passes now.
// KILN_CORPUS_ALL=1 runs every case of the corpus instead (a measurement: the PASSING check still applies), and
// KILN_CORPUS_REPORT=file.json writes the passing cases and each failure's reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';

const CORPUS = [process.env.KILN_CORPUS, path.resolve(process.cwd(), '../shared/testdata/tf-corpus')]
  .find((p): p is string => p !== undefined && p !== '' && fs.existsSync(path.join(p, 'index.json')));
if (CORPUS === undefined) throw new Error('the TensorFlow corpus was not found (../shared/testdata/tf-corpus); set KILN_CORPUS to it');

const SELECT = process.env.KILN_CORPUS_ALL ? /./ : /half|float16|bfloat16|int8|int16|uint|bitcast/i;

interface Io { file: string; dtype: string; shape: number[]; stored_as?: string }
interface CaseJson {
  inputs: Record<string, Io>;
  outputs: Record<string, Io>;
  compare: 'values' | 'shape_dtype_only';
  tolerance: { atol: number; rtol: number };
}

/** Runs one case: null when it matches TensorFlow, else the reason it does not. */
async function runCase(dir: string): Promise<string | null> {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as CaseJson;
  let g: tf.Graph;
  try { g = await tf.io.readGraph(path.join(dir, 'frozen_model.pb')); } catch (e) { return `import: ${(e as Error).message}`; }
  const feeds: Record<string, tf.NDArray> = {};
  for (const [name, inp] of Object.entries(c.inputs)) {
    const v = readNpy(fs.readFileSync(path.join(dir, inp.file)), inp.file);
    feeds[`${name}:0`] = inp.dtype === v.dtype ? v : tf.ndarray(v.data, v.shape, inp.dtype as tf.DType);
  }
  const fetches = Object.keys(c.outputs);
  let got: tf.NDArray[];
  const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
  try { got = await sess.run(fetches, feeds) as tf.NDArray[]; } catch (e) { return `run: ${(e as Error).message}`; } finally { await sess.close(); }
  for (let k = 0; k < fetches.length; k++) {
    const out = c.outputs[fetches[k]], a = got[k];
    if (a.dtype !== out.dtype) return `${fetches[k]}: dtype ${a.dtype}, expected ${out.dtype}`;
    if (a.shape.join() !== out.shape.join()) return `${fetches[k]}: shape [${a.shape}], expected [${out.shape}]`;
    if (c.compare !== 'values') continue;
    const e = readNpy(fs.readFileSync(path.join(dir, out.file)), out.file);
    const { atol, rtol } = c.tolerance;
    for (let i = 0; i < e.size; i++) {
      const x = Number(a.data[i]), y = Number(e.data[i]);
      const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
      if (!ok) return `${fetches[k]}[${i}]: ${x}, expected ${y}`;
    }
  }
  return null;
}

/** Cases that pass today (150 of the 168): each must keep passing. */
const PASSING: string[] = [
  'abs__rank2_float16', 'abs__rank2_float16_normal', 'abs__rank3_float16', 'bitcast__from_bfloat16_to_float32',
  'bitcast__from_bfloat16_to_float64', 'bitcast__from_bfloat16_to_int16', 'bitcast__from_bfloat16_to_int32',
  'bitcast__from_bfloat16_to_int64', 'bitcast__from_bfloat16_to_int8', 'bitcast__from_bfloat16_to_uint16',
  'bitcast__from_bfloat16_to_uint32', 'bitcast__from_bfloat16_to_uint64', 'bitcast__from_bfloat16_to_uint8',
  'bitcast__from_float32_to_bfloat16', 'bitcast__from_float32_to_float32', 'bitcast__from_float32_to_half',
  'bitcast__from_float32_to_int16', 'bitcast__from_float32_to_int8', 'bitcast__from_float32_to_uint16',
  'bitcast__from_float32_to_uint32', 'bitcast__from_float32_to_uint64', 'bitcast__from_float32_to_uint8',
  'bitcast__from_float64_to_bfloat16', 'bitcast__from_float64_to_float32', 'bitcast__from_float64_to_float64',
  'bitcast__from_float64_to_half', 'bitcast__from_float64_to_int16', 'bitcast__from_float64_to_int32',
  'bitcast__from_float64_to_int64', 'bitcast__from_float64_to_int8', 'bitcast__from_float64_to_uint16',
  'bitcast__from_float64_to_uint64', 'bitcast__from_float64_to_uint8', 'bitcast__from_half_to_bfloat16',
  'bitcast__from_half_to_float32', 'bitcast__from_half_to_float64', 'bitcast__from_half_to_half',
  'bitcast__from_half_to_int16', 'bitcast__from_half_to_int32', 'bitcast__from_half_to_int64',
  'bitcast__from_half_to_int8', 'bitcast__from_half_to_uint16', 'bitcast__from_half_to_uint32',
  'bitcast__from_half_to_uint64', 'bitcast__from_half_to_uint8', 'bitcast__from_int32_to_bfloat16',
  'bitcast__from_int32_to_float32', 'bitcast__from_int32_to_float64', 'bitcast__from_int32_to_half',
  'bitcast__from_int32_to_int16', 'bitcast__from_int32_to_int32', 'bitcast__from_int32_to_int64',
  'bitcast__from_int32_to_int8', 'bitcast__from_int32_to_uint16', 'bitcast__from_int32_to_uint32',
  'bitcast__from_int32_to_uint64', 'bitcast__from_int64_to_bfloat16', 'bitcast__from_int64_to_float32',
  'bitcast__from_int64_to_float64', 'bitcast__from_int64_to_half', 'bitcast__from_int64_to_int16',
  'bitcast__from_int64_to_int32', 'bitcast__from_int64_to_int8', 'bitcast__from_int64_to_uint16',
  'bitcast__from_int64_to_uint32', 'bitcast__from_int64_to_uint64', 'bitcast__from_rank2_bfloat16_to_int16',
  'bitcast__from_rank2_bfloat16_to_int32', 'bitcast__from_rank2_bfloat16_to_int64',
  'bitcast__from_rank2_bfloat16_to_int8', 'bitcast__from_rank2_float32_to_int16',
  'bitcast__from_rank2_float32_to_int32', 'bitcast__from_rank2_float32_to_int64',
  'bitcast__from_rank2_float32_to_int8', 'bitcast__from_rank2_float64_to_int16',
  'bitcast__from_rank2_float64_to_int32', 'bitcast__from_rank2_float64_to_int64',
  'bitcast__from_rank2_float64_to_int8', 'bitcast__from_rank2_half_to_int16', 'bitcast__from_rank2_half_to_int32',
  'bitcast__from_rank2_half_to_int64', 'bitcast__from_rank2_half_to_int8', 'bitcast__from_rank2_int32_to_int16',
  'bitcast__from_rank2_int32_to_int32', 'bitcast__from_rank2_int32_to_int64', 'bitcast__from_rank2_int32_to_int8',
  'bitcast__from_rank2_int64_to_int16', 'bitcast__from_rank2_int64_to_int32', 'bitcast__from_rank2_int64_to_int64',
  'bitcast__from_rank2_int64_to_int8', 'bitcast__from_rank3_bfloat16_to_int16',
  'bitcast__from_rank3_bfloat16_to_int32', 'bitcast__from_rank3_bfloat16_to_int64',
  'bitcast__from_rank3_bfloat16_to_int8', 'bitcast__from_rank3_float32_to_int16',
  'bitcast__from_rank3_float32_to_int32', 'bitcast__from_rank3_float32_to_int64',
  'bitcast__from_rank3_float32_to_int8', 'bitcast__from_rank3_float64_to_int16',
  'bitcast__from_rank3_float64_to_int32', 'bitcast__from_rank3_float64_to_int64',
  'bitcast__from_rank3_float64_to_int8', 'bitcast__from_rank3_half_to_int16', 'bitcast__from_rank3_half_to_int32',
  'bitcast__from_rank3_half_to_int64', 'bitcast__from_rank3_half_to_int8', 'bitcast__from_rank3_int32_to_int16',
  'bitcast__from_rank3_int32_to_int32', 'bitcast__from_rank3_int32_to_int64', 'bitcast__from_rank3_int32_to_int8',
  'bitcast__from_rank3_int64_to_int16', 'bitcast__from_rank3_int64_to_int32', 'bitcast__from_rank3_int64_to_int64',
  'bitcast__from_rank3_int64_to_int8', 'bitcast_float32__from_float32_to_int64', 'div__int16', 'div__int8',
  'dtype_tests__add__bfloat16_rank0_1', 'dtype_tests__add__bfloat16_rank2', 'dtype_tests__add__float16_rank0_1',
  'dtype_tests__add__float16_rank2', 'dtype_tests__add__half_rank0_1', 'dtype_tests__add__half_rank2',
  'dtype_tests__add__int16_rank0_1', 'dtype_tests__add__int16_rank2', 'dtype_tests__add__int8_rank0_1',
  'dtype_tests__add__int8_rank2', 'dtype_tests__cast__uint32_rank1', 'dtype_tests__cast__uint64_rank1',
  'dtype_tests__concat__uint16_rank1', 'dtype_tests__concat__uint16_rank2', 'dtype_tests__concat__uint8_rank1',
  'dtype_tests__concat__uint8_rank2', 'log_softmax__emptyArrayTest__rank4_half', 'log_softmax__rank2_half',
  'log_softmax__rank2_half_with_axis', 'log_softmax__rank3_half', 'log_softmax__rank3_half_with_axis',
  'log_softmax__rank4_half', 'max__rank3_half', 'mod__int16', 'random_uniform__rank3_half',
  'random_uniform__rank3_half64', 'zeros_like__rank2_float16', 'zeros_like__rank2_float32_dtype_float16',
  'zeros_like__rank2_float32_dtype_int8', 'zeros_like_tf1__rank2_float16',
  'zeros_like_tf1__rank2_float32_dtype_float16', 'zeros_like_tf1__rank2_float32_dtype_int16',
  'zeros_like_tf1__rank2_float32_dtype_int8',
];

describe('corpus cases of the extra dtypes and Bitcast (reference executor)', () => {
  test('the share that matches TensorFlow; the listed cases keep passing', async () => {
    const names = fs.readdirSync(CORPUS).filter((d) => SELECT.test(d) && fs.existsSync(path.join(CORPUS, d, 'case.json'))).sort();
    const failures: Record<string, string> = {};
    for (const n of names) {
      const why = await runCase(path.join(CORPUS, n));
      if (why !== null) failures[n] = why;
    }
    const passed = names.filter((n) => !(n in failures));
    if (process.env.KILN_CORPUS_REPORT) {
      fs.writeFileSync(process.env.KILN_CORPUS_REPORT, JSON.stringify({ total: names.length, passed, failures }, null, 1));
    }
    console.log(`dtype/Bitcast corpus cases: ${passed.length} of ${names.length} match TensorFlow`);
    expect(PASSING.filter((n) => n in failures).map((n) => `${n}: ${failures[n]}`)).toEqual([]);
  }, 600000);
});
