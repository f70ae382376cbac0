// MetaGraphDef: `tf.train.exportMetaGraph` writes a graph with its collections and its Saver's SaverDef (TF's `.meta`
// file); `tf.train.importMetaGraph` imports one into the default graph with TF1's semantics (names unchanged,
// collections restored, Variable objects rebuilt) and returns a Saver. With `saver.restore` this resumes training from
// files alone: the train op comes back through `tf.getCollection('train_op')`.
import { promises as fs } from 'node:fs';
import { InvalidArgumentError, KilnError, NotFoundError } from '../graph/errors.js';
import { getDefaultGraph, Graph, GraphKeys } from '../graph/graph.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { Variable } from '../ops/values.js';
import { tensorflow } from '../proto/generated/tf.js';
import { Saver } from '../train/saver.js';
import type { SaverDefInfo } from '../train/saver.js';
import { importGraphDef } from './graphdef.js';
import { dtypeToEnum } from './tensor_proto.js';
import { decodeMessageFile, writeFileAtomic } from './io.js';

/** The TensorFlow version Kiln's files claim: the 1.x release whose formats and op set Kiln follows. */
export const TENSORFLOW_VERSION = '1.15.0';
export const TENSORFLOW_GIT_VERSION = 'kiln';

/** Collections whose items TF writes as VariableDef protos (TF's `register_proto_function` in variables.py). */
export const VARIABLE_COLLECTIONS: ReadonlySet<string> = new Set([
  GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES, GraphKeys.LOCAL_VARIABLES, GraphKeys.GLOBAL_STEP,
  'model_variables', 'moving_average_variables', 'metric_variables',
]);

export interface ExportMetaGraphOptions {
  /** Default: the default graph. */
  graph?: Graph;
  /** The Saver whose SaverDef to write; default: a Kiln Saver found in the graph (its `save/restore_all`), if any. */
  saver?: Saver;
  /** A SaverDef to write as is (overrides `saver`). */
  saverDef?: tensorflow.ISaverDef | SaverDefInfo;
  /** The collections to write; default all of the graph's. */
  collectionList?: readonly string[];
  /** Text format; default: when the path ends in `.pbtxt` or `.txt`. */
  asText?: boolean;
  /** meta_info_def.tags (SavedModel tags). */
  tags?: readonly string[];
}

export interface ImportMetaGraphOptions {
  /** Prefix for every imported name (TF's import_scope); default none: names unchanged. */
  importScope?: string;
  /** Drop the nodes' device fields. */
  clearDevices?: boolean;
  /** Default: the default graph. */
  graph?: Graph;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/**
 * TF1's `tf.train.export_meta_graph`: the graph, its collections and a SaverDef as a MetaGraphDef message; written to
 * `path` (atomically, binary unless text is asked for) when one is given.
 */
export async function exportMetaGraph(path?: string, opts: ExportMetaGraphOptions = {}): Promise<tensorflow.MetaGraphDef> {
  const mgd = buildMetaGraphDef(opts);
  if (path !== undefined) {
    const asText = opts.asText ?? /\.(pbtxt|txt)$/i.test(path);
    if (asText) {
      const { toTextFormat } = await import('./text_format.js');
      await writeFileAtomic(path, toTextFormat(tensorflow.MetaGraphDef, mgd));
    } else {
      await writeFileAtomic(path, tensorflow.MetaGraphDef.encode(mgd).finish());
    }
  }
  return mgd;
}

/** The MetaGraphDef message of `exportMetaGraph`, without writing it. */
export function buildMetaGraphDef(opts: ExportMetaGraphOptions = {}): tensorflow.MetaGraphDef {
  const graph = opts.graph ?? opts.saver?.graph ?? getDefaultGraph();
  const saverDef = opts.saverDef ?? opts.saver?.saverDef() ?? findSaverDef(graph);
  const collectionDef: Record<string, tensorflow.ICollectionDef> = {};
  for (const key of opts.collectionList ?? graph.getAllCollectionKeys()) {
    const c = collectionToProto(key, graph.getCollection(key));
    if (c !== null) collectionDef[key] = c;
  }
  const graphDef = graph.toGraphDef();
  let tfSaverDef = saverDef;
  if (saverDef !== null && opts.saverDef === undefined) {
    // The saver_def TensorFlow follows must name a string filename tensor, SaveV2 and RestoreV2: Kiln has no string
    // tensors, so its own Saver works through placeholders. The file gets TF's saver subgraph (nodes Kiln imports as
    // opaque and never runs), so TF's import_meta_graph(...).restore(sess, prefix) works on what Kiln wrote.
    const vars = opts.saver !== undefined ? [...opts.saver.variables.entries()] : graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES).map((v) => [v.op.name, v] as [string, Tensor]);
    const scope = freshScopeIn(graphDef, 'save_tf');
    graphDef.node.push(...tfSaverNodes(scope, vars).map((n) => tensorflow.NodeDef.fromObject(n)));
    tfSaverDef = { ...saverDef, filename_tensor_name: `${scope}/Const:0`, save_tensor_name: `${scope}/control_dependency:0`, restore_op_name: `${scope}/restore_all` };
  }
  return tensorflow.MetaGraphDef.create({
    meta_info_def: {
      tags: [...(opts.tags ?? [])],
      tensorflow_version: TENSORFLOW_VERSION,
      tensorflow_git_version: TENSORFLOW_GIT_VERSION,
    },
    graph_def: graphDef,
    saver_def: tfSaverDef === null ? undefined : tensorflow.SaverDef.fromObject(tfSaverDef),
    collection_def: collectionDef,
  });
}

