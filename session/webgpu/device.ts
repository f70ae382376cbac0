// Finding a WebGPU device through Dawn (npm `webgpu`): the platform's default backend at the core feature level (a real
// GPU through Vulkan/Metal/D3D12), then OpenGL ES at the compatibility level (Mesa's llvmpipe where there is no GPU).
// See shared/notes/webgpu-headless.md for what was verified.
import { ResourceExhaustedError, UnimplementedError } from '../../graph/errors.js';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: string;
  /** What was tried before this adapter, for the one line naming the choice. */
  tried: string[];
}

type Dawn = { create(flags: string[]): GPU; globals: Record<string, unknown> };
let dawn: Promise<Dawn> | undefined;
/** Dawn instances are kept for the life of the process: one collected while its device lives aborts the process. */
const instances = new Map<string, GPU>();

/** Loads Dawn once. EGL must be told there is no display before Dawn first initialises EGL. */
function loadDawn(): Promise<Dawn> {
  if (dawn === undefined) {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    dawn = import('webgpu').then((m) => {
      const mod = m as unknown as Dawn;
      // GPUBufferUsage, GPUMapMode...: the WebGPU constants as globals, as in a browser.
      for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
      return mod;
    });
  }
  return dawn;
}

/**
 * Awaits a GPU promise while keeping the event loop ticking: Dawn's callbacks are delivered from the loop, and a host
 * with nothing else scheduled (jest between tests) would otherwise leave the promise pending forever.
 */
export async function settle<T>(p: Promise<T>): Promise<T> {
  const tick = setInterval(() => undefined, 1);
  try {
    return await p;
  } finally {
    clearInterval(tick);
  }
}

function describe(a: GPUAdapter): string {
  const i = a.info;
  return [i.description, i.vendor, i.architecture].filter((s) => s !== undefined && s !== '').join(' ').replace(/\s+/g, ' ').trim() || 'unknown adapter';
}

/** Compatibility-mode limits (WebGPU's): kernels are written to fit these, so one plan runs on every adapter. */
export const COMPAT_LIMITS = { maxStorageBuffersPerShaderStage: 8, maxComputeInvocationsPerWorkgroup: 128, maxStorageBufferBindingSize: 128 * 1024 * 1024 };

export async function acquireDevice(): Promise<AcquiredDevice> {
  let mod: Dawn;
  try {
    mod = await loadDawn();
  } catch (e) {
    throw new UnimplementedError(`WebGPU is not available: loading the 'webgpu' package failed (${(e as Error).message})`);
  }
  const tried: string[] = [];
  const attempts: Array<{ label: string; flags: string[]; options: GPURequestAdapterOptions }> = [
    { label: 'default backend, core feature level', flags: [], options: {} },
    { label: 'OpenGL ES, compatibility feature level', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } },
  ];
  for (const a of attempts) {
    let adapter: GPUAdapter | null = null;
    try {
      const key = a.flags.join(',');
      let gpu = instances.get(key);
      if (gpu === undefined) { gpu = mod.create(a.flags); instances.set(key, gpu); }
      adapter = await settle(gpu.requestAdapter(a.options));
    } catch (e) {
      tried.push(`${a.label}: ${(e as Error).message}`);
      continue;
    }
    if (adapter === null) { tried.push(`${a.label}: no adapter`); continue; }
    const device = await settle(adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    }));
    return { device, adapter: describe(adapter), tried };
  }
  throw new UnimplementedError(`No WebGPU adapter found; tried: ${tried.join('; ')}`);
}

/** The bytes one binding may hold on every adapter Kiln targets; larger tensors are refused by name. */
export function checkBindingSize(device: GPUDevice, bytes: number, what: string): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, COMPAT_LIMITS.maxStorageBufferBindingSize);
  if (bytes > limit) {
    throw new ResourceExhaustedError(`${what} needs ${bytes} bytes, more than the ${limit} bytes a GPU storage binding may hold`);
  }
}
