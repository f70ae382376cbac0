
8
in0Placeholder*
dtype0*
shape:
"
opMatrixDiagPartin0*
T0"ª