
8
in0Placeholder*
shape:*
dtype0
4
in1Placeholder*
shape
:*
dtype0
&
opMatrixSetDiagin0in1*
T0"ª