#!/usr/bin/env python3
"""tests/lib/skew.py -- read start skew off a multi-channel recording of the skew rig.

The skew rig (tests/lib/rig.sh, rig_skew_start) records every speaker on its
own channel of one PulseAudio null sink, so all channels share one clock: the
sink's. This script only reads that recording (raw s16le, interleaved).

    skew.py events RAW NCH [--chans 0,1] [--ref 0] [--threshold N] [--gap-ms MS]
                   [--window-ms MS] [--max-lag-ms MS] [--rate HZ]
        One block per event (a burst of sound on any of the given channels,
        bursts closer than --gap-ms are one event):
            event I START_S
            onset I CH TIME_S            (first sample above threshold)
            silent I CH                  (nothing above threshold on CH)
            skew I CH MS                 (CH minus REF by cross-correlation of
                                          the event's start, sub-sample: > 0 =
                                          CH later; CH == REF is omitted)
    skew.py mark RAW NCH MARKCH PAGE_RAW [--chans 1,2] [--within S] ...
        Where the samples of PAGE_RAW (mono s16le: what the console captured)
        sit on channel MARKCH (the console's microphone, recorded beside the
        speakers), and when each speaker channel started playing them (looked
        for within S seconds of the capture's end, 10 by default):
            captured_end S               (just after the capture's last sample)
            latency CH MS                (from there to CH's first page sample,
                                          or "none")
    skew.py stats [--abs]               (numbers on stdin, one a line)
            n N median M worst W         (worst = largest |x| with --abs)

numpy does the arithmetic (Debian's python3-numpy; scripts/deps.sh --test).
"""

import argparse
import sys

import numpy as np


def load(path, nch):
    """The recording as an int16 array of shape (frames, nch)."""
    data = np.fromfile(path, dtype="<i2")
    frames = len(data) // nch
    return data[: frames * nch].reshape(frames, nch).astype(np.float64)


def lag_by_xcorr(ref, sig, max_lag):
    """Lag of sig behind ref in samples (sub-sample, parabolic peak), within
    +-max_lag. Both are the same length."""
    n = len(ref)
    size = 1
    while size < 2 * n:
        size *= 2
    fr = np.fft.rfft(ref - ref.mean(), size)
    fs = np.fft.rfft(sig - sig.mean(), size)
    cc = np.fft.irfft(fs * np.conj(fr), size)
    # cc[k] = sum sig[i+k] ref[i]: k >= 0 at the start, negative k wrap round.
    lags = np.concatenate((cc[size - max_lag:], cc[: max_lag + 1]))
    k = int(np.argmax(lags))
    frac = 0.0
    if 0 < k < len(lags) - 1:
        a, b, c = lags[k - 1], lags[k], lags[k + 1]
        den = a - 2 * b + c
        if den != 0:
            frac = 0.5 * (a - c) / den
    return k - max_lag + frac


def find_events(x, chans, thr, gap):
    """(start, end) sample ranges where any of chans is above thr, bursts
    closer than gap samples merged."""
    loud = np.zeros(len(x), dtype=bool)
    for c in chans:
        loud |= np.abs(x[:, c]) > thr
    idx = np.flatnonzero(loud)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]]))
    return list(zip(starts.tolist(), ends.tolist()))


