"""What every long-running driver shares: a progress bar, Ctrl-C handled at safe points,
and checkpoint files checked before the run and against the model's content.

Internal infrastructure of statmech's drivers (sample, parallel_tempering, population
annealing, Wang-Landau, learning); public so that every subpackage uses this one copy.

Ctrl-C: inside :func:`interruptible`, SIGINT sets a flag instead of raising, and the
driver stops at the end of the step it is in (a step is one jitted call or one
bookkeeping round), so its state, traces and counters always belong to the same step
and a checkpoint written then resumes bit for bit. A second Ctrl-C raises at once.

A checkpoint read back is checked before any of it is used: every array against the
:class:`Field` its driver declares (name, dtype, shape, and a rule on its values), then
what only the driver knows (counters that agree with each other, energies that are those
of the states). A damaged file gets a ValueError naming the file and the field, never a
run that continues from it.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from tqdm.auto import tqdm

from .records import load_npz, remove_partial, save_npz
from .validation import as_int, as_seed_sequence, fresh_seed_sequence, seed_from_json, seed_to_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from statmech.typing import PathLike, Seed

__all__ = ["Run", "Loop", "Progress", "interruptible", "sigint_count", "Checkpoint", "Stopwatch", "prefixed",
           "unprefixed", "Field", "finite", "at_least", "between", "one_of", "streams", "generator_state", "all_of"]


@dataclass(frozen=True)
class Field:
    """What one array of a checkpoint must be.

    Parameters
    ----------
    dtype : numpy dtype, or str for a string of any length
        Exactly (statmech reads back the dtypes it wrote).
    shape : tuple of int or None
        None: any length on that axis.
    rule : callable or None
        ``rule(array)`` -> None when the values are fine, else what is wrong with them
        ("holds NaN"); the rules below build them.
    """

    dtype: Any
    shape: tuple
    rule: Any = None

    @classmethod
    def like(cls, array: np.ndarray, rule: Any = None) -> Field:
        """The field of an array of ``array``'s dtype and shape."""
        array = np.asarray(array)
        return cls(array.dtype, array.shape, rule)

    def problem(self, array: np.ndarray) -> str | None:
        """None, or what is wrong with ``array``."""
        if self.dtype is str:
            if array.dtype.kind != "U":
                return f"has dtype {array.dtype}, expected a string"
        elif array.dtype != np.dtype(self.dtype):
            return f"has dtype {array.dtype}, expected {np.dtype(self.dtype)}"
        if array.ndim != len(self.shape) or any(s is not None and s != a for s, a in zip(self.shape, array.shape)):
            expected = "(" + ", ".join("*" if s is None else str(s) for s in self.shape) + ("," if len(self.shape) == 1 else "") + ")"
            return f"has shape {array.shape}, expected {expected}"
        return None if self.rule is None else self.rule(array)


def finite(array: np.ndarray) -> str | None:
    """Rule: no NaN or inf."""
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        return f"holds a non-finite value ({array[~np.isfinite(array)].flat[0]})"
    return None


def at_least(low: float) -> Callable[[np.ndarray], str | None]:
    """Rule: finite and >= ``low``."""
    def rule(array):
        problem = finite(array)
        if problem is None and array.size and array.min() < low:
            return f"holds {array.min()}, below {low}"
        return problem
    return rule


def between(low: float, high: float) -> Callable[[np.ndarray], str | None]:
    """Rule: finite and in [low, high]."""
    def rule(array):
        problem = at_least(low)(array)
        if problem is None and array.size and array.max() > high:
            return f"holds {array.max()}, above {high}"
        return problem
    return rule


def one_of(*values: Any) -> Callable[[np.ndarray], str | None]:
    """Rule: every entry is one of ``values``."""
    def rule(array):
        bad = ~np.isin(array, values)
        if bad.any():
            return f"holds {array[bad].flat[0]}, not one of {values}"
        return None
    return rule


def streams(axis: int | None = -1) -> Callable[[np.ndarray], str | None]:
    """Rule: xoshiro generator states (four words along ``axis``), none all zero (an
    all-zero state never leaves zero)."""
    def rule(array):
        dead = np.all(np.moveaxis(array, axis, -1) == 0, axis=-1)
        if dead.any():
            return f"holds an all-zero generator state (stream {int(np.flatnonzero(dead.ravel())[0])}), which never changes"
        return None
    return rule


def generator_state(array: np.ndarray) -> str | None:
    """Rule: a 0-d string holding the JSON state of a numpy PCG64 generator."""
    try:
        state = json.loads(str(array))
        np.random.PCG64().state = state
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        return f"is not a generator state ({type(error).__name__}: {error})"
    return None


