
0
in0Placeholder*
dtype0*
shape:

opAsinhin0*
T0"ª