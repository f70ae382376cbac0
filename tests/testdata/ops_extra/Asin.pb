
0
in0Placeholder*
dtype0*
shape:

opAsinin0*
T0"ª