def all_of(*rules: Any) -> Callable[[np.ndarray], str | None]:
    """Rule: every one of ``rules``."""
    def rule(array):
        for each in rules:
            problem = each(array)
            if problem is not None:
                return problem
        return None
    return rule


class Progress:
    """``with Progress(total, "annealing", enabled) as bar: bar.update(k)`` (a tqdm bar).

    enabled=None shows the bar only on a terminal or in a notebook; False never does.
    """

    def __init__(self, total: float, description: str = "", enabled: bool | None = None) -> None:
        self.total = max(float(total), 1.0)
        self.done = 0.0
        disable = (not _stderr_is_terminal()) if enabled is None else not bool(enabled)
        self._bar = tqdm(total=self.total, desc=description, disable=disable, leave=False,
                         bar_format="{l_bar}{bar}| {elapsed}<{remaining}")

    def update(self, k: float = 1) -> None:
        self.set(self.done + k)

    def set(self, done: float) -> None:
        """Set the amount of work done (for progress that is not a count of steps)."""
        done = min(float(done), self.total)
        self._bar.update(done - self.done)
        self.done = done

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._bar.close()
        return False


def _stderr_is_terminal():
    """A terminal, or a Jupyter kernel (where tqdm.auto draws a widget)."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Interrupt:
    requested = False


_SIGINTS = [0]


def sigint_count() -> int:
    """How many Ctrl-C's the handlers of :func:`interruptible` have received in this
    process: a caller that runs a driver compares it before and after to tell whether the
    driver was interrupted."""
    return _SIGINTS[0]


@contextlib.contextmanager
def interruptible() -> Iterator[Any]:
    """Within the block, Ctrl-C sets ``.requested`` instead of raising (main thread only;
    elsewhere the usual KeyboardInterrupt is raised and drivers catch it at step ends).
    A second Ctrl-C raises KeyboardInterrupt at once."""
    state = _Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum, frame):
        _SIGINTS[0] += 1
        if state.requested:
            raise KeyboardInterrupt
        state.requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:          # no signals here (e.g. an embedded interpreter)
        yield state
        return
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


class Stopwatch:
    """Wall-clock seconds since creation (``elapsed``)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


class Checkpoint:
    """The checkpoint file of one run.

    The path is checked when the run starts (its folder must exist and be writable), so
    a bad path fails before any work rather than after. A file already there must be a
    statmech checkpoint of the same driver, written with the same parameters, for a model
    with the same content (:meth:`statmech.Hamiltonian.content_hash`); anything else is
    refused with an error that names the file and what differs. With ``seed=None`` a
    resumed run takes the seed its checkpoint recorded.

    Parameters
    ----------
    path : str, os.PathLike or None
        None: no checkpointing (every method is then a no-op).
    driver : str
        Name of the driver that writes it.
    metadata : dict
        JSON-able parameters that must match on resume.
    every : int
        Steps between writes.
    """

    def __init__(self, path: PathLike | None, driver: str, metadata: dict, every: int = 100) -> None:
        self.every = as_int(every, "checkpoint_every", minimum=1)
        self.driver = driver
        self.metadata = dict(metadata)
        self.path = None if path is None else _check_path(path)
        self.saved = None
        if self.path is not None:
            remove_partial(self.path)      # what a writer killed mid-write left beside it
        if self.path is not None and os.path.exists(self.path):
            self.saved = self._read()

    def _read(self):
        path = self.path
        if os.path.getsize(path) == 0:
            raise ValueError(f"checkpoint {path!r} is empty (a run killed while creating it?); remove it")
        try:
            arrays, metadata = load_npz(path)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, json.JSONDecodeError) as exc:
            raise ValueError(f"checkpoint {path!r} is not a readable statmech checkpoint "
                             f"({type(exc).__name__}: {exc}); remove it or pass another path") from None
        if not isinstance(metadata, dict) or not isinstance(metadata.get("step"), int) or metadata["step"] < 0:
            raise ValueError(f"checkpoint {path!r} is damaged: its metadata is not a statmech checkpoint's "
                             f"(got {str(metadata)[:80]}); remove it or pass another path")
        try:
            seed_from_json(metadata.get("seed"))
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"checkpoint {path!r} is damaged: its seed is unreadable ({type(error).__name__}: "
                             f"{error}); remove it or pass another path") from None
        if metadata.get("driver") != self.driver:
            raise ValueError(f"checkpoint {path!r} was written by {metadata.get('driver')!r}, not by "
                             f"{self.driver!r}; remove it or pass another path")
        saved = {key: value for key, value in metadata.items() if key not in ("driver", "seed", "step")}
        if saved != _json_round_trip(self.metadata):
            keys = sorted(set(saved) | set(self.metadata))
            expected = _json_round_trip(self.metadata)
            differing = [k for k in keys if saved.get(k) != expected.get(k)]
            raise ValueError(f"checkpoint {path!r} was written by a run with other arguments or another model "
                             f"({', '.join(differing)} differ); remove it or pass the same arguments")
        return arrays, metadata

    def seed_sequence(self, seed: Seed) -> np.random.SeedSequence:
        """The run's SeedSequence: the checkpoint's when resuming with seed=None; an error
        when resuming with another seed."""
        if self.saved is None:
            return as_seed_sequence(seed)
        recorded = seed_from_json(self.saved[1]["seed"])
        if seed is None:
            return recorded
        requested = as_seed_sequence(seed)
        if seed_to_json(requested) != seed_to_json(recorded):
            raise ValueError(f"checkpoint {self.path!r} was written with seed {seed_to_json(recorded)}; got "
                             f"{seed_to_json(requested)} (pass seed=None or the same seed to resume)")
        return requested

    @property
    def step(self) -> int:
        """Steps the checkpoint holds (0 without one)."""
        return 0 if self.saved is None else int(self.saved[1]["step"])

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        return {} if self.saved is None else self.saved[0]

    def damaged(self, field: str, message: str) -> ValueError:
        """The error for a checkpoint whose ``field`` is ``message`` ("holds NaN")."""
        return ValueError(f"checkpoint {self.path!r} is damaged: {field} {message}; remove it or pass another path")

    def checked(self, fields: dict[str, Field]) -> dict[str, np.ndarray]:
        """The saved arrays, each checked against its :class:`Field` in ``fields`` (name ->
        Field): the same names, and each array's dtype, shape and values; else the
        ValueError of :meth:`damaged`."""
        arrays = self.arrays
        missing, extra = sorted(set(fields) - set(arrays)), sorted(set(arrays) - set(fields))
        if missing:
            raise self.damaged(missing[0], "is missing")
        if extra:
            raise self.damaged(extra[0], "is not an array this run writes")
        for name, field in fields.items():
            problem = field.problem(arrays[name])
            if problem is not None:
                raise self.damaged(name, problem)
        return arrays

    def due(self, step: Any) -> bool:
        return self.path is not None and step % self.every == 0

    def save(self, step: Any, seed_sequence: np.random.SeedSequence, arrays: dict) -> None:
        if self.path is None:
            return
        metadata = dict(self.metadata, driver=self.driver, seed=seed_to_json(seed_sequence), step=int(step))
        save_npz(self.path, arrays, metadata)


