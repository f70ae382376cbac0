
0
in0Placeholder*
shape:*
dtype0

opRintin0*
T0"ª