
4
in0Placeholder*
dtype0*
shape
:

op
MatrixDiagin0*
T0"ª