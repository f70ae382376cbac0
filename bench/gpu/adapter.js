// Which GPU Kiln got, and whether it is the one the device check is about: the NVIDIA GPU at the core feature level
// through Vulkan, not Mesa's llvmpipe through OpenGL ES (what Kiln falls back to where Vulkan finds no driver).
// Kiln's adapter string is its own summary (description, vendor, architecture); Dawn is asked directly here too, for
// every field it reports, so a failure says what Vulkan did find.

/** Dawn instances live as long as the process: one collected while an adapter of it lives can abort the process. */
const keep = [];

/** Awaits a Dawn promise while keeping the event loop ticking (Dawn delivers its callbacks from the loop). */
async function settle(p) {
  const tick = setInterval(() => undefined, 1);
  try { return await p; } finally { clearInterval(tick); }
}

const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'];

/** What Dawn's Vulkan backend offers at the core feature level: {found, info, limits, features} or {found: false, error}. */
export async function probeVulkan() {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    const { create } = await import('webgpu');
    const gpu = create(['backend=vulkan']);
    keep.push(gpu);
    const a = await settle(gpu.requestAdapter({}));
    if (a === null) return { found: false, error: 'Vulkan backend: requestAdapter returned null (no Vulkan driver, or none Dawn accepts)' };
    const info = {};
    for (const k of ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter', 'subgroupMinSize', 'subgroupMaxSize']) info[k] = a.info[k];
    const limits = Object.fromEntries(LIMITS.map((k) => [k, a.limits[k]]));
    return { found: true, info, limits, features: [...a.features].sort() };
  } catch (e) {
    return { found: false, error: `Vulkan backend: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software|OpenGL/i;

/** Whether the probe found a hardware NVIDIA adapter through Vulkan. */
export function isNvidiaVulkan(probe) {
  if (!probe.found) return false;
  const text = [probe.info.vendor, probe.info.architecture, probe.info.device, probe.info.description].join(' ');
  return /nvidia/i.test(text) && !SOFTWARE.test(text) && probe.info.isFallbackAdapter !== true;
}

/**
 * The verdict on the session Kiln opened: ok only when it runs on webgpu, its adapter names NVIDIA and no software
 * renderer, and it is the adapter Vulkan offers at the core level (Kiln's string holds that adapter's description; Kiln asks
 * the default backend at the core level first, and OpenGL ES only after that fails).
 */
export function judgeAdapter(device, probe) {
  const problems = [];
  if (device.executor !== 'webgpu') problems.push(`no webgpu session (executor ${device.executor}${device.error ? `: ${device.error}` : ''})`);
  const a = device.adapter ?? '';
  if (SOFTWARE.test(a)) problems.push(`the adapter is a software or OpenGL one: '${a}'`);
  if (!/nvidia/i.test(a)) problems.push(`the adapter does not name NVIDIA: '${a}'`);
  if (!isNvidiaVulkan(probe)) problems.push(`Dawn's Vulkan backend offers no NVIDIA adapter (${probe.error ?? JSON.stringify(probe.info)})`);
  else {
    // Kiln's summary of an adapter (describe() in session/webgpu/device.ts) starts with Dawn's description of it.
    const vk = (probe.info.description || probe.info.vendor || '').replace(/\s+/g, ' ').trim();
    if (!a.includes(vk)) problems.push(`Kiln's adapter '${a}' is not the one Vulkan offers at the core level ('${vk}')`);
  }
  return { ok: problems.length === 0, problems };
}
