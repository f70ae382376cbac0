
4
in0Placeholder*
shape
:*
dtype0
2
opCheckNumericsin0*
messageok*
T0"ª