// `tf.train.Saver`: saves a session's variables as a V2 checkpoint (serialization/checkpoint/bundle.ts) and restores
// them; `tf.train.latestCheckpoint` and `tf.train.loadCheckpoint`.
//
// TF builds `save/SaveV2` and `save/RestoreV2` ops that take a filename tensor. Kiln has no string tensors and its
// kernels do no file I/O, so saving fetches the variables with one `run` and writes the files here; restoring reads
// and checks the whole checkpoint first, then feeds every value to placeholder-fed `save/Assign_k` ops grouped under
// `save/restore_all` and runs that once (built once, in the constructor, as TF does; a run that fails changes no
// variable, so a failed restore leaves every variable as it was).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../graph/errors.js';
import { getDefaultGraph, Graph, GraphKeys } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { assign, group, placeholder, Variable } from '../ops/values.js';
import { BundleEntry, BundleReader, indexFile, writeBundle } from '../serialization/checkpoint/bundle.js';
import { latestCheckpoint as latestCheckpointIn, updateCheckpointState, STATE_FILENAME } from '../serialization/checkpoint/state.js';
import type { Session } from '../session/session.js';
import { inInitScope } from './global_step.js';

export { getCheckpointState } from '../serialization/checkpoint/state.js';
export type { CheckpointState } from '../serialization/checkpoint/state.js';

export interface SaverOptions {
  /**
   * The variables to save: an array (saved under their op names) or a record checkpoint-name -> variable. Default:
   * GLOBAL_VARIABLES. A variable is a Variable or any VariableV2 output (as in an imported graph).
   */
  varList?: ReadonlyArray<Variable | Tensor> | Readonly<Record<string, Variable | Tensor>>;
  /** How many recent checkpoints to keep (default 5); older ones are deleted. 0 or null keeps all. */
  maxToKeep?: number | null;
  /** The name scope of the restore ops (default 'save', made unique: 'save_1', ...). */
  name?: string;
}

export interface SaveOptions {
  /** Appended to the prefix (`model-7`): a number, or an integer scalar Tensor/Variable read from the session. */
  globalStep?: number | Tensor;
  /** The state file's name (default 'checkpoint'). */
  latestFilename?: string;
  /** Update the state file and delete checkpoints beyond maxToKeep (default true). */
  writeState?: boolean;
}

/** TF's SaverDef (saver.proto) fields as Kiln can fill them; see `Saver.saverDef`. */
export interface SaverDefInfo {
  filename_tensor_name: string;
  save_tensor_name: string;
  restore_op_name: string;
  max_to_keep: number;
  sharded: boolean;
  keep_checkpoint_every_n_hours: number;
  /** CheckpointFormatVersion V2. */
  version: 2;
}

interface Saveable { key: string; variable: Tensor; value: Tensor; assign: Operation }

export class Saver {
  readonly graph: Graph;
  readonly maxToKeep: number;
  /** The name scope of this Saver's ops ('save', 'save_1', ...). */
  readonly scope: string;
  /** The op that assigns every fed value; run by `restore`. */
  readonly restoreOp: Operation;
  private readonly saveables: Saveable[];
  private last: string[] = [];

