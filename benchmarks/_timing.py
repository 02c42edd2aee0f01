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
