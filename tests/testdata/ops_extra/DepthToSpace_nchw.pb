
<
in0Placeholder*
shape:*
dtype0
I
opDepthToSpacein0*

block_size*
data_formatNCHW*
T0"ª