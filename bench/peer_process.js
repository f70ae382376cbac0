// One bench/peer.js process (or another script that prints its JSON last) with a timeout, shared by bench/run.js and
// bench/gpu/speed.js.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

/** Runs one peer process; resolves to its JSON (or {error} when it crashed, hung or printed none). */
export function runPeer(args, timeoutS) {
  return runScript(path.join(here, 'peer.js'), args, timeoutS);
}

/** Runs `node script ...args` with `env` added; resolves to the last stdout line that is JSON, or {error}. */
export function runScript(script, args, timeoutS, env = {}) {
  return new Promise((resolve) => {
    // --expose-gc: the memory check collects garbage before it reads memory.
    const child = spawn(process.execPath, ['--expose-gc', script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
      if (last !== undefined) {
        try { resolve(JSON.parse(last)); return; } catch { /* fall through */ }
      }
      const why = timedOut ? `timed out after ${timeoutS} s` : `process exited (${signal ?? `code ${code}`})`;
      const tail = stderr.trim().split('\n').filter((l) => !/^\s*at |^Warning:/.test(l)).pop() ?? '';
      resolve({ error: `error: ${why}${tail ? `: ${tail}` : ''}` });
    });
  });
}
