
4
in0Placeholder*
shape
:*
dtype0
0
in1Placeholder*
shape:*
dtype0
?
opDynamicPartitionin0in1*
num_partitions*
T0"ª