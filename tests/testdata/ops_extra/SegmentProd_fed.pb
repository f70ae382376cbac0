
0
in0Placeholder*
shape:*
dtype0
0
in1Placeholder*
shape:*
dtype0
4
opSegmentProdin0in1*
Tindices0*
T0"ª