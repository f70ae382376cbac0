// `tf.graphUtil`: TF1's `tf.graph_util` on GraphDef messages. `extractSubGraph` keeps what some nodes need;
// `convertVariablesToConstants` freezes a model: the subgraph the outputs need, with each variable replaced by a Const
// holding its value in a session (its `read` Identity stays; Assigns and initializers fall away, nothing needs them).
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { tensorflow } from '../proto/generated/tf.js';
import type { Session } from '../session/session.js';
import { tensorToProto } from './tensor_proto.js';

const VARIABLE_OPS = new Set(['Variable', 'VariableV2']);

/** 'x:1' / '^x' / 'x' -> 'x'. */
function nodeName(input: string): string {
  return (input.startsWith('^') ? input.slice(1) : input).replace(/:\d+$/, '');
}

/**
 * TF's `extract_sub_graph`: the nodes `destNodes` reach through data and control inputs, in the GraphDef's order,
 * with its versions and function library.
 */
export function extractSubGraph(graphDef: tensorflow.IGraphDef, destNodes: readonly string[]): tensorflow.GraphDef {
  if (typeof destNodes === 'string') throw new InvalidArgumentError('extractSubGraph: destNodes must be a list of node names');
  const nodes = graphDef.node ?? [];
  const byName = new Map<string, tensorflow.INodeDef>();
  for (const n of nodes) byName.set(n.name ?? '', n);
  for (const d of destNodes) {
    if (!byName.has(nodeName(d))) throw new InvalidArgumentError(`${d} is not in graph`);
  }
  const keep = new Set<string>();
  const stack = destNodes.map(nodeName);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const i of byName.get(name)?.input ?? []) stack.push(nodeName(i));
  }
  return tensorflow.GraphDef.create({
    node: nodes.filter((n) => keep.has(n.name ?? '')).map((n) => tensorflow.NodeDef.fromObject(tensorflow.NodeDef.toObject(n as tensorflow.NodeDef))),
    versions: graphDef.versions ?? undefined,
    library: graphDef.library ?? undefined,
  });
}

export interface ConvertVariablesOptions {
  /** Only these variables (node names) become constants. */
  variableNamesWhitelist?: readonly string[];
  /** These variables stay variables. */
  variableNamesBlacklist?: readonly string[];
}

/**
 * TF1's `tf.graph_util.convert_variables_to_constants`: the subgraph `outputNames` need, with every (allowed)
 * VariableV2 replaced by a Const of its value in `sess`. Returns the frozen GraphDef.
 */
export async function convertVariablesToConstants(
  sess: Session, graphDef: tensorflow.IGraphDef, outputNames: readonly string[], opts: ConvertVariablesOptions = {},
): Promise<tensorflow.GraphDef> {
  const sub = extractSubGraph(graphDef, outputNames);
  const allow = opts.variableNamesWhitelist ? new Set(opts.variableNamesWhitelist) : null;
  const deny = new Set(opts.variableNamesBlacklist ?? []);
  const frozen = sub.node.filter((n) => VARIABLE_OPS.has(n.op ?? '') && (allow === null || allow.has(n.name ?? '')) && !deny.has(n.name ?? ''));
  const values = frozen.length === 0 ? [] : await sess.run(frozen.map((n) => `${n.name}:0`)) as NDArray[];
  const valueOf = new Map(frozen.map((n, i) => [n.name ?? '', values[i]]));
  sub.node = sub.node.map((n) => {
    const v = valueOf.get(n.name ?? '');
    if (v === undefined) return n;
    return tensorflow.NodeDef.create({
      name: n.name,
      op: 'Const',
      device: n.device,
      attr: { dtype: n.attr?.dtype ?? { type: tensorToProto(v).dtype }, value: { tensor: tensorToProto(v) } },
    });
  });
  return sub;
}
