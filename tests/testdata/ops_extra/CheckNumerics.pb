
4
in0Placeholder*
dtype0*
shape
:
2
opCheckNumericsin0*
messageok*
T0"ª