#!/usr/bin/env python3
"""How alike two recordings are, for a lossy codec's pages (opus): where the
reference (mono s16le raw) sits in the other recording (mono s16le raw), by
FFT cross-correlation, and the normalised correlation of the two at that lag
(1.0: the same waveform; speech through opus at 32 kbit/s gives about 0.9).

usage: likeness.py REF.raw OTHER.raw  ->  "lag SAMPLES correlation R"
       likeness.py --windows RATE REF.raw OTHER.raw
           ->  "lag SAMPLES correlation R windows W"
With --windows, W is also the median over the reference's 0.5 s windows that
hold sound of each window's own best correlation within 0.1 s of the lag: a
device that underran once (a gap that shifts what follows) still reads high
where it played the right sound, and a wrong sound reads low everywhere.
"""
import sys

import numpy as np


def load(path):
    return np.fromfile(path, dtype="<i2").astype(np.float64)


def windows(ref, other, lag, rate):
    """Median of each loud 0.5 s window's best correlation within 0.1 s of lag."""
    w, slack = rate // 2, rate // 10
    loud = np.sqrt(np.mean(ref ** 2)) * 0.25
    best = []
    for start in range(0, len(ref) - w + 1, w):
        win = ref[start: start + w]
        if np.sqrt(np.mean(win ** 2)) < loud:
            continue
        top = 0.0
        for shift in range(-slack, slack + 1, 4):
            at = lag + start + shift
            if at < 0 or at + w > len(other):
                continue
            seg = other[at: at + w]
            den = np.sqrt(np.dot(win, win) * np.dot(seg, seg))
            if den > 0:
                top = max(top, float(np.dot(win, seg) / den))
        best.append(top)
    return float(np.median(best)) if best else 0.0


def main():
    args = sys.argv[1:]
    rate = 0
    if args and args[0] == "--windows":
        rate, args = int(args[1]), args[2:]
    if len(args) != 2:
        sys.exit(__doc__)
    ref, other = load(args[0]), load(args[1])
    if len(ref) == 0 or len(other) < len(ref):
        print("lag none correlation 0" + (" windows 0" if rate else ""))
        return
    n = 1
    while n < len(ref) + len(other):
        n *= 2
    xc = np.fft.irfft(np.fft.rfft(other, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(xc[: len(other) - len(ref) + 1]))
    seg = other[lag: lag + len(ref)]
    den = np.sqrt(np.dot(ref, ref) * np.dot(seg, seg))
    r = float(np.dot(ref, seg) / den) if den > 0 else 0.0
    if rate:
        print(f"lag {lag} correlation {r:.4f} windows {windows(ref, other, lag, rate):.4f}")
    else:
        print(f"lag {lag} correlation {r:.4f}")


if __name__ == "__main__":
    main()
