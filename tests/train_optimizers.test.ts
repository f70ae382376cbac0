// Training: the Apply ops against float64 references of TF's formulas over several steps, tf.train's optimizers against
// reference optimizers written here (every step's variables compared), slots and names as TF1 makes them, the global
// step, runs that fail leaving variables and slots alone, and the errors minimize gives for bad arguments.
import * as tf from '../index.js';
import { applyAdagrad, applyAdam, applyGradientDescent, applyMomentum, applyRMSProp } from '../ops/training.js';
import type { ExecutorName } from '../session/session.js';
import { EXECUTORS, expectClose, rng } from './helpers.js';


async function withSession(ex: ExecutorName, g: tf.Graph, body: (sess: tf.Session) => Promise<void>): Promise<void> {
  const sess = await tf.Session.create({ graph: g, executor: ex });
  try {
    await body(sess);
  } finally {
    await sess.close();
  }
}

/** Runs every global variable's initializer (slots and beta powers included). */
const initAll = (g: tf.Graph): tf.Operation => g.asDefault(() => tf.globalVariablesInitializer());
const f32 = (xs: ArrayLike<number>, shape: number[]): tf.NDArray => tf.ndarray(Float32Array.from(xs), shape);
const f64 = (xs: ArrayLike<number>): Float64Array => Float64Array.from(xs);

// ---- the Apply ops ------------------------------------------------------------------------------------------------

/** One Apply op: its slots' initial values, scalar hyper-parameters, builder, and a float64 reference of one step. */
interface ApplyCase {
  name: string;
  slots: Array<{ name: string; init: number }>;
  scalars: Record<string, number>;
  build: (w: tf.Variable, slots: tf.Variable[], s: Record<string, tf.Tensor>, g: tf.Tensor) => tf.Tensor;
  ref: (w: Float64Array, slots: Float64Array[], s: Record<string, number>, g: Float64Array) => void;
}

const APPLY_CASES: ApplyCase[] = [
  {
    name: 'ApplyGradientDescent',
    slots: [],
    scalars: { alpha: 0.1 },
    build: (w, _, s, g) => applyGradientDescent(w, s.alpha, g),
    ref: (w, _, s, g) => { for (let i = 0; i < w.length; i++) w[i] = w[i] - s.alpha * g[i]; },
  },
  ...[false, true].map((nesterov): ApplyCase => ({
    name: `ApplyMomentum${nesterov ? ' (Nesterov)' : ''}`,
    slots: [{ name: 'accum', init: 0.25 }],
    scalars: { lr: 0.05, momentum: 0.9 },
    build: (w, [a], s, g) => applyMomentum(w, a, s.lr, g, s.momentum, { useNesterov: nesterov }),
    ref: (w, [a], s, g) => {
      for (let i = 0; i < w.length; i++) {
        a[i] = s.momentum * a[i] + g[i];
        w[i] -= nesterov ? s.lr * (g[i] + s.momentum * a[i]) : s.lr * a[i];
      }
    },
  })),
  ...[false, true].map((nesterov): ApplyCase => ({
    name: `ApplyAdam${nesterov ? ' (Nesterov)' : ''}`,
    slots: [{ name: 'm', init: 0.1 }, { name: 'v', init: 0.02 }],
    scalars: { beta1_power: 0.9, beta2_power: 0.999, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3 },
    build: (w, [m, v], s, g) => applyAdam(w, m, v, s.beta1_power, s.beta2_power, s.lr, s.beta1, s.beta2, s.epsilon, g, { useNesterov: nesterov }),
    ref: (w, [m, v], s, g) => {
      const lrT = (s.lr * Math.sqrt(1 - s.beta2_power)) / (1 - s.beta1_power);
      for (let i = 0; i < w.length; i++) {
        m[i] = s.beta1 * m[i] + (1 - s.beta1) * g[i];
        v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] * g[i];
        const mHat = nesterov ? s.beta1 * m[i] + (1 - s.beta1) * g[i] : m[i];
        w[i] -= (lrT * mHat) / (Math.sqrt(v[i]) + s.epsilon);
      }
    },
  })),
  {
    name: 'ApplyRMSProp',
    slots: [{ name: 'ms', init: 1 }, { name: 'mom', init: 0.05 }],
    scalars: { lr: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-6 },
    build: (w, [ms, mom], s, g) => applyRMSProp(w, ms, mom, s.lr, s.rho, s.momentum, s.epsilon, g),
    ref: (w, [ms, mom], s, g) => {
      for (let i = 0; i < w.length; i++) {
        ms[i] = s.rho * ms[i] + (1 - s.rho) * g[i] * g[i];
        mom[i] = s.momentum * mom[i] + (s.lr * g[i]) / Math.sqrt(ms[i] + s.epsilon);
        w[i] -= mom[i];
      }
    },
  },
  ...[true, false].map((updateSlots): ApplyCase => ({
    name: `ApplyAdagrad${updateSlots ? '' : ' (update_slots false)'}`,
    slots: [{ name: 'accum', init: 0.1 }],
    scalars: { lr: 0.2 },
    build: (w, [a], s, g) => applyAdagrad(w, a, s.lr, g, { updateSlots }),
    ref: (w, [a], s, g) => {
      for (let i = 0; i < w.length; i++) {
        if (updateSlots) a[i] += g[i] * g[i];
        w[i] -= (s.lr * g[i]) / Math.sqrt(a[i]);
      }
    },
  })),
];

