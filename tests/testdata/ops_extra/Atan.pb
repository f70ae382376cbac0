
4
in0Placeholder*
dtype0*
shape
:

opAtanin0*
T0"ª