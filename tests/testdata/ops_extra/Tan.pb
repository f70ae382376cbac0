
4
in0Placeholder*
dtype0*
shape
:

opTanin0*
T0"ª