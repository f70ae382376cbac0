// Arrays: shape manipulation, slicing, joining, gathering (TF's array_ops).
export {};