describe.each(EXECUTORS)('Apply ops on %s', (ex) => {
  // Two sizes (8: four elements per GPU thread; 5: one), and hyper-parameters both constant (baked into the GPU
  // kernel) and fed, with new values every step (read from their tensors).
  test.each(APPLY_CASES.map((c) => [c.name, c] as const))('%s matches TF\'s formula step by step', async (_, c) => {
    const g = new tf.Graph();
    const shapes = [[2, 4], [5]];
    const r = rng(7);
    const setups = g.asDefault(() => shapes.flatMap((shape, k) => (['const', 'fed'] as const).map((mode) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const w0 = Array.from({ length: n }, () => r() * 2 - 1);
      const w = tf.variable(f32(w0, shape), { name: `w${k}_${mode}` });
      const slots = c.slots.map((s) => tf.variable(f32(new Array(n).fill(s.init), shape), { name: `w${k}_${mode}/${s.name}` }));
      const grad = tf.placeholder('float32', shape, `g${k}_${mode}`);
      const scalars: Record<string, tf.Tensor> = {};
      for (const [name, v] of Object.entries(c.scalars)) {
        scalars[name] = mode === 'const' ? tf.constant(v, { name }) : tf.placeholder('float32', [], `${name}_${k}`);
      }
      const update = c.build(w, slots, scalars, grad);
      expect(update.op.type).toBe(c.name.split(' ')[0]);
      const ref = { w: f64(new Float32Array(w0)), slots: c.slots.map((s) => new Float64Array(n).fill(Math.fround(s.init))) };
      return { shape, n, mode, w, slots, grad, scalars, update, ref };
    })));
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g));
      for (let step = 0; step < 4; step++) {
        const feeds = new Map<tf.Tensor, tf.FeedValue>();
        const gradsNow = setups.map((s) => Array.from({ length: s.n }, () => Math.fround(r() * 4 - 2)));
        setups.forEach((s, j) => {
          feeds.set(s.grad, f32(gradsNow[j], s.shape));
          if (s.mode === 'fed') for (const [name, t] of Object.entries(s.scalars)) feeds.set(t, f32([c.scalars[name] * (1 - 0.05 * step)], []));
        });
        const out = await sess.run(setups.map((s) => s.update), feeds);
        const after = await sess.run(setups.map((s) => [s.w, ...s.slots]));
        setups.forEach((s, j) => {
          const hyper: Record<string, number> = {};
          for (const [name, v] of Object.entries(c.scalars)) hyper[name] = Math.fround(s.mode === 'fed' ? v * (1 - 0.05 * step) : v);
          c.ref(s.ref.w, s.ref.slots, hyper, f64(gradsNow[j]));
          const tol = { rtol: 2e-5, atol: 2e-6, shape: s.shape };
          expectClose(out[j], s.ref.w, tol);
          expectClose(after[j][0], s.ref.w, tol);
          s.ref.slots.forEach((slot, k) => expectClose(after[j][k + 1], slot, tol));
        });
      }
    });
  });

  test('an Apply op reads its slots: an uninitialised slot fails naming it', async () => {
    const g = new tf.Graph();
    const { update } = g.asDefault(() => {
      const w = tf.variable([1, 2], { name: 'w' });
      const accum = tf.variable([0, 0], { name: 'acc' });
      return { w, update: applyMomentum(w, accum, 0.1, tf.constant([1, 1]), 0.9), init: w.initializer };
    });
    await withSession(ex, g, async (sess) => {
      await sess.run(g.getOperationByName('w/Assign'));
      await expect(sess.run(update)).rejects.toThrow(/uninitialized value acc/);
    });
  });
});

