
<
in0Placeholder*
shape:*
dtype0
I
opDepthToSpacein0*

block_size*
T0*
data_formatNCHW"ª