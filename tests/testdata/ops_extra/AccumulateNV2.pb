
4
in0Placeholder*
dtype0*
shape
:
4
in1Placeholder*
dtype0*
shape
:
4
in2Placeholder*
shape
:*
dtype0
I
opAccumulateNV2in0in1in2*
shape
:*
N*
T0"ª