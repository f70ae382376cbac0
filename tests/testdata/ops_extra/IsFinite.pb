
0
in0Placeholder*
shape:*
dtype0

opIsFinitein0*
T0"ª