/** `base`, or `base_1`, `base_2`...: a name scope no node of the GraphDef uses. */
function freshScopeIn(gd: tensorflow.IGraphDef, base: string): string {
  const names = (gd.node ?? []).map((n) => n.name ?? '');
  const used = (s: string): boolean => names.some((n) => n === s || n.startsWith(`${s}/`));
  let scope = base;
  for (let i = 1; used(scope); i++) scope = `${base}_${i}`;
  return scope;
}

/**
 * TF1's tf.train.Saver subgraph (V2 format), as TensorFlow builds it: the filename (a string PlaceholderWithDefault,
 * `Const:0` in the saver_def), SaveV2 of every variable under its checkpoint key with `control_dependency` after it,
 * and RestoreV2 feeding one Assign per variable, grouped in `restore_all`.
 */
function tfSaverNodes(scope: string, vars: ReadonlyArray<[string, Tensor]>): tensorflow.INodeDef[] {
  const sorted = [...vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const enc = new TextEncoder();
  const strings = (values: string[], scalar = false): tensorflow.IAttrValue => ({
    tensor: { dtype: tensorflow.DataType.DT_STRING, tensor_shape: scalar ? {} : { dim: [{ size: values.length }] }, string_val: values.map((v) => enc.encode(v)) },
  });
  const type = (t: tensorflow.DataType): tensorflow.IAttrValue => ({ type: t });
  const dtypes = sorted.map(([, v]) => dtypeToEnum(v.dtype));
  const S = tensorflow.DataType.DT_STRING;
  const nodes: tensorflow.INodeDef[] = [
    { name: `${scope}/filename/input`, op: 'Const', attr: { dtype: type(S), value: strings(['model'], true) } },
    { name: `${scope}/filename`, op: 'PlaceholderWithDefault', input: [`${scope}/filename/input`], attr: { dtype: type(S), shape: { shape: {} } } },
    { name: `${scope}/Const`, op: 'PlaceholderWithDefault', input: [`${scope}/filename`], attr: { dtype: type(S), shape: { shape: {} } } },
    { name: `${scope}/SaveV2/tensor_names`, op: 'Const', attr: { dtype: type(S), value: strings(sorted.map(([k]) => k)) } },
    { name: `${scope}/SaveV2/shape_and_slices`, op: 'Const', attr: { dtype: type(S), value: strings(sorted.map(() => '')) } },
    {
      name: `${scope}/SaveV2`, op: 'SaveV2',
      input: [`${scope}/Const`, `${scope}/SaveV2/tensor_names`, `${scope}/SaveV2/shape_and_slices`, ...sorted.map(([, v]) => v.op.name)],
      attr: { dtypes: { list: { type: dtypes } } },
    },
    { name: `${scope}/control_dependency`, op: 'Identity', input: [`${scope}/Const`, `^${scope}/SaveV2`], attr: { T: type(S) } },
    { name: `${scope}/RestoreV2/tensor_names`, op: 'Const', attr: { dtype: type(S), value: strings(sorted.map(([k]) => k)) } },
    { name: `${scope}/RestoreV2/shape_and_slices`, op: 'Const', attr: { dtype: type(S), value: strings(sorted.map(() => '')) } },
    {
      name: `${scope}/RestoreV2`, op: 'RestoreV2',
      input: [`${scope}/Const`, `${scope}/RestoreV2/tensor_names`, `${scope}/RestoreV2/shape_and_slices`],
      attr: { dtypes: { list: { type: dtypes } } },
    },
  ];
  const assigns = sorted.map(([, v], i) => {
    const name = `${scope}/Assign${i === 0 ? '' : `_${i}`}`;
    nodes.push({
      name, op: 'Assign', input: [v.op.name, `${scope}/RestoreV2${i === 0 ? '' : `:${i}`}`],
      attr: { T: type(dtypeToEnum(v.dtype)), use_locking: { b: true }, validate_shape: { b: true } },
    });
    return `^${name}`;
  });
  nodes.push({ name: `${scope}/restore_all`, op: 'NoOp', input: assigns });
  return nodes;
}

/**
 * The SaverDef of a Kiln Saver built in `graph` (the newest one), found by its ops: `<scope>/restore_all`, a NoOp whose
 * control inputs are Assigns. max_to_keep is not in the graph: TF's default (5) is written.
 */
function findSaverDef(graph: Graph): tensorflow.ISaverDef | null {
  const found = graph.getOperations().filter((op) => op.type === 'NoOp' && /(^|\/)restore_all$/.test(op.name)
    && op.controlInputs.length > 0 && op.controlInputs.every((a) => a.type === 'Assign'));
  if (found.length === 0) return null;
  const scope = found[found.length - 1].name.replace(/\/?restore_all$/, '');
  return {
    filename_tensor_name: `${scope}/Const:0`, save_tensor_name: `${scope}/control_dependency:0`,
    restore_op_name: `${scope}/restore_all`, max_to_keep: 5, sharded: false, keep_checkpoint_every_n_hours: 10000,
    version: tensorflow.SaverDef.CheckpointFormatVersion.V2,
  };
}

/** TF's VariableDef of a Kiln Variable. */
export function variableToProto(v: Variable): tensorflow.VariableDef {
  return tensorflow.VariableDef.create({
    variable_name: v.name,
    initializer_name: v.initializer?.name ?? '',
    snapshot_name: v.value()?.name ?? '',
    initial_value_name: v.initialValue?.name ?? '',
    is_resource: false,
    trainable: v.trainable,
  });
}

/** One collection as TF writes it; null (skipped, as TF does with a warning) for items it cannot write. */
function collectionToProto(key: string, items: unknown[]): tensorflow.ICollectionDef | null {
  if (items.length === 0) return null;
  if (VARIABLE_COLLECTIONS.has(key) && items.every((x) => x instanceof Variable)) {
    return { bytes_list: { value: (items as Variable[]).map((v) => tensorflow.VariableDef.encode(variableToProto(v)).finish()) } };
  }
  if (items.every((x) => x instanceof Tensor || x instanceof Operation)) {
    return { node_list: { value: (items as Array<Tensor | Operation>).map((x) => x.name) } };
  }
  if (items.every((x) => typeof x === 'number' && Number.isInteger(x))) return { int64_list: { value: items as number[] } };
  if (items.every((x) => typeof x === 'number')) return { float_list: { value: items as number[] } };
  if (items.every((x) => typeof x === 'string')) return { bytes_list: { value: (items as string[]).map((s) => new TextEncoder().encode(s)) } };
  if (items.every((x) => x instanceof Uint8Array)) return { bytes_list: { value: items as Uint8Array[] } };
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Reads a MetaGraphDef file, binary or text (told apart by content). Errors name the file. */
/** Runs a protobufjs decode; its errors (truncated or corrupt bytes) become an InvalidArgumentError saying `what`. */
function decodeMessage<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof KilnError) throw e;
    throw new InvalidArgumentError(`${what} (${(e as Error).message})`);
  }
}

