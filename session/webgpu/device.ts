// Finding a WebGPU device through Dawn (npm `webgpu`): the platform's default backend at the core feature level (a real
// GPU through Vulkan/Metal/D3D12), then OpenGL ES at the compatibility level (Mesa's llvmpipe where there is no GPU).
// See shared/notes/webgpu-headless.md for what was verified.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
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

/**
 * Runs `fn` (Dawn's instance creation and adapter request) with fd 2 pointing at /dev/null, unless KILN_VERBOSE=1.
 *
 * Why: Dawn prints its own warnings from C++ (`dawn::WarningLog`, fprintf to stderr) during those two calls, e.g.
 * "Couldn't load Vulkan: libvulkan.so.1 ..." while it probes backends and "max...BuffersPerPipelineLayout
 * artificially reduced ..." while it builds the OpenGL ES adapter. What the `webgpu` package offers does not reach
 * them: `create([...])` takes backend/adapter choices and Dawn toggles (none silences logging), requestAdapter's
 * options choose an adapter, and the device's logging callback exists only once a device does, after these are
 * printed. Both calls print synchronously (checked: the text appears before requestAdapter returns its promise), so
 * the redirection covers exactly them and no JavaScript runs meanwhile.
 *
 * How, without dup2 (Node has none): remember fd 2 by reopening /proc/self/fd/2, close fd 2 and open /dev/null (the
 * lowest free fd, so 2), run, then close it and reopen the remembered file as fd 2. Done only on Linux and only when
 * fd 2 is a terminal or a pipe: reopening those gives the same terminal or pipe. A regular file (`2> log`) is left
 * alone, since a reopened file would not share the shell's write offset (and a log file is not the user's terminal);
 * so is a socket (what Node's child_process makes of `stdio: 'pipe'`), which cannot be reopened at all. If /dev/null
 * did not land on fd 2 (another thread opened a file in between), the messages are simply not hidden.
 */
function quietly<T>(fn: () => T): T {
  if (process.env.KILN_VERBOSE === '1' || process.platform !== 'linux') return fn();
  let saved: number;
  try {
    fstatSync(0); fstatSync(1); // a closed fd 0 or 1 would take the place of fd 2 below
    const st = fstatSync(2);
    if (!st.isCharacterDevice() && !st.isFIFO()) return fn();
    saved = openSync('/proc/self/fd/2', constants.O_WRONLY);
  } catch {
    return fn();
  }
  let silenced = false;
  try {
    closeSync(2);
    const devnull = openSync('/dev/null', constants.O_WRONLY);
    silenced = devnull === 2;
    if (!silenced) closeSync(devnull);
  } catch { /* keep going: at worst the warnings show */ }
  try {
    return fn();
  } finally {
    try {
      if (silenced) closeSync(2);
      const back = openSync(`/proc/self/fd/${saved}`, constants.O_WRONLY);
      if (back !== 2) closeSync(back);
    } catch { /* nothing left to do */ }
    closeSync(saved);
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
    { label: 'GPU adapter on Vulkan/Metal/D3D12', flags: [], options: {} },
    { label: 'OpenGL ES adapter (compatibility level)', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } },
  ];
  for (const a of attempts) {
    let adapter: GPUAdapter | null = null;
    try {
      const key = a.flags.join(',');
      const request = quietly(() => {
        let gpu = instances.get(key);
        if (gpu === undefined) { gpu = mod.create(a.flags); instances.set(key, gpu); }
        return gpu.requestAdapter(a.options);
      });
      adapter = await settle(request);
    } catch (e) {
      tried.push(`${a.label}: ${(e as Error).message}`);
      continue;
    }
    if (adapter === null) { tried.push(`no ${a.label}`); continue; }
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
