
4
in0Placeholder*
dtype0*
shape
:
:
in1Const*
dtype0*
valueB:
ÿÿÿÿÿÿÿÿÿ
.
op	ReverseV2in0in1*

Tidx0*
T0"ª