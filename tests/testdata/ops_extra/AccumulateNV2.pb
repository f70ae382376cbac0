
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
in2Placeholder*
dtype0*
shape
:
I
opAccumulateNV2in0in1in2*
shape
:*
T0*
N"ª