describe('Apply ops on the GPU', () => {
  test('one dispatch updates the variable and all its slots; two when the scalars must be packed first', async () => {
    const g = new tf.Graph();
    const { baked, fed, feeds } = g.asDefault(() => {
      const vars = (name: string): tf.Variable[] => ['', '/m', '/v'].map((s) => tf.variable(new Array(8).fill(0.5), { name: name + s }));
      const [w, m, v] = vars('w');
      const baked = applyAdam(w, m, v, 0.9, 0.99, 0.01, 0.9, 0.99, 1e-7, tf.constant(new Array(8).fill(1)));
      const [w2, m2, v2] = vars('w2');
      const ph = ['b1p', 'b2p', 'lr', 'b1', 'b2', 'eps'].map((n) => tf.placeholder('float32', [], n));
      const fed = applyAdam(w2, m2, v2, ph[0], ph[1], ph[2], ph[3], ph[4], ph[5], tf.constant(new Array(8).fill(1)));
      const feeds = new Map<tf.Tensor, tf.FeedValue>(ph.map((p, i) => [p, [0.9, 0.99, 0.01, 0.9, 0.99, 1e-7][i]]));
      return { baked, fed, feeds };
    });
    await withSession('webgpu', g, async (sess) => {
      await sess.run(initAll(g));
      const a = await sess.run(baked);
      const s0 = sess.stats().dispatches;
      const a2 = await sess.run(baked);
      expect(sess.stats().dispatches - s0).toBe(1);
      const b = await sess.run(fed, feeds);
      const s1 = sess.stats().dispatches;
      const b2 = await sess.run(fed, feeds);
      expect(sess.stats().dispatches - s1).toBe(2);
      expectClose(b, a.data, { rtol: 1e-6 });
      expectClose(b2, a2.data, { rtol: 1e-6 });
    });
  });
});

describe('Apply op declarations', () => {
  test('TF names, inputs, attrs; stateful, ref inputs, not differentiable', () => {
    const expected: Record<string, { inputs: string[]; refs: number[]; attrs: string[] }> = {
      ApplyGradientDescent: { inputs: ['var', 'alpha', 'delta'], refs: [0], attrs: ['T', 'use_locking'] },
      ApplyMomentum: { inputs: ['var', 'accum', 'lr', 'grad', 'momentum'], refs: [0, 1], attrs: ['T', 'use_locking', 'use_nesterov'] },
      ApplyAdam: {
        inputs: ['var', 'm', 'v', 'beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'],
        refs: [0, 1, 2], attrs: ['T', 'use_locking', 'use_nesterov'],
      },
      ApplyRMSProp: { inputs: ['var', 'ms', 'mom', 'lr', 'rho', 'momentum', 'epsilon', 'grad'], refs: [0, 1, 2], attrs: ['T', 'use_locking'] },
      ApplyAdagrad: { inputs: ['var', 'accum', 'lr', 'grad'], refs: [0, 1], attrs: ['T', 'use_locking', 'update_slots'] },
    };
    for (const [type, e] of Object.entries(expected)) {
      const def = tf.getOpDef(type)!;
      expect(def.inputs).toEqual(e.inputs);
      expect(def.refInputs).toEqual(e.refs);
      expect(Object.keys(def.attrs ?? {}).sort()).toEqual([...e.attrs].sort());
      expect(def.stateful).toBe(true);
      expect(def.grad).toBe('not-differentiable');
    }
    expect(tf.getOpDef('ApplyAdagrad')!.attrs!.update_slots.default).toBe(true);
  });

  test('shape rules: refs must be variables, shapes and dtypes must agree, hyper-parameters are scalars', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = tf.variable([1, 2, 3], { name: 'w' });
      const a = tf.variable([0, 0, 0], { name: 'a' });
      const b = tf.variable([0, 0], { name: 'b' });
      expect(() => applyMomentum(w, tf.constant([0, 0, 0]) as tf.Variable, 0.1, [1, 1, 1], 0.9)).toThrow(/accum must be a variable/);
      expect(() => applyMomentum(w, b, 0.1, [1, 1, 1], 0.9)).toThrow(/do not have the same shape/);
      expect(() => applyGradientDescent(w, 0.1, [1, 1])).toThrow(/delta .* do not have the same shape/);
      expect(() => applyGradientDescent(w, [0.1, 0.2], [1, 1, 1])).toThrow(/alpha .* is not a scalar/);
      expect(() => applyGradientDescent(w, tf.constant(0.1, { dtype: 'float64' }), [1, 1, 1])).toThrow(/float64, expected float32/);
      const iv = tf.variable([1, 2], { name: 'iv', dtype: 'int32' });
      expect(() => applyGradientDescent(iv, 1, [1, 1])).toThrow(/float variable/);
      const up = applyMomentum(w, a, 0.1, [1, 1, 1], 0.9, { name: 'mom' });
      expect(up.op.name).toBe('mom');
      expect(up.shape).toEqual([3]);
      expect(up.op.inputs[0]).toBe(w);
      expect(up.op.inputs[1]).toBe(a);
    });
  });
});

