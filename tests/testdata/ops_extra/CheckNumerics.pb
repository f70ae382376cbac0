
4
in0Placeholder*
dtype0*
shape
:
2
opCheckNumericsin0*
T0*
messageok"ª