export async function readMetaGraphDef(file: string): Promise<tensorflow.MetaGraphDef> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new NotFoundError(`${file}: cannot read MetaGraphDef file (${(e as Error).message})`);
  }
  return decodeMessageFile(tensorflow.MetaGraphDef, 'MetaGraphDef', bytes, file);
}

/**
 * TF1's `tf.train.import_meta_graph`: imports the MetaGraphDef's graph into the default graph (names unchanged unless
 * `importScope`), restores its collections (Variable objects rebuilt, so `tf.trainableVariables()` and
 * `tf.getCollection('train_op')` work) and returns a Saver of its global variables when it has a saver_def, else null.
 *
 * The Saver is Kiln's (TF's saver_def names string/SaveV2/RestoreV2 ops Kiln does not run): it saves and restores the
 * same checkpoint keys (the variables' names), with the saver_def's max_to_keep.
 */
export async function importMetaGraph(
  metaGraphOrPath: string | tensorflow.IMetaGraphDef | Uint8Array, opts: ImportMetaGraphOptions = {},
): Promise<Saver | null> {
  const source = typeof metaGraphOrPath === 'string' ? metaGraphOrPath : 'importMetaGraph';
  const mgd = typeof metaGraphOrPath === 'string' ? await readMetaGraphDef(metaGraphOrPath)
    : decodeMessage(() => metaGraphOrPath instanceof Uint8Array ? tensorflow.MetaGraphDef.decode(metaGraphOrPath)
      : tensorflow.MetaGraphDef.decode(tensorflow.MetaGraphDef.encode(metaGraphOrPath).finish()), 'importMetaGraph: not a MetaGraphDef');
  const graph = opts.graph ?? getDefaultGraph();
  try {
    importMetaGraphInto(graph, mgd, opts);
  } catch (e) {
    if (e instanceof KilnError && typeof metaGraphOrPath === 'string') throw new (e.constructor as new (m: string) => KilnError)(`${source}: ${e.message}`);
    throw e;
  }
  if (mgd.saver_def == null) return null;
  const vars = graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES).filter((v) => v instanceof Variable);
  const scoped = opts.importScope ? vars.filter((v) => v.op.name.startsWith(`${opts.importScope}/`)) : vars;
  if (scoped.length === 0) return null;
  // Checkpoint keys are the names the variables had when saved, without the import scope.
  const strip = (n: string): string => (opts.importScope ? n.slice(opts.importScope.length + 1) : n);
  const varList = Object.fromEntries(scoped.map((v) => [strip(v.op.name), v]));
  // A scope no imported node uses ('save_1' after TF's or Kiln's 'save'), so the Saver's ops and its saverDef() agree.
  return new Saver({ varList, maxToKeep: mgd.saver_def.max_to_keep ?? 5, name: `${freshScope(graph, 'save')}/` });
}

