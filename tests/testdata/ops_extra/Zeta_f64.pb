
0
in0Placeholder*
shape:*
dtype0
0
in1Placeholder*
shape:*
dtype0

opZetain0in1*
T0"ª