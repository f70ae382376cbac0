// The WebGPU executor: a plan is lowered once (session/webgpu/compile.ts), its pipelines, buffers and bind groups made
// once; each run then writes the feeds, encodes every dispatch into one compute pass, submits once and maps back only
// the fetched tensors (and a status word when a kernel can fail on its data).
//
// Variables live in GPU buffers owned by the executor and persist across runs; Assign writes them in place. A run that
// can fail after writing a variable (a kernel with a status check) first copies the variables it writes aside, and copies
// them back if the check fails, so a failed run changes nothing.
import { allocArray, DType } from '../../graph/dtypes.js';
import { FailedPreconditionError, InternalError, InvalidArgumentError, UnimplementedError } from '../../graph/errors.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape, sizeOf } from '../../graph/shape.js';
import { Tensor } from '../../graph/tensor.js';
import { STATUS_WORDS, WGSL_NONFINITE } from '../../ops/gpu.js';
import type { Executor, Plan } from '../plan.js';
import { Buf, gpuBytes, Lowered, lowerPlan } from './compile.js';
import { acquireDevice, checkBindingSize, COMPAT_LIMITS, settle } from './device.js';

export interface GpuStats {
  pipelinesCreated: number;
  submits: number;
  dispatches: number;
  bytesUploaded: number;
  bytesDownloaded: number;
}

interface Compiled {
  lowered: Lowered;
  passes: Array<{ pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; workgroups: readonly [number, number, number] }>;
  feedBuffers: Array<{ tensor: Tensor; buffer: GPUBuffer }>;
  params: Array<{ buffer: GPUBuffer; fn: () => Uint32Array | Int32Array | Float32Array }>;
  /** Where each GPU-resident fetch lands in the staging buffer (byte offset), in fetch order. */
  fetchCopies: Array<{ from: GPUBuffer; offset: number; bytes: number } | null>;
  status: GPUBuffer | null;
  statusOffset: number;
  staging: GPUBuffer | null;
  stagingBytes: number;
  backups: Map<string, GPUBuffer>;
  owned: GPUBuffer[];
}