  constructor(opts: SaverOptions = {}) {
    const list = opts.varList ?? getDefaultGraph().getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES);
    const named: Array<[string, Tensor]> = Array.isArray(list)
      ? (list as Tensor[]).map((v) => [v?.op?.name, v])
      : Object.entries(list as Record<string, Tensor>);
    if (named.length === 0) throw new InvalidArgumentError('tf.train.Saver: no variables to save');
    const seen = new Map<string, Tensor>();
    for (const [key, v] of named) {
      if (!(v instanceof Tensor) || v.op.type !== 'VariableV2') {
        throw new InvalidArgumentError(`tf.train.Saver: '${String(key)}' is not a variable (got ${v instanceof Tensor ? `'${v.name}' (${v.op.type})` : String(v)})`);
      }
      if (seen.has(key) && seen.get(key) !== v) throw new InvalidArgumentError(`tf.train.Saver: at least two variables have the same name: ${key}`);
      if (v.graph !== named[0][1].graph) throw new InvalidArgumentError(`tf.train.Saver: variable '${v.op.name}' is from another graph than '${named[0][1].op.name}'`);
      seen.set(key, v);
    }
    this.graph = named[0][1].graph;
    const max = opts.maxToKeep === undefined ? 5 : opts.maxToKeep ?? 0;
    if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError(`tf.train.Saver: maxToKeep must be a non-negative integer, got ${max}`);
    this.maxToKeep = max;
    const keys = [...seen.keys()].sort();
    const built = inInitScope(this.graph, () => this.graph.withNameScope(opts.name ?? 'save', (scope) => {
      const saveables = keys.map((key) => {
        const variable = seen.get(key)!;
        const value = placeholder(variable.dtype, variable.shape ?? undefined, 'restore_value');
        const op = assign(variable, value, { name: 'Assign', validateShape: variable.shape !== null }).op;
        return { key, variable, value, assign: op };
      });
      return { scope, saveables, restoreAll: group(saveables.map((s) => s.assign), { name: 'restore_all' }) };
    }));
    this.scope = built.scope;
    this.saveables = built.saveables;
    this.restoreOp = built.restoreAll;
  }

  /** The checkpoint names (keys) this Saver saves, sorted, each with its variable. */
  get variables(): ReadonlyMap<string, Tensor> { return new Map(this.saveables.map((s) => [s.key, s.variable])); }

  /** The prefixes of the checkpoints this Saver has kept, oldest first (TF's `last_checkpoints`). */
  get lastCheckpoints(): string[] { return [...this.last]; }

  /** TF's `recover_last_checkpoints`: adopt `paths` (those whose files exist) as the kept checkpoints. */
  recoverLastCheckpoints(paths: readonly string[]): void {
    this.last = paths.filter((p) => fs.existsSync(indexFile(p)));
  }

  /**
   * TF's SaverDef for this Saver, with TF's conventional names. Kiln's graph holds only `restore_op_name` (fed by
   * placeholders, not a filename tensor); a MetaGraphDef writer emits TF's own string/SaveV2/RestoreV2 nodes.
   */
  saverDef(): SaverDefInfo {
    return {
      filename_tensor_name: `${this.scope}/Const:0`,
      save_tensor_name: `${this.scope}/control_dependency:0`,
      restore_op_name: `${this.scope}/restore_all`,
      max_to_keep: this.maxToKeep,
      sharded: false,
      keep_checkpoint_every_n_hours: 10000,
      version: 2,
    };
  }

  private checkSession(sess: Session, what: string): void {
    if (sess.graph !== this.graph) throw new InvalidArgumentError(`Saver.${what}: the session runs another graph than the one this Saver's variables are in`);
  }

  /**
   * Writes the variables' values in `sess` as the checkpoint `savePath` (or `savePath-<globalStep>`), then the state
   * file, then deletes the checkpoints beyond maxToKeep. Returns the prefix written.
   */
  async save(sess: Session, savePath: string, opts: SaveOptions = {}): Promise<string> {
    this.checkSession(sess, 'save');
    if (typeof savePath !== 'string' || savePath === '') throw new InvalidArgumentError('Saver.save: savePath must be a non-empty string');
    const step = opts.globalStep;
    const fetches: Tensor[] = this.saveables.map((s) => s.variable);
    if (step instanceof Tensor) fetches.push(step);
    const values = await sess.run(fetches) as NDArray[];
    let prefix = savePath;
    if (step !== undefined) {
      const n = step instanceof Tensor ? values[values.length - 1].data[0] : step;
      if (!Number.isFinite(n)) throw new InvalidArgumentError(`Saver.save: globalStep must be a finite number, got ${n}`);
      prefix = `${savePath}-${Math.trunc(n)}`;
    }
    await writeBundle(prefix, new Map(this.saveables.map((s, i) => [s.key, values[i]])));
    if (opts.writeState === false) return prefix;

    const dropped: string[] = [];
    if (this.maxToKeep > 0) {
      this.last = this.last.filter((p) => p !== prefix);
      this.last.push(prefix);
      while (this.last.length > this.maxToKeep) dropped.push(this.last.shift()!);
    }
    await updateCheckpointState(path.dirname(prefix), prefix, this.last, { latestFilename: opts.latestFilename ?? STATE_FILENAME });
    for (const p of dropped) await deleteCheckpoint(p);
    return prefix;
  }

  /**
   * Assigns every variable its value in the checkpoint `savePath`. Everything is read and checked first (a missing
   * name, or a dtype or shape that differs, is an error naming the variable), then one run assigns them all.
   */
  async restore(sess: Session, savePath: string): Promise<void> {
    this.checkSession(sess, 'restore');
    if (!fs.existsSync(indexFile(savePath))) {
      throw new NotFoundError(`Failed to find any matching files for ${savePath} (no ${indexFile(savePath)}); is it a checkpoint prefix?`);
    }
    const reader = BundleReader.open(savePath);
    const feeds = new Map<Tensor, NDArray>();
    for (const s of this.saveables) {
      if (!reader.has(s.key)) {
        throw new NotFoundError(`Restoring from checkpoint ${savePath}: key '${s.key}' (variable '${s.variable.op.name}') not found in checkpoint`);
      }
      checkCompatible(reader.entry(s.key), s, savePath);
      feeds.set(s.value, reader.read(s.key));
    }
    await sess.run(this.restoreOp, feeds);
  }
}

