
4
in0Placeholder*
shape
:*
dtype0
4
in1Placeholder*
shape
:*
dtype0
4
in2Placeholder*
shape
:*
dtype0
I
opAccumulateNV2in0in1in2*
N*
shape
:*
T0"ª