// ---- optimizers end to end ---------------------------------------------------------------------------------------

/** Linear regression: 8 samples, 3 features; loss = mean((x w + b - y)^2). */
const N = 8;
const DATA = (() => {
  const r = rng(3);
  const x = Array.from({ length: N * 3 }, () => Math.fround(r() * 2 - 1));
  const y = Array.from({ length: N }, (_, i) => Math.fround(x[i * 3] - 2 * x[i * 3 + 1] + 0.5 * x[i * 3 + 2] + 0.3 + 0.1 * (r() - 0.5)));
  return { x, y, w0: [0.1, -0.1, 0.2], b0: [0] };
})();

/** d loss / d w and d loss / d b, in float64. */
function refGradients(w: Float64Array, b: Float64Array): [Float64Array, Float64Array] {
  const gw = new Float64Array(3);
  const gb = new Float64Array(1);
  for (let i = 0; i < N; i++) {
    let r = b[0] - DATA.y[i];
    for (let j = 0; j < 3; j++) r += DATA.x[i * 3 + j] * w[j];
    for (let j = 0; j < 3; j++) gw[j] += (2 / N) * r * DATA.x[i * 3 + j];
    gb[0] += (2 / N) * r;
  }
  return [gw, gb];
}

/** A reference optimizer for one parameter, in the textbook form (TF1's defaults for the slots' initial values). */
type RefKind = 'gd' | 'momentum' | 'nesterov' | 'adam' | 'rmsprop' | 'adagrad';
function refOptimizer(kind: RefKind, h: Record<string, number>): { step: (p: Float64Array, g: Float64Array) => void; slots: () => Float64Array[] } {
  let a: Float64Array | null = null;
  let b: Float64Array | null = null;
  let t = 0;
  return {
    slots: () => [a!, b!],
    step: (p, g) => {
      a ??= new Float64Array(p.length).fill(kind === 'rmsprop' ? 1 : kind === 'adagrad' ? h.init : 0);
      b ??= new Float64Array(p.length);
      t++;
      for (let i = 0; i < p.length; i++) {
        switch (kind) {
          case 'gd': p[i] -= h.lr * g[i]; break;
          case 'momentum': a[i] = h.m * a[i] + g[i]; p[i] -= h.lr * a[i]; break;
          case 'nesterov': a[i] = h.m * a[i] + g[i]; p[i] -= h.lr * (g[i] + h.m * a[i]); break;
          case 'adam': {
            a[i] = h.b1 * a[i] + (1 - h.b1) * g[i];
            b[i] = h.b2 * b[i] + (1 - h.b2) * g[i] * g[i];
            const mHat = a[i] / (1 - h.b1 ** t);
            const vHat = b[i] / (1 - h.b2 ** t);
            // TF's epsilon is added to sqrt(v), not sqrt(v-hat): epsilon-hat = epsilon * sqrt(1 - b2^t).
            p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps / Math.sqrt(1 - h.b2 ** t));
            break;
          }
          case 'rmsprop':
            a[i] = h.decay * a[i] + (1 - h.decay) * g[i] * g[i];
            b[i] = h.m * b[i] + (h.lr * g[i]) / Math.sqrt(a[i] + h.eps);
            p[i] -= b[i];
            break;
          case 'adagrad': a[i] += g[i] * g[i]; p[i] -= (h.lr * g[i]) / Math.sqrt(a[i]); break;
        }
      }
    },
  };
}

interface OptCase {
  name: string;
  kind: RefKind;
  h: Record<string, number>;
  make: () => tf.train.Optimizer;
  /** Slot names and their variables' names for `w`, as TF1 names them. */
  slots: Array<[string, string]>;
}

