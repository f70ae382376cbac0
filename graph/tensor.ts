// Symbolic handles. A Tensor is one output of an Operation (TF's `node:index`); building them computes nothing.
import type { DType } from './dtypes.js';
import type { NDArray } from './ndarray.js';
import type { Graph } from './graph.js';
import { formatShape, Shape } from './shape.js';

/** Attribute values, kept as plain JS values; each op's declaration says which TF attr type each one is. */
export type AttrValue = number | boolean | string | DType | Shape | number[] | string[] | DType[] | NDArray | null;
export type Attrs = Record<string, AttrValue>;

let nextId = 0;

export class Operation {
  readonly id = nextId++;
  readonly outputs: Tensor[] = [];
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly type: string,
    readonly inputs: readonly Tensor[],
    readonly controlInputs: readonly Operation[],
    readonly attrs: Readonly<Attrs>,
  ) {}

  /** The op's single output; throws for ops with zero or several. */
  get output(): Tensor {
    if (this.outputs.length !== 1) throw new Error(`Operation '${this.name}' has ${this.outputs.length} outputs`);
    return this.outputs[0];
  }

  toString(): string { return `Operation(name='${this.name}', type=${this.type})`; }
}

export class Tensor {
  readonly id = nextId++;
  constructor(
    readonly op: Operation,
    readonly index: number,
    readonly dtype: DType,
    /** Static shape: numbers, `null` for an unknown dim; `null` itself for an unknown rank. */
    readonly shape: Shape,
  ) {}

  /** `node:index`, as in TensorFlow. */
  get name(): string { return `${this.op.name}:${this.index}`; }
  get graph(): Graph { return this.op.graph; }
  get rank(): number | null { return this.shape === null ? null : this.shape.length; }

  toString(): string { return `Tensor("${this.name}", shape=${formatShape(this.shape)}, dtype=${this.dtype})`; }
}