function checkCompatible(e: BundleEntry, s: Saveable, prefix: string): void {
  const what = `Restoring from checkpoint ${prefix}: variable '${s.variable.op.name}'`;
  if (e.dtype !== s.variable.dtype) throw new InvalidArgumentError(`${what} has dtype ${s.variable.dtype}, the checkpoint's '${s.key}' has ${e.dtype}`);
  const vs = s.variable.shape;
  const ok = vs === null || (vs.length === e.shape.length && vs.every((d, i) => d === null || d === e.shape[i]));
  if (!ok) throw new InvalidArgumentError(`${what} has shape ${formatShape(vs)}, the checkpoint's '${s.key}' has shape ${formatShape(e.shape)}`);
}

/** Deletes a checkpoint's files (index, every data shard, TF's `.meta`); missing ones are fine. */
async function deleteCheckpoint(prefix: string): Promise<void> {
  const dir = path.dirname(prefix);
  const dataStem = `${path.basename(prefix)}.data-`;
  let names: string[] = [];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  const files = [indexFile(prefix), `${prefix}.meta`, ...names.filter((n) => n.startsWith(dataStem)).map((n) => path.join(dir, n))];
  for (const f of files) await fs.promises.rm(f, { force: true });
}

/** `tf.train.latestCheckpoint(dir, latestFilename?)`: the latest checkpoint's prefix, or null when there is none. */
export function latestCheckpoint(checkpointDir: string, latestFilename?: string): string | null {
  return latestCheckpointIn(checkpointDir, latestFilename);
}

/** TF's `tf.train.load_checkpoint` reader (CheckpointReader). */
export class CheckpointReader {
  private readonly bundle: BundleReader;
  constructor(prefix: string) { this.bundle = BundleReader.open(prefix); }

  get prefix(): string { return this.bundle.prefix; }
  /** Tensor name -> shape. */
  variableShapes(): Record<string, number[]> { return this.mapEntries((e) => [...e.shape]); }
  /** Tensor name -> dtype (a Kiln DType, or TF's name of a type Kiln cannot hold, e.g. 'string'). */
  variableDtypes(): Record<string, string> { return this.mapEntries((e) => e.dtype); }
  hasTensor(name: string): boolean { return this.bundle.has(name); }
  /** The tensor's value (its bytes checked against the stored CRC32C). */
  getTensor(name: string): NDArray { return this.bundle.read(name); }

  private mapEntries<T>(f: (e: BundleEntry) => T): Record<string, T> {
    const out: Record<string, T> = {};
    for (const [k, e] of this.bundle.entries) out[k] = f(e);
    return out;
  }
}

/**
 * `tf.train.loadCheckpoint(prefixOrDir)`: a reader of a checkpoint, given its prefix or a folder with a state file
 * (its latest checkpoint).
 */
export function loadCheckpoint(prefixOrDir: string): CheckpointReader {
  let prefix = prefixOrDir;
  if (!fs.existsSync(indexFile(prefix)) && fs.existsSync(prefix) && fs.statSync(prefix).isDirectory()) {
    const latest = latestCheckpointIn(prefix);
    if (latest === null) throw new NotFoundError(`No checkpoint found in ${prefix} (no state file '${STATE_FILENAME}' naming an existing checkpoint)`);
    prefix = latest;
  }
  return new CheckpointReader(prefix);
}

