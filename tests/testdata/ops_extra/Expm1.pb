
0
in0Placeholder*
dtype0*
shape:

opExpm1in0*
T0"ª