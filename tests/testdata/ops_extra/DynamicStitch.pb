
0
in0Placeholder*
shape:*
dtype0
4
in1Placeholder*
shape
:*
dtype0
4
in2Placeholder*
shape
:*
dtype0
8
in3Placeholder*
shape:*
dtype0
9
opDynamicStitchin0in1in2in3*
N*
T0"ª