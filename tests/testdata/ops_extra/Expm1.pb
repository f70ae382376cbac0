
0
in0Placeholder*
shape:*
dtype0

opExpm1in0*
T0"ª