def cmd_events(a):
    x = load(a.raw, a.nch)
    chans = [int(c) for c in a.chans.split(",")] if a.chans else list(range(a.nch))
    rate = a.rate
    gap = int(a.gap_ms * rate / 1000)
    win = int(a.window_ms * rate / 1000)
    max_lag = int(a.max_lag_ms * rate / 1000)
    for i, (s, e) in enumerate(find_events(x, chans, a.threshold, gap), 1):
        print("event %d %.6f" % (i, s / rate))
        seg = slice(s, e + 1)
        onsets = {}
        for c in chans:
            above = np.flatnonzero(np.abs(x[seg, c]) > a.threshold)
            if len(above) == 0:
                print("silent %d %d" % (i, c))
            else:
                onsets[c] = s + int(above[0])
                print("onset %d %d %.6f" % (i, c, onsets[c] / rate))
        if a.ref not in onsets:
            continue
        # The window: from a little before the event to win after it, wide
        # enough on both sides for the largest lag looked for.
        lo = max(s - max_lag - 64, 0)
        hi = min(s + win + max_lag, len(x))
        ref = x[lo:hi, a.ref]
        for c in chans:
            if c == a.ref or c not in onsets:
                continue
            lag = lag_by_xcorr(ref, x[lo:hi, c], max_lag)
            print("skew %d %d %.4f" % (i, c, lag * 1000 / rate))


def find(hay, needle):
    """(position, match 0..1) of needle's best normalised match in hay."""
    n = len(hay)
    size = 1
    while size < n + len(needle):
        size *= 2
    cc = np.fft.irfft(np.fft.rfft(hay, size) * np.conj(np.fft.rfft(needle, size)), size)
    cc = cc[: n - len(needle) + 1]
    where = int(np.argmax(cc))
    seg = hay[where: where + len(needle)]
    norm = np.sqrt(np.dot(seg, seg) * np.dot(needle, needle)) or 1.0
    return where, cc[where] / norm


def cmd_mark(a):
    x = load(a.raw, a.nch)
    page = np.fromfile(a.page_raw, dtype="<i2").astype(np.float64)
    rate = a.rate
    chans = [int(c) for c in a.chans.split(",")]
    # Where the capture's last 0.5 s sits on the microphone's channel.
    tail = page[-min(len(page), rate // 2):]
    where, match = find(x[:, a.markch], tail)
    if match < 0.5:
        sys.exit("skew.py mark: the page's end is not on channel %d (match %.2f)" % (a.markch, match))
    end = where + len(tail)  # just after the capture's last sample
    print("captured_end %.6f" % (end / rate))
    head = page[: min(len(page), rate // 10)]
    for c in chans:
        pos, m = find(x[end: end + int(a.within * rate), c], head)
        if m < 0.5:
            print("latency %d none" % c)
        else:
            print("latency %d %.3f" % (c, pos * 1000 / rate))


def cmd_stats(a):
    v = [float(t) for t in sys.stdin.read().split()]
    if not v:
        sys.exit("skew.py stats: no numbers")
    arr = np.array(v)
    worst = arr[np.argmax(np.abs(arr))] if a.abs else arr.max()
    if a.abs:
        worst = abs(worst)
        med = float(np.median(np.abs(arr)))
    else:
        med = float(np.median(arr))
    print("n %d median %.4f worst %.4f" % (len(v), med, worst))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--rate", type=int, default=48000)
    common.add_argument("--threshold", type=float, default=1000.0)
    e = sub.add_parser("events", parents=[common])
    e.add_argument("raw")
    e.add_argument("nch", type=int)
    e.add_argument("--chans", default="")
    e.add_argument("--ref", type=int, default=0)
    e.add_argument("--gap-ms", type=float, default=300.0)
    e.add_argument("--window-ms", type=float, default=100.0)
    e.add_argument("--max-lag-ms", type=float, default=200.0)
    m = sub.add_parser("mark", parents=[common])
    m.add_argument("raw")
    m.add_argument("nch", type=int)
    m.add_argument("markch", type=int)
    m.add_argument("page_raw")
    m.add_argument("--chans", required=True)
    m.add_argument("--within", type=float, default=10.0,
                   help="seconds after the capture's end to look for each start (10)")
    s = sub.add_parser("stats")
    s.add_argument("--abs", action="store_true")
    a = p.parse_args()
    {"events": cmd_events, "mark": cmd_mark, "stats": cmd_stats}[a.cmd](a)


if __name__ == "__main__":
    main()
