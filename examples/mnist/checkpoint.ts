// Saving what was trained, until Kiln's checkpoints land: every variable's value in one JSON file (float32 data as
// base64 of its little-endian bytes), written atomically (a temporary file in the same folder, then a rename), and
// read back into a session through assign ops fed with the saved values.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../../index.js';

const FORMAT = 'kiln-mnist-variables/1';

export interface SavedVariables {
  format: typeof FORMAT;
  /** Whatever the writer wants to remember: the model kind, the accuracy it reached, how it was trained. */
  meta: Record<string, string | number>;
  variables: Record<string, { dtype: 'float32'; shape: number[]; data: string }>;
}

function toBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  // Copy into a fresh, aligned buffer: Node's Buffer may sit at an odd offset of its pool.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Reads every variable in `vars` from the session and writes them to `file` atomically. */
export async function saveVariables(sess: tf.Session, vars: readonly tf.Variable[], file: string, meta: SavedVariables['meta']): Promise<void> {
  const values = await sess.run(vars.map((v) => v.value()));
  const out: SavedVariables = { format: FORMAT, meta, variables: {} };
  vars.forEach((v, i) => {
    const a = values[i];
    if (a.dtype !== 'float32') throw new Error(`saveVariables: '${v.op.name}' is ${a.dtype}; only float32 is saved`);
    out.variables[v.op.name] = { dtype: 'float32', shape: a.shape, data: toBase64(a.data as Float32Array) };
  });
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(out));
  renameSync(tmp, file); // atomic on one filesystem: a reader sees the old file or the new one, never half of one
}

export function readVariables(file: string): SavedVariables {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedVariables;
  if (saved.format !== FORMAT) throw new Error(`${file}: not a saved MNIST model (format '${String(saved.format)}', expected '${FORMAT}')`);
  return saved;
}

/**
 * Graph side of a restore: one `assign` per variable from a placeholder of its shape, grouped. Build it once, then
 * `restore(sess, saved)` feeds the saved values.
 */
export function restoreOp(vars: readonly tf.Variable[]): (sess: tf.Session, saved: SavedVariables) => Promise<void> {
  const slots = vars.map((v) => {
    const value = tf.placeholder('float32', v.shape, `restore/${v.op.name.replace(/\//g, '_')}`);
    return { v, value, assign: tf.assign(v, value) };
  });
  const all = tf.group(slots.map((s) => s.assign), { name: 'restore_all' });
  return async (sess, saved) => {
    const feeds = new Map<tf.Tensor, tf.NDArray>();
    for (const s of slots) {
      const entry = saved.variables[s.v.op.name];
      if (entry === undefined) throw new Error(`the saved model has no value for '${s.v.op.name}' (it has: ${Object.keys(saved.variables).join(', ')})`);
      const want = s.v.shape!.join(',');
      if (entry.shape.join(',') !== want) throw new Error(`'${s.v.op.name}': saved shape [${entry.shape}], the graph's is [${want}]`);
      feeds.set(s.value, tf.ndarray(fromBase64(entry.data), entry.shape));
    }
    await sess.run(all, feeds);
  };
}
