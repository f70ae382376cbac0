// The `kiln` command, run as users run it: the built dist/bin/kiln.js in a child process (rebuilt first when stale).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { readNpy, writeNpy } from '../serialization/npy.js';
import { ensureBuilt } from './build.js';
import { TF_TESTDATA } from './testdata.js';

const ROOT = process.cwd();
const CLI = path.join(ROOT, 'dist/bin/kiln.js');
const TESTDATA = TF_TESTDATA;
const MNIST = path.join(TESTDATA, 'dl4j_mnist_00');
const MNIST_PB = path.join(MNIST, 'frozen_model.pb');
const MNIST_IN = path.join(MNIST, 'input__input.npy');

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
  ensureBuilt('dist/bin/kiln.js');
}, 180_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function kiln(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KILN_EXECUTOR: 'cpu' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectClose(actual: tf.NDArray, expected: tf.NDArray): void {
  expect(actual.shape).toEqual(expected.shape);
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i], e = expected.data[i];
    if (!(Math.abs(a - e) <= 1e-5 + 1e-4 * Math.abs(e))) throw new Error(`value ${i}: ${a} vs expected ${e}`);
  }
}

/** A GraphDef message as plain JSON with map entries in sorted order (text format sorts them; binary keeps order). */
function canonical(bytes: Uint8Array): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sortKeys(tensorflow.GraphDef.toObject(tensorflow.GraphDef.decode(bytes), { bytes: String, longs: String })));
}

