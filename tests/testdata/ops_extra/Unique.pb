
0
in0Placeholder*
shape:*
dtype0
)
opUniquein0*
out_idx0*
T0"ª