const OPT_CASES: OptCase[] = [
  { name: 'GradientDescent', kind: 'gd', h: { lr: 0.1 }, make: () => new tf.train.GradientDescentOptimizer(0.1), slots: [] },
  { name: 'Momentum', kind: 'momentum', h: { lr: 0.05, m: 0.9 }, make: () => new tf.train.MomentumOptimizer(0.05, 0.9), slots: [['momentum', 'w/Momentum']] },
  {
    name: 'Momentum (Nesterov)', kind: 'nesterov', h: { lr: 0.05, m: 0.9 },
    make: () => new tf.train.MomentumOptimizer(0.05, 0.9, { useNesterov: true }), slots: [['momentum', 'w/Momentum']],
  },
  {
    name: 'Adam', kind: 'adam', h: { lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8 },
    make: () => new tf.train.AdamOptimizer(0.05), slots: [['m', 'w/Adam'], ['v', 'w/Adam_1']],
  },
  {
    name: 'RMSProp', kind: 'rmsprop', h: { lr: 0.01, decay: 0.9, m: 0.5, eps: 1e-10 },
    make: () => new tf.train.RMSPropOptimizer(0.01, 0.9, 0.5), slots: [['rms', 'w/RMSProp'], ['momentum', 'w/RMSProp_1']],
  },
  {
    name: 'Adagrad', kind: 'adagrad', h: { lr: 0.3, init: 0.1 },
    make: () => new tf.train.AdagradOptimizer(0.3), slots: [['accumulator', 'w/Adagrad']],
  },
];

function buildRegression(): { w: tf.Variable; b: tf.Variable; loss: tf.Tensor } {
  const x = tf.constant(f32(DATA.x, [N, 3]), { name: 'x' });
  const y = tf.constant(f32(DATA.y, [N, 1]), { name: 'y' });
  const w = tf.variable(f32(DATA.w0, [3, 1]), { name: 'w' });
  const b = tf.variable(f32(DATA.b0, [1]), { name: 'b' });
  const loss = tf.reduceMean(tf.square(tf.sub(tf.add(tf.matmul(x, w), b), y)), undefined, false, { name: 'loss' });
  return { w, b, loss };
}

