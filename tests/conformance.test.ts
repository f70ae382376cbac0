// Every TensorFlow corpus case that passes stays passing (../shared/testdata/tf-corpus; the list is
// tests/conformance_passing.json, rewritten by `npm run conformance -- --update-passing`). Each case runs through the
// same module as `npm run conformance` (tools/conformance/corpus.ts): TensorFlow's values, each case's tolerance, on
// the cpu executor; on webgpu a fixed sample of the float32/int32/bool cases in its own list (about 60 s on 2 cores).
import { caseDTypes, findCorpus, readCaseSpec, readPassing, runCase } from '../tools/conformance/corpus.js';

const corpus = findCorpus();
const { cpu: passing, webgpu: passingOnGpu } = readPassing();

/** The dtypes the WebGPU executor holds natively (float64 and int64 need the CPU executor or a narrowing). */
const GPU_DTYPES = new Set(['float32', 'int32', 'bool']);
/**
 * At most this many eligible cases, evenly spread by name order: each is a fresh session with its shader compiles,
 * about 25 ms on llvmpipe, so the sample stays near 10 s as the list grows (measured: 400 cases in 10 s on 2 cores).
 */
const WEBGPU_SAMPLE = 400;

function evenly<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

async function expectPass(name: string, executor: 'cpu' | 'webgpu', optimizer = true): Promise<void> {
  const r = await runCase(corpus, name, { executor, optimizer });
  if (r.cause !== 'pass') throw new Error(`${name} on ${executor}: ${r.cause}: ${r.detail}`);
}

test('the passing lists name cases of the corpus', () => {
  expect(passing.length).toBeGreaterThan(0);
  expect(passingOnGpu.length).toBeGreaterThan(0);
  for (const name of [...passing, ...passingOnGpu]) expect(() => readCaseSpec(corpus, name)).not.toThrow();
});

describe('cpu executor: every passing case', () => {
  for (const name of passing) test(name, () => expectPass(name, 'cpu'));
});

describe('webgpu executor: a sample of the float32/int32/bool cases that pass there', () => {
  const eligible = passingOnGpu.filter((n) => caseDTypes(readCaseSpec(corpus, n)).every((d) => GPU_DTYPES.has(d)));
  for (const name of evenly(eligible, WEBGPU_SAMPLE)) test(name, () => expectPass(name, 'webgpu'));
});

// The optimizer must not be what makes a case pass: a sample run as built (optimizer: false) matches TensorFlow too.
describe('cpu executor, optimizer off: a sample of the passing cases', () => {
  for (const name of evenly(passing, 150)) test(name, () => expectPass(name, 'cpu', false));
});
