// Static shapes: an array of dims with `null` for an unknown dim, or `null` for an unknown rank (a Placeholder
// created without a shape). Concrete shapes (of values) are plain number[].

export type Dim = number | null;
export type Shape = Dim[] | null;

export function formatShape(s: Shape | readonly number[]): string {
  if (s === null) return '<unknown>';
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function isFullyDefined(s: Shape): s is number[] {
  return s !== null && s.every((d) => d !== null);
}

/** Whether a concrete shape is an instance of a static one. */
export function shapeMatches(staticShape: Shape, concrete: readonly number[]): boolean {
  if (staticShape === null) return true;
  if (staticShape.length !== concrete.length) return false;
  return staticShape.every((d, i) => d === null || d === concrete[i]);
}

/** Merges two dims known to describe the same axis; returns undefined when they conflict. */
export function mergeDim(a: Dim, b: Dim): Dim | undefined {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return undefined;
}

/**
 * numpy broadcasting of static shapes. Returns undefined when the shapes can never broadcast.
 * An unknown dim against 1 stays unknown; against n > 1 it must be n (or 1) at run time, so the result is n.
 */
export function broadcastStatic(a: Shape, b: Shape): Shape | undefined {
  if (a === null || b === null) return null;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === 1) out[i] = db;
    else if (db === 1) out[i] = da;
    else if (da === null) out[i] = db;
    else if (db === null) out[i] = da;
    else if (da === db) out[i] = da;
    else return undefined;
  }
  return out;
}

/** numpy broadcasting of concrete shapes; undefined when incompatible. */
export function broadcastConcrete(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = broadcastStatic(a as Dim[], b as Dim[]);
  return r === undefined ? undefined : (r as number[]);
}

/** Normalises a possibly negative axis against a rank; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) return undefined;
  return axis < 0 ? axis + rank : axis;
}
