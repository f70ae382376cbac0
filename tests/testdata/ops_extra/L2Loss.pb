
4
in0Placeholder*
dtype0*
shape
:

opL2Lossin0*
T0"ª