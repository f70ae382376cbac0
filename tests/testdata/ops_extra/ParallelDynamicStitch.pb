
0
in0Placeholder*
shape:*
dtype0
0
in1Placeholder*
shape:*
dtype0
0
in2Placeholder*
shape:*
dtype0
0
in3Placeholder*
shape:*
dtype0
A
opParallelDynamicStitchin0in1in2in3*
N*
T0"ª