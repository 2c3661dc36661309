#!/usr/bin/env python3
"""How alike two recordings are, for a lossy codec's pages (opus): where the
reference (mono s16le raw) sits in the other recording (mono s16le raw), by
FFT cross-correlation, and the normalised correlation of the two at that lag
(1.0: the same waveform; speech through opus at 32 kbit/s gives about 0.9).

usage: likeness.py REF.raw OTHER.raw  ->  "lag SAMPLES correlation R"
"""
import sys

import numpy as np


def load(path):
    return np.fromfile(path, dtype="<i2").astype(np.float64)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ref, other = load(sys.argv[1]), load(sys.argv[2])
    if len(ref) == 0 or len(other) < len(ref):
        print("lag none correlation 0")
        return
    n = 1
    while n < len(ref) + len(other):
        n *= 2
    xc = np.fft.irfft(np.fft.rfft(other, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(xc[: len(other) - len(ref) + 1]))
    seg = other[lag: lag + len(ref)]
    den = np.sqrt(np.dot(ref, ref) * np.dot(seg, seg))
    r = float(np.dot(ref, seg) / den) if den > 0 else 0.0
    print(f"lag {lag} correlation {r:.4f}")


if __name__ == "__main__":
    main()