describe('kiln --help', () => {
  test('lists the commands; each command has its own help', () => {
    const r = kiln('--help');
    expect(r.code).toBe(0);
    for (const c of ['inspect', 'run', 'convert', 'freeze']) expect(r.stdout).toContain(c);
    const run = kiln('run', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--save');
    expect(run.stdout).toContain('--executor');
    for (const c of ['inspect', 'convert', 'freeze']) expect(kiln(c, '--help').stdout).toContain(`Usage: kiln ${c}`);
  });

  test('no command is a usage error', () => {
    const r = kiln();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: kiln');
  });
});

describe('kiln inspect', () => {
  test('a frozen MNIST classifier: input, output, parameters, histogram', () => {
    const r = kiln('inspect', MNIST_PB);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Op types Kiln lacks: none');
    expect(r.stdout).toMatch(/Inputs \(1\):\n {2}input {2}float32 {2}\[\?,784\]/);
    expect(r.stdout).toMatch(/Likely outputs \(1\):\n {2}output {2}\(Softmax\)/);
    expect(r.stdout).toContain('Parameters: 7,850'); // 784x10 weights + 10 biases
    expect(r.stdout).toMatch(/1 {2}MatMul/);
  });

  test.each([
    ['dl4j_while1__iter_3/frozen_model.pb'],
    ['tf_grappler_while_loop/while_loop.pbtxt'],
  ])('a TF1 while loop (%s): the control-flow op types are listed as lacking', (file) => {
    const r = kiln('inspect', path.join(TESTDATA, file));
    expect(r.code).toBe(0);
    const lacking = /Op types Kiln lacks \(\d+\): (.*)/.exec(r.stdout)?.[1].split(', ') ?? [];
    expect(lacking).toEqual(expect.arrayContaining(['Enter', 'Exit', 'LoopCond', 'Merge', 'NextIteration', 'Switch']));
    expect(r.stdout).toMatch(/while\/Exit {2}\(Exit\)/);
    expect(r.stdout).toMatch(/Switch {2}\(not in Kiln\)/);
  });

  test('a SavedModel folder: its signatures, then its graph', () => {
    const r = kiln('inspect', path.join(TESTDATA, 'serving_half_plus_two_cpu'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MetaGraph tags [serve]');
    expect(r.stdout).toContain("signature 'serving_default'");
    expect(r.stdout).toMatch(/input {2}x: x:0 {2}float32 {2}\[\?,1\]/);
    expect(r.stdout).toMatch(/output y: y:0 {2}float32 {2}\[\?,1\]/);
    expect(r.stdout).toContain('SaveV2');
  });
});

describe('kiln run', () => {
  test('prints each output: name, dtype, shape, first values', () => {
    const r = kiln('run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'output', '--executor', 'cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = readNpy(fs.readFileSync(path.join(MNIST, 'expected__output_0.npy')));
    const m = /^output:0 {2}float32 {2}\[100,10\] {2}\[(.*), \.\.\. \(1000 values\)\]$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    const shown = m![1].split(', ').map(Number);
    expect(shown).toHaveLength(10);
    shown.forEach((v, i) => expect(Math.abs(v - expected.data[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(expected.data[i])));
  });

  test.each(['cpu', 'webgpu'])('--save, --executor %s: TensorFlow\'s outputs within atol 1e-5 + rtol 1e-4', (executor) => {
    const out = path.join(tmp, `mnist_out_${executor}.npy`);
    const r = kiln('run', MNIST_PB, '--input', `input:0=${MNIST_IN}`, '--output', 'output:0', '--save', out, '--executor', executor);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`-> ${out}`);
    expectClose(readNpy(fs.readFileSync(out)), readNpy(fs.readFileSync(path.join(MNIST, 'expected__output_0.npy'))));
  });

  test('--save with several outputs: a directory, or one file per output; outputs default to the likely ones', () => {
    const dir = path.join(tmp, 'outs');
    const r = kiln('run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'output,Variable/read', '--save', dir);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['Variable__read_0.npy', 'output_0.npy']);
    expect(readNpy(fs.readFileSync(path.join(dir, 'Variable__read_0.npy'))).shape).toEqual([784, 10]);
    const a = path.join(tmp, 'a.npy'), b = path.join(tmp, 'b.npy');
    const r2 = kiln('run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'output', '--output', 'Variable_1/read', '--save', `${a},${b}`);
    expect(r2.code).toBe(0);
    expect(readNpy(fs.readFileSync(b)).shape).toEqual([10]);
    const r3 = kiln('run', MNIST_PB, '--input', `input=${MNIST_IN}`);
    expect(r3.code).toBe(0);
    expect(r3.stdout).toMatch(/^output:0 {2}float32 {2}\[100,10\]/);
  });

  test('int32 inputs (rust_addition)', () => {
    const x = path.join(tmp, 'x.npy'), y = path.join(tmp, 'y.npy');
    fs.writeFileSync(x, writeNpy(tf.ndarray(40, [], 'int32')));
    fs.writeFileSync(y, writeNpy(tf.ndarray(2, [], 'int32')));
    const r = kiln('run', path.join(TESTDATA, 'rust_addition/model.pb'), '--input', `x=${x}`, '--input', `y=${y}`, '--output', 'z');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('z:0  int32  []  [42]');
  });
});

describe('a quiet command line', () => {
  // Dawn prints warnings of its own while it looks for an adapter (on llvmpipe: "Couldn't load Vulkan ...", and
  // "max...BuffersPerPipelineLayout artificially reduced ..." for every OpenGL ES adapter). session/webgpu/device.ts
  // keeps them off a terminal or a pipe unless KILN_VERBOSE=1. stderr goes through a shell pipe (`2>&1 >out | cat`):
  // spawnSync's own stdio pipes are sockets, which that redirection leaves alone (device.ts says why).
  const runWebgpu = (verbose: boolean) => {
    const out = path.join(tmp, `quiet-${verbose}.txt`);
    const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const cmd = [process.execPath, CLI, 'run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'output', '--executor', 'webgpu'].map(q).join(' ');
    const r = spawnSync('sh', ['-c', `${cmd} 2>&1 >${q(out)} | cat`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KILN_VERBOSE: verbose ? '1' : '' } });
    return { status: r.status, stderr: r.stdout, stdout: fs.readFileSync(out, 'utf8') };
  };

  test('one line names the executor and its adapter; Dawn speaks only with KILN_VERBOSE=1', () => {
    const quiet = runWebgpu(false);
    expect(quiet.status).toBe(0);
    const lines = quiet.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kiln: webgpu executor on \S/);
    const verbose = runWebgpu(true);
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toContain(lines[0]);
    if (/OpenGL/.test(lines[0])) expect(verbose.stderr).toMatch(/artificially reduced/); // Dawn's GL adapter always says it
    expect(quiet.stdout).toMatch(/^output/m);
    expect(verbose.stdout).toBe(quiet.stdout);
  });
});

describe('kiln run on a SavedModel', () => {
  test('variables restored; serving_default keys as names; outputs default to the signature\'s', () => {
    const x = path.join(tmp, 'x_half.npy');
    fs.writeFileSync(x, writeNpy(tf.ndarray([[1], [2], [5]], [3, 1], 'float32')));
    const dir = path.join(TESTDATA, 'serving_half_plus_two_cpu');
    const r = kiln('run', dir, '--input', `x=${x}`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('y:0  float32  [3,1]  [2.5, 3, 4.5]');
    expect(kiln('run', dir, '--input', `x:0=${x}`, '--output', 'y2').stdout.trim()).toBe('y2:0  float32  [3,1]  [3.5, 4, 5.5]');
  });
});

describe('kiln freeze', () => {
  const CKPT = path.join(TESTDATA, 'tf2onnx_regression/checkpoint');

  test('TensorFlow\'s checkpoint + .meta -> a frozen graph that runs: pred(5) = 2.1193342', () => {
    const out = path.join(tmp, 'frozen.pb');
    const r = kiln('freeze', '--checkpoint', path.join(CKPT, 'model'), '--meta', path.join(CKPT, 'model.meta'), '--outputs', 'pred', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = kiln('inspect', out);
    expect(info.stdout).toContain('Op types Kiln lacks: none');
    expect(info.stdout).not.toMatch(/VariableV2/);
    expect(info.stdout).toContain('Parameters: 2 ');
    const x = path.join(tmp, 'x5.npy');
    fs.writeFileSync(x, writeNpy(tf.ndarray([[5]], [1, 1], 'float32')));
    const run = kiln('run', out, '--input', `X=${x}`, '--output', 'pred', '--save', path.join(tmp, 'pred.npy'));
    expect(run.code).toBe(0);
    expect(readNpy(fs.readFileSync(path.join(tmp, 'pred.npy'))).data[0]).toBeCloseTo(2.1193342, 5);
  });

  test('a missing checkpoint, an unknown output', () => {
    const base = ['--meta', path.join(CKPT, 'model.meta'), '-o', path.join(tmp, 'f.pb')];
    const r = kiln('freeze', '--checkpoint', path.join(CKPT, 'nope'), '--outputs', 'pred', ...base);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.index: no such file.*checkpoint prefix/);
    const r2 = kiln('freeze', '--checkpoint', path.join(CKPT, 'model'), '--outputs', 'prediction', ...base);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/unknown output 'prediction'; likely outputs: .*truediv/);
  });
});

describe('kiln convert', () => {
  test('pb -> pbtxt -> pb keeps the graph; pbtxt -> pb -> pbtxt is byte-identical', () => {
    const txt = path.join(tmp, 'm.pbtxt'), pb = path.join(tmp, 'm.pb'), txt2 = path.join(tmp, 'm2.pbtxt');
    expect(kiln('convert', MNIST_PB, txt).code).toBe(0);
    expect(fs.readFileSync(txt, 'utf8')).toMatch(/^node \{\n {2}name: "input"/);
    expect(kiln('convert', txt, pb).code).toBe(0);
    expect(canonical(fs.readFileSync(pb))).toBe(canonical(fs.readFileSync(MNIST_PB)));
    expect(kiln('convert', pb, txt2).code).toBe(0);
    expect(fs.readFileSync(txt2, 'utf8')).toBe(fs.readFileSync(txt, 'utf8'));
  });

  test('TensorFlow\'s own text file converts to the same graph as its binary twin', () => {
    const pb = path.join(tmp, 'while.pb');
    expect(kiln('convert', path.join(TESTDATA, 'dl4j_while1__iter_3/frozen_graph.pbtxt'), pb).code).toBe(0);
    const ours = JSON.parse(canonical(fs.readFileSync(pb))) as { node: unknown[] };
    const theirs = JSON.parse(canonical(fs.readFileSync(path.join(TESTDATA, 'dl4j_while1__iter_3/frozen_model.pb')))) as { node: unknown[] };
    expect(ours.node).toEqual(theirs.node);
  });
});

describe('errors: exit status and message', () => {
  const notGraph = (): string => {
    const f = path.join(tmp, 'garbage.pb');
    fs.writeFileSync(f, Uint8Array.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x01]));
    return f;
  };
  const cases: Array<[string, () => string[], number, RegExp]> = [
    ['a missing model file', () => ['inspect', path.join(tmp, 'nope.pb')], 1, /nope\.pb: no such file/],
    ['a .npy given as a model', () => ['inspect', MNIST_IN], 1, /input__input\.npy: not a GraphDef/],
    ['garbage bytes as a model', () => ['run', notGraph(), '--input', `x=${MNIST_IN}`], 1, /garbage\.pb: not a GraphDef/],
    ['a folder without saved_model.pb', () => ['inspect', tmp], 1, /not a SavedModel/],
    ['an unknown input name', () => ['run', MNIST_PB, '--input', `images=${MNIST_IN}`], 1,
      /unknown input 'images'.*placeholders: input \(float32 \[\?,784\]\)/],
    ['an unknown output name', () => ['run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'logits'], 1, /unknown output 'logits'.*likely outputs: output/],
    ['a missing .npy', () => ['run', MNIST_PB, '--input', `input=${path.join(tmp, 'missing.npy')}`], 1, /missing\.npy: no such file/],
    ['a file that is not .npy', () => ['run', MNIST_PB, '--input', `input=${MNIST_PB}`], 1, /bad \.npy for input 'input'.*bad magic/],
    ['a truncated .npy', () => {
      const f = path.join(tmp, 'short.npy');
      fs.writeFileSync(f, fs.readFileSync(MNIST_IN).subarray(0, 500));
      return ['run', MNIST_PB, '--input', `input=${f}`];
    }, 1, /short\.npy: truncated data/],
    ['a wrongly shaped input', () => {
      const f = path.join(tmp, 'wrong.npy');
      fs.writeFileSync(f, writeNpy(tf.ndarray([[1, 2, 3]], [1, 3], 'float32')));
      return ['run', MNIST_PB, '--input', `input=${f}`];
    }, 1, /run failed/],
    ['an unfed placeholder', () => ['run', MNIST_PB, '--output', 'output'], 1, /placeholders not fed: input/],
    ['--input without NAME=', () => ['run', MNIST_PB, '--input', MNIST_IN], 2, /--input wants NAME=FILE\.npy/],
    ['an unknown option', () => ['run', MNIST_PB, '--frobnicate'], 2, /Unknown option '--frobnicate'[\s\S]*kiln run --help/],
    ['an unknown command', () => ['train', MNIST_PB], 2, /unknown command 'train'/],
    ['inspect without a file', () => ['inspect'], 2, /inspect takes one FILE or DIR/],
    ['convert with one file', () => ['convert', MNIST_PB], 2, /convert takes IN and OUT/],
    ['a bad executor', () => ['run', MNIST_PB, '--executor', 'tpu'], 2, /--executor must be cpu, webgpu or auto/],
    ['--save with too few files', () => ['run', MNIST_PB, '--input', `input=${MNIST_IN}`, '--output', 'output,Variable/read', '--save', 'a.npy'], 2, /2 outputs need a directory/],
    ['freeze without its options', () => ['freeze', '--meta', 'm.meta'], 2, /freeze needs --checkpoint, --meta, --outputs and -o/],
  ];
  test.each(cases)('%s', (_what, args, code, message) => {
    const r = kiln(...args());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).toMatch(/^kiln: /);
  });
});

describe('kiln explain and kiln optimize', () => {
  test('explain prints each pass, the fused kernels and the memory plan; --json is the report', () => {
    const r = kiln('explain', MNIST_PB, '--shape', 'input=4,784');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/constantFolding +8 -> 6/);
    expect(r.stdout).toMatch(/_FusedMatMul +BiasAdd .*<- MatMul \+ BiasAdd/);
    expect(r.stdout).toMatch(/memory: peak/);
    const j = JSON.parse(kiln('explain', MNIST_PB, '--input', `input=${MNIST_IN}`, '--json').stdout) as tf.ExplainReport;
    expect(j.kernels.map((k) => k.type)).toEqual(['_FusedMatMul', 'Softmax']);
    // [100, 784] x [784, 10]: 2 * 100 * 10 * 784 multiply-add FLOPs, plus the bias.
    expect(j.kernels[0].flops).toBe(2 * 100 * 10 * 784 + 100 * 10);
  });

  test('a --shape or --input naming no placeholder exits 1 listing the placeholders', () => {
    const r = kiln('explain', MNIST_PB, '--shape', 'nope=1,2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--shape 'nope' names no placeholder; placeholders: input \(float32 \[\?,784\]\)/);
  });

  test('optimize writes a smaller GraphDef that gives the same outputs', async () => {
    const out = path.join(tmp, 'mnist.opt.pb');
    const r = kiln('optimize', MNIST_PB, '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 nodes .*: 8\)/);
    const ran = kiln('run', out, '--input', `input=${MNIST_IN}`, '--output', 'output', '--save', path.join(tmp, 'opt_out.npy'));
    expect(ran.code).toBe(0);
    expectClose(readNpy(fs.readFileSync(path.join(tmp, 'opt_out.npy'))), readNpy(fs.readFileSync(path.join(MNIST, 'expected__output_0.npy'))));
  });
});
