// `tf.savedModel`: TF1 SavedModels. `load` reads `saved_model.pb`, imports the MetaGraphDef whose tags match (every
// node, known or not: serving graphs hold ParseExample, string and saver ops that a prediction never runs), restores
// the variables from `variables/variables` and returns the signatures by tensor name. `save` is TF1's `simple_save`.
//
// TF restores through the saver_def's restore op (RestoreV2 reading a string filename); Kiln has no string tensors, so
// it reads the checkpoint itself and assigns every variable of the `variables` collection (or every VariableV2 node)
// that the checkpoint holds, in one run.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError, UnimplementedError } from '../graph/errors.js';
import { Graph, GraphKeys } from '../graph/graph.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { Variable } from '../ops/values.js';
import { tensorflow } from '../proto/generated/tf.js';
import { ExecutorName, Session } from '../session/session.js';
import { Saver } from '../train/saver.js';
import { BundleReader, indexFile } from './checkpoint/bundle.js';
import { buildMetaGraphDef, importMetaGraphInto, rebuildVariable } from './meta_graph.js';
import { decodeMessageFile, writeFileAtomic } from './io.js';
import { dtypeToEnum, shapeToProto } from './tensor_proto.js';

export const SERVING = 'serve';
export const TRAINING = 'train';
export const DEFAULT_SERVING_SIGNATURE_DEF_KEY = 'serving_default';
export const PREDICT_METHOD_NAME = 'tensorflow/serving/predict';

export interface Signature {
  /** Input key -> tensor name ('x:0'). */
  inputs: Record<string, string>;
  /** Output key -> tensor name. */
  outputs: Record<string, string>;
  methodName: string;
}

export interface LoadOptions {
  /** The MetaGraphDef's tags (as a set); default ['serve']. */
  tags?: readonly string[];
  executor?: ExecutorName;
}

export interface LoadedModel {
  graph: Graph;
  session: Session;
  signatures: Record<string, Signature>;
  metaGraphDef: tensorflow.IMetaGraphDef;
}

/** Reads `dir/saved_model.pb` (or `.pbtxt`). */
export async function readSavedModel(dir: string): Promise<tensorflow.SavedModel> {
  const pb = path.join(dir, 'saved_model.pb');
  const pbtxt = path.join(dir, 'saved_model.pbtxt');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(pb);
  } catch {
    try {
      bytes = await fs.readFile(pbtxt);
    } catch {
      throw new NotFoundError(`SavedModel file does not exist at: ${dir}/{saved_model.pbtxt|saved_model.pb}`);
    }
  }
  return decodeMessageFile(tensorflow.SavedModel, 'SavedModel', bytes, dir);
}

/** TF1's `tf.saved_model.loader.load`, returning a new graph, a session with the variables restored, and the signatures. */
export async function load(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const sm = await readSavedModel(dir);
  const tags = [...new Set(opts.tags ?? [SERVING])].sort();
  const mgd = sm.meta_graphs.find((m) => {
    const t = [...new Set(m.meta_info_def?.tags ?? [])].sort();
    return t.length === tags.length && t.every((x, i) => x === tags[i]);
  });
  if (mgd === undefined) {
    const have = sm.meta_graphs.map((m) => `[${(m.meta_info_def?.tags ?? []).join(', ')}]`).join(' ');
    throw new NotFoundError(`${dir}: no MetaGraphDef with tags [${tags.join(', ')}] (it has ${have || 'none'})`);
  }
  const graph = new Graph();
  importMetaGraphInto(graph, mgd);
  const variables = graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES).filter((v) => v instanceof Variable);
  if (variables.length === 0) {
    for (const op of graph.getOperations()) {
      if (op.type !== 'VariableV2') continue;
      const v = rebuildVariable(graph, op.name);
      if (v !== null) variables.push(v);
    }
  }
  const session = await Session.create({ graph, executor: opts.executor });
  try {
    await restoreVariables(session, variables, path.join(dir, 'variables', 'variables'));
    await runMainOp(session, graph, mgd);
  } catch (e) {
    await session.close();
    throw e;
  }
  return { graph, session, signatures: signaturesOf(mgd), metaGraphDef: mgd };
}

