// The `checkpoint` state file (CheckpointState, tensorflow/python/training/checkpoint_state.proto) in protobuf text
// format, as tf.train.Saver writes it beside its checkpoints:
//   model_checkpoint_path: "model-7"
//   all_model_checkpoint_paths: "model-5"
//   all_model_checkpoint_paths: "model-7"
// Paths are written relative to the state file's folder; read back, relative paths are joined to that folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../../graph/errors.js';
import { writeFileAtomic } from '../io.js';
import { indexFile } from './bundle.js';

export const STATE_FILENAME = 'checkpoint';

export interface CheckpointState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: string[];
  allModelCheckpointTimestamps: number[];
  lastPreservedTimestamp?: number;
}

/** Protobuf text-format string escaping (C-style; bytes outside printable ASCII as octal, as Python's text_format). */
function escape(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

export function formatCheckpointState(s: CheckpointState): string {
  const lines = [`model_checkpoint_path: "${escape(s.modelCheckpointPath)}"`];
  for (const p of s.allModelCheckpointPaths) lines.push(`all_model_checkpoint_paths: "${escape(p)}"`);
  for (const t of s.allModelCheckpointTimestamps) lines.push(`all_model_checkpoint_timestamps: ${t}`);
  if (s.lastPreservedTimestamp !== undefined) lines.push(`last_preserved_timestamp: ${s.lastPreservedTimestamp}`);
  return `${lines.join('\n')}\n`;
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92, a: 7, b: 8, f: 12, v: 11, '?': 63 };

/** Parses a CheckpointState in text format; `file` names it in errors. */
export function parseCheckpointState(text: string, file: string): CheckpointState {
  const bad = (m: string): never => { throw new InvalidArgumentError(`Cannot parse checkpoint state file ${file}: ${m}`); };
  const state: CheckpointState = { modelCheckpointPath: '', allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] };
  let p = 0;
  const skipSpace = (): void => {
    for (;;) {
      while (p < text.length && /\s/.test(text[p])) p++;
      if (text[p] !== '#') return;
      while (p < text.length && text[p] !== '\n') p++;
    }
  };
  const readString = (): string => {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    do {
      const q = text[p++];
      for (;;) {
        if (p >= text.length || text[p] === '\n') bad('unterminated string');
        const c = text[p++];
        if (c === q) break;
        if (c !== '\\') { bytes.push(...enc.encode(c)); continue; }
        const d = text[p++] ?? '';
        if (d in SIMPLE_ESCAPES) bytes.push(SIMPLE_ESCAPES[d]);
        else if (/[0-7]/.test(d)) {
          let v = Number(d);
          for (let k = 0; k < 2 && /[0-7]/.test(text[p] ?? ''); k++) v = v * 8 + Number(text[p++]);
          bytes.push(v & 0xff);
        } else if (d === 'x') {
          const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(p, p + 2));
          if (m === null) bad('bad \\x escape');
          bytes.push(parseInt(m![0], 16));
          p += m![0].length;
        } else bad(`unknown escape \\${d}`);
      }
      skipSpace();
    } while (text[p] === '"' || text[p] === "'"); // adjacent strings concatenate
    return new TextDecoder().decode(Uint8Array.from(bytes));
  };
  const readNumber = (): number => {
    const m = /^[-+]?(inf(inity)?|nan|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)f?/i.exec(text.slice(p));
    if (m === null) bad(`expected a number at offset ${p}`);
    p += m![0].length;
    const s = m![0].replace(/f$/i, '').toLowerCase();
    return s.includes('nan') ? NaN : s.includes('inf') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s);
  };
  for (skipSpace(); p < text.length; skipSpace()) {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(p, p + 64));
    if (m === null) bad(`expected a field name at offset ${p}`);
    const field = m![0];
    p += field.length;
    skipSpace();
    if (text[p] !== ':') bad(`expected ':' after ${field}`);
    p++;
    skipSpace();
    const isString = text[p] === '"' || text[p] === "'";
    switch (field) {
      case 'model_checkpoint_path':
        if (!isString) bad(`${field} must be a string`);
        state.modelCheckpointPath = readString();
        break;
      case 'all_model_checkpoint_paths':
        if (!isString) bad(`${field} must be a string`);
        state.allModelCheckpointPaths.push(readString());
        break;
      case 'all_model_checkpoint_timestamps':
        state.allModelCheckpointTimestamps.push(readNumber());
        break;
      case 'last_preserved_timestamp':
        state.lastPreservedTimestamp = readNumber();
        break;
      default:
        bad(`unknown field '${field}'`);
    }
  }
  return state;
}

/**
 * The state file of `dir` (`latestFilename`, default `checkpoint`) with every path made usable from here (relative
 * paths joined to `dir`, as TF's get_checkpoint_state does), or null when there is none.
 */
export function getCheckpointState(dir: string, latestFilename = STATE_FILENAME): CheckpointState | null {
  const file = path.join(dir, latestFilename);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InvalidArgumentError(`Cannot read checkpoint state file ${file}: ${(e as Error).message}`);
  }
  const s = parseCheckpointState(text, file);
  if (s.modelCheckpointPath === '') throw new InvalidArgumentError(`Invalid checkpoint state file ${file}: no model_checkpoint_path`);
  const resolve = (p: string): string => (path.isAbsolute(p) ? p : path.join(dir, p));
  return { ...s, modelCheckpointPath: resolve(s.modelCheckpointPath), allModelCheckpointPaths: s.allModelCheckpointPaths.map(resolve) };
}

/**
 * Writes the state file of `dir` atomically. `latest` and `all` are prefixes; those inside `dir` are written relative
 * to it (TF's save_relative_paths), so the folder can be moved. `latest` ends the list when missing from it.
 */
export async function updateCheckpointState(
  dir: string, latest: string, all: readonly string[], opts: { latestFilename?: string; timestamps?: readonly number[] } = {},
): Promise<void> {
  const rel = (p: string): string => {
    const r = path.relative(dir, p);
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
  };
  const paths = all.map(rel);
  const last = rel(latest);
  if (!paths.includes(last)) paths.push(last);
  const text = formatCheckpointState({
    modelCheckpointPath: last, allModelCheckpointPaths: paths, allModelCheckpointTimestamps: [...(opts.timestamps ?? [])],
  });
  await writeFileAtomic(path.join(dir, opts.latestFilename ?? STATE_FILENAME), text);
}

/** TF's `tf.train.latest_checkpoint`: the latest prefix the state file of `dir` names, or null (no file, or gone). */
export function latestCheckpoint(dir: string, latestFilename = STATE_FILENAME): string | null {
  const s = getCheckpointState(dir, latestFilename);
  if (s === null) return null;
  return fs.existsSync(indexFile(s.modelCheckpointPath)) ? s.modelCheckpointPath : null;
}