def prefixed(prefix: str, arrays: dict) -> dict[str, Any]:
    """Named arrays (an engine snapshot, parameters) renamed ``prefix_name`` for a checkpoint."""
    return {f"{prefix}_{name}": value for name, value in arrays.items()}


def unprefixed(prefix: str, arrays: dict) -> dict[str, Any]:
    """The arrays of a checkpoint saved with :func:`prefixed`, under their own names."""
    start = len(prefix) + 1
    return {name[start:]: value for name, value in arrays.items() if name.startswith(prefix + "_")}


def _json_round_trip(value):
    return json.loads(json.dumps(value))


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path (str or os.PathLike) or None; got {type(path).__name__} {path!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"checkpoint must be a file path; {path!r} is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"checkpoint {path!r}: its folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"checkpoint {path!r}: its folder {folder!r} is not writable")
    return path


class Loop:
    """The state of a driver's run, as :meth:`Run.execute` drives it.

    A driver builds one (its chains, traces and counters), and the run loop does the rest:
    resume from a checkpoint, the progress bar, Ctrl-C acted on between whole steps,
    checkpoints every ``checkpoint_every`` steps, on Ctrl-C and at the end. A subclass
    supplies:

    - :meth:`steps`: the steps still to take (any values; each is handed to
      :meth:`advance`), ending when the run is done; by default the step numbers from
      ``position`` to ``n_steps``;
    - :meth:`advance`: take one step;
    - ``position``: the whole steps taken, what a checkpoint records;
    - ``work``: the work done, in the units of the progress bar's total (by default
      ``position``);
    - :meth:`fields`: what each array of a checkpoint after ``position`` steps must be;
    - :meth:`restore`: continue from a checkpoint's arrays (checked against
      :meth:`fields` already), after checking what they must satisfy together;
    - :meth:`snapshot`: the arrays of a checkpoint.
    """

    position = 0
    #: The steps of the whole run, for loops whose steps are counted.
    n_steps = 0

    @property
    def work(self) -> float:
        return self.position

    def steps(self) -> Iterable[Any]:
        return range(self.position, self.n_steps)

    def advance(self, step: Any) -> None:
        raise NotImplementedError

    def fields(self, position: int) -> dict[str, Field]:
        """{name: Field} of a checkpoint after ``position`` steps."""
        raise NotImplementedError

    def restore(self, arrays: dict, run: Any) -> None:
        """Continue from ``arrays``; a checkpoint whose arrays disagree gets
        ``run.damaged(name, what)`` raised."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, np.ndarray]:
        raise NotImplementedError


LoopT = TypeVar("LoopT", bound=Loop)


class Run:
    """The run loop every driver shares: the seed (the checkpoint's, when resuming with
    ``seed=None``), a clock, a progress bar, Ctrl-C acted on between steps, and the
    checkpoint file. A driver hands its state, a :class:`Loop`, to :meth:`execute`, then
    builds its record from that state and ``seed``, ``elapsed`` and ``interrupted``.

    Inside :meth:`execute` (or ``with run:`` and ``run.steps(items)``) a KeyboardInterrupt
    (a second Ctrl-C, or one outside the main thread) is swallowed and marks the run
    ``torn``: the step in progress may be half done, so the checkpoint then keeps its last
    whole step.

    Parameters
    ----------
    driver : str
        Name recorded in the checkpoint.
    seed : int, SeedSequence, Generator or None
    progress : bool or None
    total : float
        Units of work for the progress bar.
    description : str
    checkpoint, checkpoint_every : path or None, int
    metadata : dict
        JSON-able parameters a resumed run must match (with the model's content hash).
    """

    def __init__(self, driver: str, seed: Seed, progress: bool | None, total: float, description: str,
                 checkpoint: PathLike | None = None, checkpoint_every: int = 100, metadata: dict | None = None) -> None:
        self.store = Checkpoint(checkpoint, driver, metadata or {}, every=checkpoint_every)
        self.seed_sequence = self.store.seed_sequence(seed)
        self.clock = Stopwatch()
        self.torn = False
        self._progress = (total, description, progress)
        self._stop = _Interrupt()

    def __enter__(self):
        total, description, progress = self._progress
        self.bar = Progress(total, description, progress)
        self._guard = interruptible()
        self._stop = self._guard.__enter__()
        return self

    def __exit__(self, kind, value, traceback):
        self._guard.__exit__(None, None, None)
        self.bar.__exit__(None, None, None)
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            self.torn = True
            return True
        return False

    @property
    def stop_requested(self) -> bool:
        return self._stop.requested

    def steps(self, items: Any) -> Iterator[Any]:
        """``items`` until Ctrl-C is requested; the next item is not asked for once it is
        (a generator of steps does no work after Ctrl-C)."""
        iterator = iter(items)
        while not self._stop.requested:
            try:
                item = next(iterator)
            except StopIteration:
                return
            yield item

    @property
    def interrupted(self) -> bool:
        return self.torn or self._stop.requested

    @property
    def elapsed(self) -> float:
        return self.clock.elapsed

    @property
    def seed(self) -> np.random.SeedSequence:
        """The SeedSequence that reproduces the run (what results record)."""
        return fresh_seed_sequence(self.seed_sequence)

    @property
    def resumed_step(self) -> int:
        """Steps the checkpoint holds (0 for a fresh run)."""
        return self.store.step

    def restored(self, fields: dict[str, Field]) -> dict[str, np.ndarray]:
        """The checkpoint's arrays, checked against ``fields`` (name -> :class:`Field`) by
        :meth:`Checkpoint.checked`; what they must satisfy together the driver checks next,
        raising :meth:`damaged`."""
        return self.store.checked(fields)

    def damaged(self, field: str, message: str) -> ValueError:
        """The ValueError for a checkpoint whose ``field`` is ``message``."""
        return self.store.damaged(field, message)

    def due(self, step: Any) -> bool:
        return self.store.due(step)

    @property
    def checkpointing(self) -> bool:
        """Whether the run writes a checkpoint (drivers build its arrays only then)."""
        return self.store.path is not None

    def save(self, step: Any, arrays: dict) -> None:
        """Write the checkpoint (no-op without one, and after a torn step)."""
        if not self.torn:
            self.store.save(step, self.seed_sequence, arrays)

    def execute(self, loop: LoopT) -> LoopT:
        """Run ``loop`` (a :class:`Loop`) from its checkpoint, if the run has one, to its
        last step or to Ctrl-C, saving a checkpoint every ``checkpoint_every`` steps taken,
        when it stops and at the end. Returns ``loop``."""
        if self.resumed_step:
            loop.restore(self.restored(loop.fields(self.resumed_step)), self)
        taken = 0
        with self:
            self.bar.set(loop.work)
            for step in self.steps(loop.steps()):
                loop.advance(step)
                self.bar.set(loop.work)
                taken += 1
                if self.due(taken):
                    self._save(loop)
        self._save(loop)
        return loop

    def _save(self, loop):
        if self.checkpointing:          # a snapshot copies every chain's state: only when it is written
            self.save(loop.position, loop.snapshot())
