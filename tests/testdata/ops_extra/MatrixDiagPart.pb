
8
in0Placeholder*
shape:*
dtype0
"
opMatrixDiagPartin0*
T0"ª