# Writes the .npz files tests/data.test.ts reads: numpy's own np.savez (stored entries) and np.savez_compressed
# (deflated), whose zip layout (zip64 extra fields in the local headers) the hand-written archives in the test lack.
# Run: python3 tests/testdata/npz/make.py   (numpy >= 1.17)
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
x = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
labels = np.array([3, 1, 4], dtype=np.int32)
big = np.arange(-5, 5, dtype=np.int64)
mask = np.array([[True, False], [False, True]])
np.savez(os.path.join(here, 'stored.npz'), x=x, labels=labels)
np.savez_compressed(os.path.join(here, 'compressed.npz'), x=x, big=big, mask=mask)
