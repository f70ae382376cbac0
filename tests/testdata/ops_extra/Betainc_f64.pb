
0
in0Placeholder*
shape:*
dtype0
0
in1Placeholder*
shape:*
dtype0
0
in2Placeholder*
shape:*
dtype0
%
opBetaincin0in1in2*
T0"ª