
4
in0Placeholder*
shape
:*
dtype0
:
in1Const*
valueB:
ÿÿÿÿÿÿÿÿÿ*
dtype0
.
op	ReverseV2in0in1*

Tidx0*
T0"ª