// For tests that run what `npm run build` makes (dist/bin/kiln.js, dist/tools/...) in a child process, as users run it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = process.cwd();
const SOURCES = ['bin', 'graph', 'ops', 'session', 'serialization', 'train', 'layers', 'optimizer', 'tools', 'data', 'examples'];

/** Newest modification time of the .ts sources dist/ is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return Math.max(newest, fs.statSync(path.join(ROOT, 'index.ts')).mtimeMs);
}

/** Rebuilds dist/ when `file` (a built file, relative to the root) is older than the sources; returns its path. */
export function ensureBuilt(file: string): string {
  const out = path.join(ROOT, file);
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
  if (built < newestSource() || !fs.existsSync(path.join(ROOT, 'dist/proto/generated/tf.js'))) {
    // tsc emits even when files being edited elsewhere have type errors; what matters is that the file exists after.
    spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 170_000 });
  }
  if (!fs.existsSync(out)) throw new Error(`${out} was not built`);
  return out;
}
