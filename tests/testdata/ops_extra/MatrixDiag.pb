
4
in0Placeholder*
shape
:*
dtype0

op
MatrixDiagin0*
T0"ª