/** Assigns each variable its value in the checkpoint `prefix`, when the checkpoint holds it; one run. */
async function restoreVariables(session: Session, variables: Variable[], prefix: string): Promise<void> {
  if (variables.length === 0) return;
  let reader: BundleReader;
  try {
    await fs.access(indexFile(prefix));
    reader = BundleReader.open(prefix);
  } catch {
    return; // A SavedModel without variables (TF writes none when the graph has none).
  }
  const present = variables.filter((v) => reader.has(v.op.name));
  if (present.length === 0) return;
  const saver = new Saver({ varList: present, maxToKeep: null, name: 'saved_model_restore' });
  await saver.restore(session, prefix);
}

/** Runs the main op (or legacy init op) when Kiln can run it; TF's serving ones often assign string variables. */
async function runMainOp(session: Session, graph: Graph, mgd: tensorflow.IMetaGraphDef): Promise<void> {
  for (const key of ['saved_model_main_op', 'legacy_init_op']) {
    const ops = graph.getCollection<Operation | Tensor>(key).map((x) => (x instanceof Tensor ? x.op : x));
    if (ops.length === 0 || !mgd.collection_def?.[key]) continue;
    if (!ops.every((op) => runnable(graph, op))) return;
    try {
      await session.run(ops);
    } catch (e) {
      // The webgpu executor holds no string tensors, which is all these ops usually write.
      if (!(e instanceof UnimplementedError)) throw e;
    }
    return;
  }
}

function runnable(graph: Graph, root: Operation): boolean {
  const seen = new Set<Operation>();
  const stack = [root];
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (graph.opaqueReason(op) !== undefined) return false;
    for (const t of op.inputs) if (t !== undefined) stack.push(t.op);
    stack.push(...op.controlInputs);
  }
  return true;
}

function signaturesOf(mgd: tensorflow.IMetaGraphDef): Record<string, Signature> {
  const out: Record<string, Signature> = {};
  const names = (m: Record<string, tensorflow.ITensorInfo> | null | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(m ?? {}).map(([k, info]) => [k, info.name ?? '']));
  for (const [key, sig] of Object.entries(mgd.signature_def ?? {})) {
    out[key] = { inputs: names(sig.inputs), outputs: names(sig.outputs), methodName: sig.method_name ?? '' };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

export interface SimpleSaveOptions {
  /** Input key -> tensor, as TF's simple_save. */
  inputs: Record<string, Tensor>;
  /** Output key -> tensor. */
  outputs: Record<string, Tensor>;
  /** Default ['serve']. */
  tags?: readonly string[];
  /** Default 'serving_default'. */
  signatureKey?: string;
}

/**
 * TF1's `tf.saved_model.simple_save`: writes `dir/saved_model.pb` (one MetaGraphDef tagged 'serve' with a predict
 * signature) and `dir/variables/variables` (a V2 checkpoint of the global variables). `dir` must not exist yet, as
 * TF requires.
 */
export async function save(sess: Session, dir: string, opts: SimpleSaveOptions): Promise<void> {
  if (await fs.stat(dir).then(() => true, () => false)) throw new InvalidArgumentError(`Export directory already exists, and isn't empty: ${dir}`);
  const graph = sess.graph;
  const tensorInfo = (t: Tensor): tensorflow.ITensorInfo => {
    if (t.graph !== graph) throw new InvalidArgumentError(`savedModel.save: '${t.name}' is not in the session's graph`);
    return ({ name: t.name, dtype: dtypeToEnum(t.dtype), tensor_shape: shapeToProto(t.shape) });
  };
  const signature: tensorflow.ISignatureDef = {
    inputs: Object.fromEntries(Object.entries(opts.inputs).map(([k, t]) => [k, tensorInfo(t)])),
    outputs: Object.fromEntries(Object.entries(opts.outputs).map(([k, t]) => [k, tensorInfo(t)])),
    method_name: PREDICT_METHOD_NAME,
  };
  await fs.mkdir(path.join(dir, 'variables'), { recursive: true });
  const variables = graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES).filter((v) => v instanceof Variable);
  let saver: Saver | undefined;
  if (variables.length > 0) {
    saver = new Saver({ varList: variables, maxToKeep: null });
    await saver.save(sess, path.join(dir, 'variables', 'variables'), { writeState: false });
  }
  const mgd = buildMetaGraphDef({ graph, saver, tags: opts.tags ?? [SERVING] });
  mgd.signature_def = { [opts.signatureKey ?? DEFAULT_SERVING_SIGNATURE_DEF_KEY]: tensorflow.SignatureDef.fromObject(signature) };
  const sm = tensorflow.SavedModel.create({ saved_model_schema_version: 1, meta_graphs: [mgd] });
  await writeFileAtomic(path.join(dir, 'saved_model.pb'), tensorflow.SavedModel.encode(sm).finish());
}
