
4
in0Placeholder*
dtype0*
shape
:
0
in1Placeholder*
dtype0*
shape:
?
opDynamicPartitionin0in1*
num_partitions*
T0"ª