// The global step (TF1's `tf.train.get_or_create_global_step`): an int64 scalar variable `global_step`, non-trainable,
// in the GLOBAL_STEP collection, that `applyGradients({globalStep})` increments once per training step.
import { isInt } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, Graph, GraphKeys } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Variable, variable } from '../ops/values.js';

/** Runs `fn` in `graph` at the top name scope, outside any control-dependency scope (TF's `ops.init_scope`). */
export function inInitScope<T>(graph: Graph, fn: () => T): T {
  return graph.asDefault(() => graph.withControlDependencies(null, () => graph.withNameScope('', fn)));
}

/** The global step of `graph` (default: the default graph), or null when it has none. */
export function getGlobalStep(graph: Graph = getDefaultGraph()): Variable | null {
  const inCollection = graph.getCollection<Variable>(GraphKeys.GLOBAL_STEP);
  if (inCollection.length > 1) throw new InvalidArgumentError(`Multiple tensors in the '${GraphKeys.GLOBAL_STEP}' collection`);
  let step: unknown = inCollection[0];
  if (step === undefined) {
    if (!graph.hasOperation('global_step')) return null;
    step = graph.getTensorByName('global_step:0');
  }
  assertGlobalStep(step);
  return step;
}

/** Creates the global step of `graph`; an error if it already has one. */
export function createGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  if (getGlobalStep(graph) !== null) throw new InvalidArgumentError('"global_step" already exists.');
  return inInitScope(graph, () => {
    const step = variable(new NDArray('int64', [], new Float64Array(1)), { name: GraphKeys.GLOBAL_STEP, trainable: false });
    graph.addToCollection(GraphKeys.GLOBAL_STEP, step);
    return step;
  });
}

export function getOrCreateGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  return getGlobalStep(graph) ?? createGlobalStep(graph);
}

/** TF's `assert_global_step`: an integer scalar variable. */
export function assertGlobalStep(step: unknown): asserts step is Variable {
  if (!(step instanceof Variable)) {
    throw new InvalidArgumentError(`Existing "global_step" must be a Variable, got ${String(step)}`);
  }
  if (!isInt(step.dtype)) throw new InvalidArgumentError(`Existing "global_step" '${step.name}' does not have an integer type: ${step.dtype}`);
  if (step.shape === null || step.shape.length !== 0) throw new InvalidArgumentError(`Existing "global_step" '${step.name}' is not a scalar`);
}
