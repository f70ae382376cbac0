
<
in0Placeholder*
shape:*
dtype0
I
opSpaceToDepthin0*
data_formatNHWC*
T0*

block_size"ª