/** `base`, else `base_1`, ...: the first name no node of `graph` is in or under. */
function freshScope(graph: Graph, base: string): string {
  const used = new Set<string>();
  for (const op of graph.getOperations()) {
    const parts = op.name.split('/');
    for (let i = 1; i <= parts.length; i++) used.add(parts.slice(0, i).join('/').toLowerCase());
  }
  let name = base;
  for (let i = 1; used.has(name.toLowerCase()); i++) name = `${base}_${i}`;
  return name;
}

/**
 * Imports `mgd`'s graph into `graph` and restores its collections; the shared core of importMetaGraph and
 * `tf.savedModel.load`.
 */
export function importMetaGraphInto(graph: Graph, mgd: tensorflow.IMetaGraphDef, opts: ImportMetaGraphOptions = {}): void {
  const gd = tensorflow.GraphDef.create(mgd.graph_def ?? {});
  if (opts.clearDevices) for (const n of gd.node) n.device = '';
  const scope = opts.importScope ?? '';
  importGraphDef(gd, { graph, name: scope === '' ? '' : `${scope}/` });
  const full = (name: string): string => (scope === '' ? name : `${scope}/${name}`);

  const variables = new Map<string, Variable>();
  const asVariable = (def: tensorflow.VariableDef): Variable | null => {
    const name = full(def.variable_name);
    const known = variables.get(name);
    if (known !== undefined) return known;
    const v = rebuildVariable(graph, name, {
      initializer: def.initializer_name ? full(def.initializer_name) : undefined,
      snapshot: def.snapshot_name ? full(def.snapshot_name) : undefined,
      initialValue: def.initial_value_name ? full(def.initial_value_name) : undefined,
      trainable: def.trainable,
    });
    if (v !== null) variables.set(name, v);
    return v;
  };
  // The variable collections first: other collections (global_step as a node) then resolve to the Variables.
  const entries = Object.entries(mgd.collection_def ?? {}).sort(([a], [b]) => Number(!VARIABLE_COLLECTIONS.has(a)) - Number(!VARIABLE_COLLECTIONS.has(b)));
  for (const [key, c] of entries) {
    const col = c as tensorflow.CollectionDef;
    if (col.kind === 'bytes_list' && VARIABLE_COLLECTIONS.has(key)) {
      for (const bytes of col.bytes_list!.value ?? []) {
        const v = asVariable(decodeMessage(() => tensorflow.VariableDef.decode(bytes), `collection '${key}': an entry is not a VariableDef`));
        if (v === null) continue;
        if (key === GraphKeys.TRAINABLE_VARIABLES) v.trainable = true;
        graph.addToCollection(key, v);
      }
    } else if (col.kind === 'node_list') {
      for (const n of col.node_list!.value ?? []) {
        const name = full(n);
        if (/:\d+$/.test(name)) graph.addToCollection(key, graph.getTensorByName(name));
        else graph.addToCollection(key, graph.getOperationByName(name));
      }
    } else if (col.kind === 'int64_list') {
      for (const x of col.int64_list!.value ?? []) graph.addToCollection(key, Number(x));
    } else if (col.kind === 'float_list') {
      for (const x of col.float_list!.value ?? []) graph.addToCollection(key, x);
    } else if (col.kind === 'bytes_list') {
      for (const x of col.bytes_list!.value ?? []) graph.addToCollection(key, x);
    }
    // any_list: TF's own protos Kiln has no use for; skipped.
  }
}

