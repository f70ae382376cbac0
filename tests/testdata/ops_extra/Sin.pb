
4
in0Placeholder*
dtype0*
shape
:

opSinin0*
T0"ª