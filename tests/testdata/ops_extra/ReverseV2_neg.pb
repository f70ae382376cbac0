
4
in0Placeholder*
shape
:*
dtype0
:
in1Const*
dtype0*
valueB:
ÿÿÿÿÿÿÿÿÿ
.
op	ReverseV2in0in1*
T0*

Tidx0"ª