
4
in0Placeholder*
shape
:*
dtype0

opL2Lossin0*
T0"ª