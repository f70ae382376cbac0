
<
in0Placeholder*
shape:*
dtype0
I
opSpaceToDepthin0*

block_size*
T0*
data_formatNHWC"ª