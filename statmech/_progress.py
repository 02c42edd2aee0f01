"""A small dependency-free progress bar for long runs (stderr, only on a terminal)."""
import sys
import time


class Progress:
    """``with Progress(total, "annealing", enabled) as bar: bar.update(k)``.

    enabled=None shows the bar only when stderr is a terminal; False never does.
    """

    def __init__(self, total, description="", enabled=None):
        self.total = max(int(total), 1)
        self.description = description
        self.enabled = sys.stderr.isatty() if enabled is None else bool(enabled)
        self.done = 0
        self._start = time.perf_counter()
        self._last = 0.0

    def update(self, k=1):
        self.set(self.done + k)

    def set(self, done):
        """Set the amount of work done (for progress that is not a count of steps)."""
        self.done = done
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.2 or self.done >= self.total):
            self._last = now
            fraction = min(self.done / self.total, 1.0)
            elapsed = now - self._start
            remaining = elapsed / fraction - elapsed if fraction > 0 else float("nan")
            bar = "#" * int(30 * fraction)
            sys.stderr.write(f"\r{self.description} [{bar:<30}] {100 * fraction:5.1f}% "
                             f"{elapsed:6.1f}s elapsed, {remaining:6.1f}s left")
            sys.stderr.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
        return False
