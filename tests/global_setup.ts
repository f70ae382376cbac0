// jest's globalSetup runs in the parent process before any worker starts: environment set here is the real process
// environment, which Dawn reads (a test file's own `process.env` is a copy that never reaches native code).
export default function globalSetup(): void {
  process.env.EGL_PLATFORM ??= 'surfaceless';
}