describe.each(EXECUTORS)('tf.train optimizers on %s', (ex) => {
  test.each(OPT_CASES.map((c) => [c.name, c] as const))('%s: minimize matches the reference optimizer at every step', async (_, c) => {
    const g = new tf.Graph();
    const opt = c.make();
    const { w, b, train, step } = g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      const step = tf.train.getOrCreateGlobalStep();
      return { w, b, train: opt.minimize(loss, { globalStep: step }), step };
    });
    const rw = f64(new Float32Array(DATA.w0));
    const rb = f64(new Float32Array(DATA.b0));
    const [ow, ob] = [refOptimizer(c.kind, c.h), refOptimizer(c.kind, c.h)];
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g));
      for (let i = 0; i < 6; i++) {
        const [gw, gb] = refGradients(rw, rb);
        ow.step(rw, gw);
        ob.step(rb, gb);
        await sess.run(train);
        const [vw, vb, s] = await sess.run([w, b, step]);
        expectClose(vw, rw, { rtol: 1e-4, atol: 1e-5, shape: [3, 1] });
        expectClose(vb, rb, { rtol: 1e-4, atol: 1e-5, shape: [1] });
        expect(s.dtype).toBe('int64');
        expect(s.toArray()).toBe(i + 1);
      }
      // The slots hold the reference's state too.
      for (const [k, [slot]] of c.slots.entries()) {
        expectClose(await sess.run(opt.getSlot(w, slot)!), ow.slots()[k], { rtol: 1e-4, atol: 1e-6, shape: [3, 1] });
      }
    });
  });

  test('a learning rate that is a tensor is read every run', async () => {
    const g = new tf.Graph();
    const { w, b, lr, train } = g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      const lr = tf.placeholder('float32', [], 'lr');
      return { w, b, lr, train: new tf.train.MomentumOptimizer(lr, 0.5).minimize(loss) };
    });
    const rw = f64(new Float32Array(DATA.w0));
    const rb = f64(new Float32Array(DATA.b0));
    const rates = [0.1, 0.05, 0.2];
    const mw = new Float64Array(3);
    const mb = new Float64Array(1);
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g));
      for (const rate of rates) {
        const [gw, gb] = refGradients(rw, rb);
        for (let j = 0; j < 3; j++) { mw[j] = 0.5 * mw[j] + gw[j]; rw[j] -= Math.fround(rate) * mw[j]; }
        mb[0] = 0.5 * mb[0] + gb[0];
        rb[0] -= Math.fround(rate) * mb[0];
        await sess.run(train, new Map([[lr, rate]]));
        expectClose(await sess.run(w), rw, { rtol: 1e-4, atol: 1e-5 });
        expectClose(await sess.run(b), rb, { rtol: 1e-4, atol: 1e-5 });
      }
    });
  });

  test('Adam with every hyper-parameter a tensor (more inputs than one GPU kernel may bind)', async () => {
    const g = new tf.Graph();
    const h = { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-4 };
    const { w, b, train, feeds } = g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      const ph = (name: string): tf.Tensor => tf.placeholder('float32', [], name);
      const [lr, b1, b2, eps] = [ph('lr'), ph('b1'), ph('b2'), ph('eps')];
      const feeds = new Map<tf.Tensor, tf.FeedValue>([[lr, h.lr], [b1, h.b1], [b2, h.b2], [eps, h.eps]]);
      // beta1_power and beta2_power start from the tensors' values, so they are fed for the initializer too.
      return { w, b, train: new tf.train.AdamOptimizer(lr, b1, b2, eps).minimize(loss), feeds };
    });
    const rw = f64(new Float32Array(DATA.w0));
    const rb = f64(new Float32Array(DATA.b0));
    const hr = { lr: Math.fround(h.lr), b1: Math.fround(h.b1), b2: Math.fround(h.b2), eps: Math.fround(h.eps) };
    const [ow, ob] = [refOptimizer('adam', hr), refOptimizer('adam', hr)];
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g), feeds);
      for (let i = 0; i < 4; i++) {
        const [gw, gb] = refGradients(rw, rb);
        ow.step(rw, gw);
        ob.step(rb, gb);
        await sess.run(train, feeds);
        expectClose(await sess.run(w), rw, { rtol: 1e-4, atol: 1e-5 });
        expectClose(await sess.run(b), rb, { rtol: 1e-4, atol: 1e-5 });
      }
    });
  });

  test('minimize with a varList subset updates only those variables and makes slots only for them', async () => {
    const g = new tf.Graph();
    const opt = new tf.train.MomentumOptimizer(0.1, 0.9);
    const { w, b, train } = g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      return { w, b, train: opt.minimize(loss, { varList: [b] }) };
    });
    expect(opt.getSlot(w, 'momentum')).toBeNull();
    expect(opt.getSlot(b, 'momentum')!.op.name).toBe('b/Momentum');
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g));
      await sess.run(train);
      await sess.run(train);
      expect(Array.from((await sess.run(w)).data)).toEqual(Array.from(new Float32Array(DATA.w0)));
      const rw = f64(new Float32Array(DATA.w0));
      const rb = f64(new Float32Array(DATA.b0));
      const ref = refOptimizer('momentum', { lr: 0.1, m: 0.9 });
      for (let i = 0; i < 2; i++) ref.step(rb, refGradients(rw, rb)[1]);
      expectClose(await sess.run(b), rb, { rtol: 1e-4, atol: 1e-6 });
    });
  });

  test('a failed run leaves variables, slots, beta powers and the global step unchanged', async () => {
    const g = new tf.Graph();
    const opt = new tf.train.AdamOptimizer(0.1);
    const { train, quotient, unfed, state } = g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      const step = tf.train.getOrCreateGlobalStep();
      const train = opt.minimize(loss, { globalStep: step });
      const d = tf.placeholder('int32', [2], 'd');
      const p = tf.placeholder('float32', [], 'p');
      // Both run after the update: one divides by zero on the device, the other needs a feed that is missing.
      const quotient = tf.controlDependencies([train], () => tf.floorDivide(tf.constant([7, 7], { dtype: 'int32' }), d));
      const unfed = tf.controlDependencies([train], () => tf.identity(p));
      const state = [w, b, step, ...opt.variables()];
      return { train, quotient, unfed, state };
    });
    expect(opt.variables().map((v) => v.op.name)).toEqual(['b/Adam', 'b/Adam_1', 'beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1']);
    await withSession(ex, g, async (sess) => {
      await sess.run(initAll(g));
      await sess.run(train);
      const before = (await sess.run(state)).map((v: tf.NDArray) => Array.from(v.data));
      await expect(sess.run(quotient, { d: [1, 0] })).rejects.toThrow(/Integer division by zero/);
      expect((await sess.run(state)).map((v: tf.NDArray) => Array.from(v.data))).toEqual(before);
      await expect(sess.run(unfed)).rejects.toThrow(/must feed a value for placeholder tensor 'p'/);
      expect((await sess.run(state)).map((v: tf.NDArray) => Array.from(v.data))).toEqual(before);
      await expect(sess.run(train, { 'x:0': [[1]] })).rejects.toThrow(tf.errors.InvalidArgumentError);
      expect((await sess.run(state)).map((v: tf.NDArray) => Array.from(v.data))).toEqual(before);
      // The same plan succeeds with a good feed, and then everything moves.
      expect(Array.from((await sess.run(quotient, { d: [2, -2] })).data)).toEqual([3, -4]);
      const after = (await sess.run(state)).map((v: tf.NDArray) => Array.from(v.data));
      after.forEach((v: number[], i: number) => expect(v).not.toEqual(before[i]));
    });
  });

  test('the global step is an int64 variable that Assign and AssignAdd update', async () => {
    const g = new tf.Graph();
    const { step, set, inc } = g.asDefault(() => {
      const step = tf.train.getOrCreateGlobalStep();
      return { step, set: tf.assign(step, tf.ndarray([41], [], 'int64')), inc: tf.assignAdd(step, tf.ndarray([1], [], 'int64')) };
    });
    await withSession(ex, g, async (sess) => {
      await sess.run(step.initializer);
      expect((await sess.run(step)).toArray()).toBe(0);
      await sess.run(set);
      const r = await sess.run(inc);
      expect(r.dtype).toBe('int64');
      expect(r.toArray()).toBe(42);
      expect((await sess.run(step)).toArray()).toBe(42);
    });
  });
});