const announced = new Set<string>();
const STORAGE = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export class WebGpuExecutor implements Executor {
  readonly kind = 'webgpu' as const;
  private readonly compiled = new Map<string, Compiled>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly variables = new Map<string, { buffer: GPUBuffer; dtype: DType; shape: number[] }>();
  private readonly initialized = new Set<string>();
  private readonly opState = new Map<string, unknown>();
  readonly counters: GpuStats = { pipelinesCreated: 0, submits: 0, dispatches: 0, bytesUploaded: 0, bytesDownloaded: 0 };

  /** Validation errors Dawn raised outside an error scope since the last run ended. */
  private readonly gpuErrors: GPUError[] = [];

  private constructor(readonly device: GPUDevice, readonly adapter: string, private readonly float64AsFloat32: boolean) {
    device.onuncapturederror = (e: GPUUncapturedErrorEvent) => { this.gpuErrors.push(e.error); };
  }

  /** `float64: 'float32'` runs float64 graphs in float32 (WGSL has no f64); the default refuses them by name. */
  static async create(opts: { float64?: 'error' | 'float32' } = {}): Promise<WebGpuExecutor> {
    const { device, adapter, tried } = await acquireDevice();
    // One line per process and adapter: a test suite opens hundreds of sessions.
    if (!announced.has(adapter)) {
      announced.add(adapter);
      const why = tried.length > 0 ? ` (${tried.join('; ')})` : '';
      process.stderr.write(`kiln: webgpu executor on ${adapter}${why}\n`);
    }
    return new WebGpuExecutor(device, adapter, opts.float64 === 'float32');
  }

  async run(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<NDArray[]> {
    let c = this.compiled.get(plan.key);
    if (c === undefined) {
      c = await this.compile(plan, feeds);
      this.compiled.set(plan.key, c);
    }
    return this.execute(c, plan, feeds);
  }

  private async compile(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<Compiled> {
    checkGpuDtypes(plan);
    const lowered = lowerPlan(plan, feeds, this.opState, { float64AsFloat32: this.float64AsFloat32 });
    const device = this.device;
    const owned: GPUBuffer[] = [];
    const make = (bytes: number, usage: number, what: string): GPUBuffer => {
      checkBindingSize(device, bytes, what);
      const b = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage });
      owned.push(b);
      return b;
    };
    try {
      // Variables: allocated on first use, kept by the executor.
      for (const [name, v] of lowered.variables) {
        const have = this.variables.get(name);
        if (have !== undefined) {
          if (have.dtype !== v.dtype || formatShape(have.shape) !== formatShape(v.shape)) {
            throw new InvalidArgumentError(`Variable '${name}' is ${have.dtype} ${formatShape(have.shape)} on the GPU, the graph says ${v.dtype} ${formatShape(v.shape)}`);
          }
          continue;
        }
        const bytes = gpuBytes(sizeOf(v.shape));
        checkBindingSize(device, bytes, `Variable '${name}' ${formatShape(v.shape)}`);
        this.variables.set(name, { buffer: device.createBuffer({ size: bytes, usage: STORAGE() }), ...v });
      }

      // Memory plan: temporaries by lifetime, first fit among the freed buffers of enough size.
      const physical = new Map<Buf, GPUBuffer>();
      const free: Array<{ buffer: GPUBuffer; bytes: number; freeAfter: number }> = [];
      const temps = [...lowered.temps].sort((a, b) => a.first - b.first);
      for (const t of temps) {
        let best = -1;
        for (let i = 0; i < free.length; i++) {
          if (free[i].freeAfter < t.first && free[i].bytes >= t.bytes && (best < 0 || free[i].bytes < free[best].bytes)) best = i;
        }
        let slot: { buffer: GPUBuffer; bytes: number; freeAfter: number };
        if (best >= 0) slot = free.splice(best, 1)[0];
        else slot = { buffer: make(t.bytes, STORAGE(), `An intermediate of '${describeTemp(lowered, t)}'`), bytes: t.bytes, freeAfter: -1 };
        physical.set(t, slot.buffer);
        if (t.last !== Infinity && plan.memory.reuse) free.push({ ...slot, freeAfter: t.last });
      }
      const feedBuffers = lowered.feeds.map((f) => {
        const b = make(f.buf.bytes, STORAGE(), `Feed '${f.tensor.name}'`);
        physical.set(f.buf, b);
        return { tensor: f.tensor, buffer: b };
      });
      const constCache = new Map<NDArray, GPUBuffer>();
      const bufferOf = (b: Buf): GPUBuffer => {
        if (b.kind === 'var') return this.variables.get(b.name)!.buffer;
        if (b.kind === 'const') {
          let g = constCache.get(b.value);
          if (g === undefined) {
            g = make(b.bytes, STORAGE(), `Constant '${b.name}' ${formatShape(b.value.shape)}`);
            const data = toGpuData(b.value, `constant '${b.name}'`, this.float64AsFloat32);
            device.queue.writeBuffer(g, 0, data.buffer, data.byteOffset, data.byteLength);
            this.counters.bytesUploaded += data.byteLength;
            constCache.set(b.value, g);
          }
          return g;
        }
        const p = physical.get(b);
        if (p === undefined) throw new InternalError(`A ${b.kind} buffer has no memory`);
        return p;
      };

      const status = lowered.checks.length > 0 ? make(lowered.checks.length * STATUS_WORDS * 4, STORAGE(), 'The status words') : null;
      const params: Compiled['params'] = [];
      const passes: Compiled['passes'] = [];
      const pipelines = await Promise.all(lowered.steps.map((s) => this.pipeline(s.dispatch.code, s.op.name, s.op.type)));
      // Dawn reports a bad binding through an error scope, not an exception: catch it here and name the node (the
      // bind group's label carries the node's name into Dawn's message).
      device.pushErrorScope('validation');
      // Kernel parameters written once (ops/gpu.ts Params): equal ones share one buffer.
      const uniforms = new Map<string, GPUBuffer>();
      const uniformOf = (words: Uint32Array): GPUBuffer => {
        const key = words.join(',');
        let u = uniforms.get(key);
        if (u === undefined) {
          u = make(words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'Kernel parameters');
          device.queue.writeBuffer(u, 0, words.buffer, words.byteOffset, words.byteLength);
          uniforms.set(key, u);
        }
        return u;
      };
      lowered.steps.forEach((s, i) => {
        const storage = s.dispatch.bindings.filter((b) => !('uniform' in b)).length;
        if (storage > COMPAT_LIMITS.maxStorageBuffersPerShaderStage) {
          throw new InternalError(`'${s.op.name}' (${s.op.type}): a dispatch binds ${storage} storage buffers, more than the ${COMPAT_LIMITS.maxStorageBuffersPerShaderStage} compatibility mode allows`);
        }
        const entries: GPUBindGroupEntry[] = s.dispatch.bindings.map((b, k) => {
          let buffer: GPUBuffer;
          if ('params' in b) {
            const first = b.params();
            buffer = make(Math.max(4, first.byteLength), STORAGE(), 'Kernel parameters');
            params.push({ buffer, fn: b.params });
            // The first value is written now; every run writes a fresh one (calling `fn` again) before it submits.
            params[params.length - 1].fn = firstThen(first, b.params);
          } else if ('uniform' in b) {
            buffer = uniformOf(b.uniform);
          } else if ('status' in b) {
            buffer = status!;
            // Each checked node gets its own slot, so one node's failure is reported with its own message.
            return { binding: k, resource: { buffer, offset: s.statusSlot * STATUS_WORDS * 4, size: STATUS_WORDS * 4 } };
          } else {
            buffer = bufferOf(s.bufs[k]!);
          }
          return { binding: k, resource: { buffer } };
        });
        const label = `${s.op.name} (${s.op.type})`;
        const bindGroup = device.createBindGroup({ label, layout: pipelines[i].getBindGroupLayout(0), entries });
        passes.push({ pipeline: pipelines[i], bindGroup, workgroups: s.dispatch.workgroups });
      });
      const invalid = await settle(device.popErrorScope());
      if (invalid !== null) throw new InternalError(`The GPU rejected the plan's bindings: ${invalid.message}`);

      // Readback: every GPU-resident fetch, then the status words, packed into one staging buffer.
      let offset = 0;
      const fetchCopies = lowered.fetches.map((f) => {
        if ('host' in f) return null;
        const bytes = sizeOf(f.shape) * 4;
        const copy = { from: bufferOf(f.buf), offset, bytes };
        offset += Math.ceil(bytes / 4) * 4;
        return copy;
      });
      const statusOffset = offset;
      if (status !== null) offset += status.size;
      const staging = offset > 0 ? make(offset, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'The readback buffer') : null;

      // Variables a failing kernel could leave half-written get a backup copy.
      const backups = new Map<string, GPUBuffer>();
      if (status !== null) {
        for (const name of lowered.written) backups.set(name, make(this.variables.get(name)!.buffer.size, STORAGE(), `The backup of '${name}'`));
      }
      return { lowered, passes, feedBuffers, params, fetchCopies, status, statusOffset, staging, stagingBytes: offset, backups, owned };
    } catch (e) {
      for (const b of owned) b.destroy();
      throw e;
    }
  }

  /** Pipelines are cached by shader text, so nodes with equal code and shapes share one. */
  private pipeline(code: string, node: string, type: string): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(code);
    if (p === undefined) {
      const source = code.includes('kiln_nonfinite_') && !code.includes(WGSL_NONFINITE) ? `${WGSL_NONFINITE}\n${code}` : code;
      const module = this.device.createShaderModule({ code: source });
      p = settle(this.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } }))
        .catch(async (e: unknown) => {
          this.pipelines.delete(code);
          const info = await settle(module.getCompilationInfo());
          const msgs = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
          throw new InternalError(`The GPU kernel of '${node}' (${type}) did not compile: ${msgs || (e as Error).message}\n${code}`);
        });
      this.pipelines.set(code, p);
      this.counters.pipelinesCreated++;
    }
    return p;
  }

  private async execute(c: Compiled, plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<NDArray[]> {
    const { lowered } = c;
    for (const r of lowered.readsBeforeWrite) {
      if (!this.initialized.has(r.variable)) {
        throw new FailedPreconditionError(`Attempting to use uninitialized value ${r.variable} (read by '${r.reader}')`);
      }
    }
    const device = this.device;
    const queue = device.queue;
    for (const f of c.feedBuffers) {
      const data = toGpuData(feeds.get(f.tensor)!, `feed '${f.tensor.name}'`, this.float64AsFloat32);
      queue.writeBuffer(f.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      this.counters.bytesUploaded += data.byteLength;
    }
    for (const p of c.params) {
      const data = p.fn();
      queue.writeBuffer(p.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    if (c.status !== null) queue.writeBuffer(c.status, 0, new Uint32Array(c.status.size / 4));

    // Validation errors of the encoder or submit surface as an error rather than as silently wrong numbers. They are
    // caught by the device's uncaptured-error handler, not an error scope: a scope per run cost 0.2 ms of W4-1's 0.9.
    const errorsBefore = this.gpuErrors.length;
    const encoder = device.createCommandEncoder();
    for (const [name, b] of c.backups) encoder.copyBufferToBuffer(this.variables.get(name)!.buffer, 0, b, 0, b.size);
    if (c.passes.length > 0) {
      const pass = encoder.beginComputePass();
      for (const p of c.passes) {
        pass.setPipeline(p.pipeline);
        pass.setBindGroup(0, p.bindGroup);
        pass.dispatchWorkgroups(p.workgroups[0], p.workgroups[1], p.workgroups[2]);
      }
      pass.end();
      this.counters.dispatches += c.passes.length;
    }
    for (const f of c.fetchCopies) if (f !== null && f.bytes > 0) encoder.copyBufferToBuffer(f.from, 0, c.staging!, f.offset, f.bytes);
    if (c.status !== null) encoder.copyBufferToBuffer(c.status, 0, c.staging!, c.statusOffset, c.status.size);
    queue.submit([encoder.finish()]);
    this.counters.submits++;

    // Each fetch is copied straight out of the mapped range into its own typed array: one copy, nothing shared.
    const results: Array<NDArray | null> = lowered.fetches.map(() => null);
    let statusWords: Uint32Array | null = null;
    if (c.staging !== null) {
      await settle(c.staging.mapAsync(GPUMapMode.READ));
      const mapped = c.staging.getMappedRange();
      lowered.fetches.forEach((f, i) => {
        const copy = c.fetchCopies[i];
        if (!('host' in f) && f.buf.kind !== 'feed' && copy !== null) results[i] = fromGpuData(mapped, copy.offset, f.dtype, f.shape);
      });
      if (c.status !== null) statusWords = new Uint32Array(mapped, c.statusOffset, lowered.checks.length * STATUS_WORDS).slice();
      c.staging.unmap();
      this.counters.bytesDownloaded += c.stagingBytes;
    } else {
      await settle(queue.onSubmittedWorkDone());
    }

    const invalid = this.gpuErrors.length > errorsBefore ? this.gpuErrors[this.gpuErrors.length - 1] : null;
    this.gpuErrors.length = 0;
    if (invalid !== null) throw new InternalError(`The GPU rejected a run of a plan fetching ${plan.fetches.map((t) => `'${t.name}'`).join(', ')}: ${invalid.message}`);

    if (statusWords !== null) {
      const words = statusWords;
      const bad = lowered.checks.findIndex((_, slot) => words[slot * STATUS_WORDS] !== 0);
      if (bad >= 0) {
        if (c.backups.size > 0) {
          const undo = device.createCommandEncoder();
          for (const [name, b] of c.backups) undo.copyBufferToBuffer(b, 0, this.variables.get(name)!.buffer, 0, b.size);
          queue.submit([undo.finish()]);
          this.counters.submits++;
        }
        throw new InvalidArgumentError(lowered.checks[bad](words[bad * STATUS_WORDS], words.subarray(bad * STATUS_WORDS, (bad + 1) * STATUS_WORDS)));
      }
    }
    for (const name of lowered.written) this.initialized.add(name);

    return lowered.fetches.map((f, i) => {
      if ('host' in f) return copyOf(f.host);
      if (f.buf.kind === 'feed') return new NDArray(f.dtype, f.shape, feeds.get(f.buf.tensor)!.data.slice());
      // Null only when nothing was read back: every GPU-resident fetch is empty.
      return results[i] ?? fromGpuData(new ArrayBuffer(0), 0, f.dtype, f.shape);
    });
  }

  stats(): GpuStats { return { ...this.counters }; }

  /** GPU buffers this executor holds now (plans' buffers and variables), for tests that memory stays flat. */
  liveBuffers(): number {
    let n = this.variables.size;
    for (const c of this.compiled.values()) n += c.owned.length;
    return n;
  }

  async close(): Promise<void> {
    for (const c of this.compiled.values()) for (const b of c.owned) b.destroy();
    for (const v of this.variables.values()) v.buffer.destroy();
    this.compiled.clear();
    this.variables.clear();
    this.pipelines.clear();
    this.device.destroy();
  }
}

function firstThen<T>(first: T, fn: () => T): () => T {
  let used = false;
  return () => {
    if (!used) { used = true; return first; }
    return fn();
  };
}

function describeTemp(l: Lowered, t: Buf): string {
  const step = l.steps.find((s) => s.bufs.includes(t));
  return step === undefined ? '?' : step.op.name;
}

function copyOf(v: NDArray): NDArray { return new NDArray(v.dtype, v.shape, v.data.slice()); }

/** The dtypes the webgpu executor stores (ops/gpu.ts); float64 is refused or narrowed later, by the compiler. */
const GPU_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'int32', 'int64', 'bool']);
/** Dtypes held widened to 32 bits, exactly: only ops whose results stay in the type may touch them. */
const WIDENED: ReadonlySet<DType> = new Set<DType>(['int8', 'int16', 'uint8', 'uint16', 'float16', 'bfloat16']);
/** Ops whose outputs are values of their inputs (or comparisons of them): exact on widened storage. */
const WIDENED_OPS: ReadonlySet<string> = new Set([
  'Placeholder', 'PlaceholderWithDefault', 'Const', 'Identity', 'StopGradient', 'Reshape', 'ExpandDims', 'Squeeze',
  'Transpose', 'ConcatV2', 'Pack', 'Unpack', 'Slice', 'StridedSlice', 'GatherV2', 'Tile', 'Fill', 'Pad', 'PadV2',
  'Select', 'SelectV2', 'Maximum', 'Minimum', 'Max', 'Min', 'ArgMax', 'ArgMin', 'Equal', 'NotEqual', 'Less', 'LessEqual',
  'Greater', 'GreaterEqual', 'Shape', 'Size', 'Rank', 'ZerosLike', 'Relu',
]);

/**
 * Refuses, naming the first node and the dtype, a plan that the GPU cannot run exactly: a dtype it does not store, or
 * a widened one (ops/gpu.ts) reaching an op whose result would need narrowing or rounding back (int8 arithmetic would
 * not wrap at 8 bits, float16 sums would not round to float16). A Cast from a widened type to a 32-bit one is exact.
 */
function checkGpuDtypes(plan: Plan): void {
  for (const op of plan.ops) {
    for (const t of [...op.inputs, ...op.outputs]) {
      const widened = WIDENED.has(t.dtype);
      const castOut = op.type === 'Cast' && op.outputs.every((o) => GPU_DTYPES.has(o.dtype));
      if (GPU_DTYPES.has(t.dtype) || (widened && (WIDENED_OPS.has(op.type) || castOut))) continue;
      const why = widened ? `holds ${t.dtype} widened to 32 bits, which ${op.type} would have to narrow or round back` : `has no ${t.dtype}`;
      throw new UnimplementedError(`'${op.name}' (${op.type}) works on ${t.dtype} tensor '${t.name}': the webgpu executor ${why}; use executor: 'cpu'`);
    }
  }
}

/**
 * A host value in its GPU representation (ops/gpu.ts): int64 narrowed to i32 with a range check, bool as u32, float64
 * rounded to f32 when the session chose `float64: 'float32'`.
 */
export function toGpuData(v: NDArray, what: string, float64AsFloat32 = false): Float32Array | Int32Array | Uint32Array {
  switch (v.dtype) {
    case 'float32': return v.data as Float32Array;
    case 'int32': return v.data as Int32Array;
    case 'float16': case 'bfloat16': return v.data as Float32Array; // the rounded values, exactly
    case 'int8': case 'int16': case 'uint8': case 'uint16': return Int32Array.from(v.data);
    case 'bool': return Uint32Array.from(v.data);
    case 'int64': {
      const out = new Int32Array(v.size);
      for (let i = 0; i < v.size; i++) {
        const x = v.data[i];
        if (x < -2147483648 || x > 2147483647) {
          throw new InvalidArgumentError(`int64 ${what} holds ${x} at index ${i}, outside the int32 range the webgpu executor stores int64 in`);
        }
        out[i] = x;
      }
      return out;
    }
    case 'float64':
      if (float64AsFloat32) return Float32Array.from(v.data);
      throw new UnimplementedError(`float64 ${what} cannot go to the GPU (WGSL has no f64); use executor: 'cpu', or float64: 'float32' to run it in float32`);
    default: throw new UnimplementedError(`${v.dtype} ${what} cannot go to the GPU: the webgpu executor has no ${v.dtype}; use executor: 'cpu'`);
  }
}

function fromGpuData(mapped: ArrayBuffer, offset: number, dtype: DType, shape: number[]): NDArray {
  const n = sizeOf(shape);
  switch (dtype) {
    case 'float32': return new NDArray(dtype, shape, new Float32Array(mapped, offset, n).slice());
    case 'int32': return new NDArray(dtype, shape, new Int32Array(mapped, offset, n).slice());
    case 'float16': case 'bfloat16': return new NDArray(dtype, shape, new Float32Array(mapped, offset, n).slice());
    case 'int8': case 'int16': case 'uint8': case 'uint16': {
      const out = allocArray(dtype, n);
      out.set(new Int32Array(mapped, offset, n));
      return new NDArray(dtype, shape, out);
    }
    case 'int64': return new NDArray(dtype, shape, Float64Array.from(new Int32Array(mapped, offset, n)));
    case 'bool': return new NDArray(dtype, shape, Uint8Array.from(new Uint32Array(mapped, offset, n)));
    case 'float64': return new NDArray(dtype, shape, Float64Array.from(new Float32Array(mapped, offset, n))); // computed in f32
    default: throw new InternalError(`a ${dtype} tensor cannot come back from the GPU (checkGpuDtypes refuses it first)`);
  }
}
