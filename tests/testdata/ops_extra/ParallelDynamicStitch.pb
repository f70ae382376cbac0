
0
in0Placeholder*
dtype0*
shape:
0
in1Placeholder*
dtype0*
shape:
0
in2Placeholder*
dtype0*
shape:
0
in3Placeholder*
dtype0*
shape:
A
opParallelDynamicStitchin0in1in2in3*
T0*
N"ª