/**
 * Turns an imported VariableV2 node back into a Variable (the node's output 0 itself, with its initializer, initial
 * value and `read` snapshot); every consumer of that output is pointed at the Variable. Null when the node is not a
 * VariableV2 Kiln can run (a string variable, a resource variable).
 */
export function rebuildVariable(
  graph: Graph, name: string,
  parts: { initializer?: string; snapshot?: string; initialValue?: string; trainable?: boolean } = {},
): Variable | null {
  const opName = name.replace(/:\d+$/, '');
  if (!graph.hasOperation(opName)) throw new NotFoundError(`variable '${name}' is not a node of the graph`);
  const op = graph.getOperationByName(opName);
  if (op.outputs[0] instanceof Variable) return op.outputs[0];
  if (op.type !== 'VariableV2' || graph.opaqueReason(op) !== undefined) return null;
  const old = op.outputs[0];
  const v = Variable.wrap(op);
  for (const o of graph.getOperations()) {
    const ins = o.inputs as Tensor[];
    for (let i = 0; i < ins.length; i++) if (ins[i] === old) ins[i] = v;
  }
  const consumers = graph.getOperations().filter((o) => o.inputs.includes(v));
  const initializer = parts.initializer !== undefined && graph.hasOperation(parts.initializer)
    ? graph.getOperationByName(parts.initializer)
    : consumers.find((o) => o.type === 'Assign' && o.name === `${opName}/Assign`) ?? consumers.find((o) => o.type === 'Assign');
  const snapshot = parts.snapshot !== undefined ? tensorOrNull(graph, parts.snapshot)
    : consumers.find((o) => o.type === 'Identity' && o.name === `${opName}/read`)?.outputs[0];
  const initialValue = (parts.initialValue !== undefined ? tensorOrNull(graph, parts.initialValue) : null) ?? initializer?.inputs[1];
  // A variable without a read Identity (rare in TF1 graphs) is read directly.
  v.finish(initializer as Operation, initialValue as Tensor, snapshot ?? v, parts.trainable ?? true);
  return v;
}

function tensorOrNull(graph: Graph, name: string): Tensor | null {
  try {
    return graph.getTensorByName(/:\d+$/.test(name) ? name : `${name}:0`);
  } catch {
    return null;
  }
}
