
0
in0Placeholder*
shape:*
dtype0
3
opUniqueWithCountsin0*
out_idx0	*
T0"ª