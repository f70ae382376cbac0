
4
in0Placeholder*
shape
:*
dtype0

opAtanin0*
T0"ª