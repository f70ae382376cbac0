
<
in0Placeholder*
dtype0*
shape:
I
opSpaceToDepthin0*

block_size*
data_formatNHWC*
T0"ª