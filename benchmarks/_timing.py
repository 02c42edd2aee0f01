"""The benchmarks' one timer: wall-clock seconds of repeated calls (machines are shared and
noisy, so the scripts quote medians)."""
import time

import numpy as np


def timed(func, repeats):
    """(seconds of each of ``repeats`` calls of ``func()``, as an array; the last call's result)."""
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        seconds.append(time.perf_counter() - start)
    return np.array(seconds), result


def median_seconds(func, repeats=7):
    """Median wall-clock seconds of ``repeats`` calls of ``func()``."""
    return float(np.median(timed(func, repeats)[0]))


def time_to(target, rows):
    """(seconds, sweeps) at which a quality that falls with sweeps (mean energy, mean residual)
    first reaches ``target``, interpolated linearly in log(sweeps) between the sweep counts
    on either side; ``rows`` are (sweeps, quality, seconds) in increasing sweeps. (None,
    None) if it never does."""
    if rows[0][1] <= target:
        return rows[0][2], float(rows[0][0])
    for (s0, e0, t0), (s1, e1, t1) in zip(rows, rows[1:]):
        if e1 <= target < e0:
            f = (e0 - target) / (e0 - e1)
            return t0 + f * (t1 - t0), float(np.exp(np.log(s0) + f * (np.log(s1) - np.log(s0))))
    return None, None