// ---- graph structure and errors (no session) --------------------------------------------------------------------

describe('tf.train graph structure', () => {
  test.each(OPT_CASES.map((c) => [c.name, c] as const))('%s: TF1 names, non-trainable slots in GLOBAL_VARIABLES', (_, c) => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const { w, loss } = buildRegression();
      const opt = c.make();
      const train = opt.minimize(loss);
      const base = c.name.split(' ')[0];
      expect(train.name).toBe(base);
      expect(train.type).toBe('NoOp');
      expect(g.getCollection(tf.GraphKeys.TRAIN_OP)).toContain(train);
      expect(opt.getSlotNames()).toEqual(c.slots.map(([s]) => s).sort());
      for (const [slot, varName] of c.slots) {
        const s = opt.getSlot(w, slot)!;
        expect(s.op.name).toBe(varName);
        expect(s.trainable).toBe(false);
        expect(s.shape).toEqual([3, 1]);
        expect(tf.globalVariables()).toContain(s);
        expect(tf.trainableVariables()).not.toContain(s);
      }
      const applyType = c.kind === 'gd' ? 'ApplyGradientDescent' : `Apply${{ momentum: 'Momentum', nesterov: 'Momentum', adam: 'Adam', rmsprop: 'RMSProp', adagrad: 'Adagrad' }[c.kind]}`;
      const apply = g.getOperationByName(`${base}/update_w/${applyType}`);
      expect(apply.type).toBe(applyType);
      expect(apply.inputs[0]).toBe(w);
      expect(train.controlInputs).toContain(apply);
      if (c.kind === 'nesterov') expect(apply.attrs.use_nesterov).toBe(true);
      // A second minimize reuses the slots and makes a new scope.
      const again = opt.minimize(loss);
      expect(again.name).toBe(`${base}_1`);
      if (c.slots.length > 0) expect(opt.getSlot(w, c.slots[0][0])).toBe(opt.getSlot(w, c.slots[0][0]));
    });
  });

  test('Adam keeps beta1_power and beta2_power, updated after every variable\'s update', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const { loss } = buildRegression();
      const opt = new tf.train.AdamOptimizer();
      opt.minimize(loss);
      const [b1p, b2p] = opt.getBetaAccumulators(g);
      expect([b1p.op.name, b2p.op.name]).toEqual(['beta1_power', 'beta2_power']);
      expect(b1p.trainable).toBe(false);
      expect(tf.globalVariables()).toContain(b2p);
      const assign = g.getOperationByName('Adam/Assign');
      expect(assign.inputs[0]).toBe(b1p);
      const mul = assign.inputs[1].op;
      expect(mul.controlInputs.map((o) => o.name).sort()).toEqual(['Adam/update_b/ApplyAdam', 'Adam/update_w/ApplyAdam']);
    });
  });

  test('with a global step, the returned op is the AssignAdd, after the updates', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const { loss } = buildRegression();
      const step = tf.train.getOrCreateGlobalStep();
      expect(step.op.name).toBe('global_step');
      expect(step.dtype).toBe('int64');
      expect(step.trainable).toBe(false);
      expect(tf.train.getGlobalStep()).toBe(step);
      expect(tf.train.getOrCreateGlobalStep(g)).toBe(step);
      expect(g.getCollection(tf.GraphKeys.GLOBAL_STEP)).toEqual([step]);
      const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { globalStep: step, name: 'train' });
      expect(train.name).toBe('train');
      expect(train.type).toBe('AssignAdd');
      expect(train.inputs[0]).toBe(step);
      expect(train.controlInputs.map((o) => o.name)).toEqual(['train/update']);
    });
    expect(tf.train.getGlobalStep(new tf.Graph())).toBeNull();
  });

  test('computeGradients gives TF1\'s (gradient, variable) pairs, null for an unconnected variable', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const { w, b, loss } = buildRegression();
      const other = tf.variable([1, 2], { name: 'other' });
      const pairs = new tf.train.GradientDescentOptimizer(0.1).computeGradients(loss);
      expect(pairs.map(([, v]) => v)).toEqual([w, b, other]);
      expect(pairs[0][0]!.shape).toEqual([3, 1]);
      expect(pairs[1][0]!.shape).toEqual([1]);
      expect(pairs[2][0]).toBeNull();
    });
  });

  test('errors: a varList entry that is not a variable, a loss that is not float, nothing to optimise', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const { w, loss } = buildRegression();
      const opt = new tf.train.GradientDescentOptimizer(0.1);
      const x = tf.placeholder('float32', [3, 1], 'not_a_var');
      expect(() => opt.minimize(loss, { varList: [w, x as tf.Variable] })).toThrow(/'not_a_var:0' \(Placeholder\) is not a Variable/);
      expect(() => opt.minimize(loss, { varList: [w.value() as tf.Variable] })).toThrow(/'w\/read:0' \(Identity\) is not a Variable/);
      const intLoss = tf.reduceSum(tf.constant([1, 2], { dtype: 'int32' }), undefined, false, { name: 'int_loss' });
      expect(() => opt.minimize(intLoss)).toThrow(/Invalid type int32 for int_loss:0, expected: \[float32, float64\]/);
      expect(() => opt.minimize(loss, { varList: [] })).toThrow(/No variables to optimize/);
      const other = tf.variable([1, 2], { name: 'other' });
      expect(() => opt.minimize(loss, { varList: [other] })).toThrow(/No gradients provided for any variable.*'other:0'.*loss 'loss:0'/);
      expect(() => opt.applyGradients([])).toThrow(/No variables provided/);
      expect(() => opt.applyGradients([[null, w]])).toThrow(/No gradients provided for any variable: \['w:0'\]/);
      expect(() => opt.applyGradients([[tf.constant([1, 2]), w]])).toThrow(/do not have the same shape/);
      expect(() => opt.minimize(loss, { globalStep: w })).toThrow(/global_step.*integer/);
      expect(() => new tf.train.RMSPropOptimizer(0.1, 0.9, 0, 1e-10, { centered: true })).toThrow(tf.errors.UnimplementedError);
      expect(() => new tf.train.AdagradOptimizer(0.1, 0)).toThrow(/initial_accumulator_value must be positive/);
    });
  });

  test('applyGradients with hand-made gradients: tensors, concrete values, null (skipped)', async () => {
    for (const ex of EXECUTORS) {
      const g = new tf.Graph();
      const { w, u, train } = g.asDefault(() => {
        const w = tf.variable([1, 2, 3, 4], { name: 'w' });
        const u = tf.variable([5, 6], { name: 'u' });
        const v = tf.variable([7], { name: 'v' });
        const train = new tf.train.GradientDescentOptimizer(0.5).applyGradients([[tf.constant([2, 2, 2, 2]), w], [[4, -4], u], [null, v]]);
        return { w, u, train };
      });
      await withSession(ex, g, async (sess) => {
        await sess.run(initAll(g));
        await sess.run(train);
        expect(Array.from((await sess.run(w)).data)).toEqual([0, 1, 2, 3]);
        expect(Array.from((await sess.run(u)).data)).toEqual([3, 8]);
      });
    }
  });

  test('a float64 variable gets the float32 learning rate cast to float64, as TF does (cpu)', async () => {
    const g = new tf.Graph();
    const { w, train } = g.asDefault(() => {
      const w = tf.variable(tf.ndarray([1, 2], [2], 'float64'), { name: 'w' });
      return { w, train: new tf.train.MomentumOptimizer(0.1, 0.5).applyGradients([[tf.ndarray([1, 3], [2], 'float64'), w]]) };
    });
    expect(g.getOperationByName('Momentum/update_w/Cast').inputs[0].name).toBe('Momentum/learning_rate:0');
    await withSession('cpu', g, async (sess) => {
      await sess.run(initAll(g));
      await sess.run(train);
      await sess.run(train);
      const lr = Math.fround(0.1);
      const m = Math.fround(0.5);
      // accum: g, then m*g + g; var -= lr*accum each step.
      expect(Array.from((await sess.run(w)).data)).toEqual([1 - lr * 1 - lr * (m * 1 + 1), 2 - lr * 3 - lr * (m * 3 + 3)]);
    });
  });
});
