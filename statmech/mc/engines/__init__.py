"""Engines: the chain state a sampler runs on a model, one module per engine, and the
table that chooses the engine.

A sampler configuration (:mod:`statmech.mc.samplers`) says *how* to move; an engine holds
the chains (states, energies, betas, random streams) in the layout its numba kernels
update. Which engine runs is decided by :data:`ENGINE_TABLE`, read top to bottom: the
first row whose sampler family and setting match, and whose model and chain-count
conditions hold, gives the engine. A row that a setting asks for explicitly (``required``)
refuses a model it cannot run instead of passing it on. :func:`select` applies the table
and :func:`engine_table` prints it.

=============  ==========================================================================
module         engine
=============  ==========================================================================
pairwise       single-variable sweeps with incremental local fields, one chain per thread
lanes          the same, 32 chains per SIMD vector (sparse models, many chains)
checkerboard   the periodic square-lattice Ising model, a sublattice at a time
multispin      64 chains in the bits of each word (``multispin_kernels``)
cluster        Wolff and Swendsen-Wang clusters of zero-field ferromagnets
block_gibbs    bipartite models, a layer at a time
generic        any Hamiltonian, through its own ``delta_energy``
=============  ==========================================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, runtime_checkable, TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ...hamiltonian import BipartiteHamiltonian, PairwiseHamiltonian, has_structure, pairwise_form, structure_hint
from .base import ChainEngine, disagreement
from .block_gibbs import BlockGibbsEngine
from .checkerboard import CheckerboardEngine, square_torus
from .cluster import ClusterEngine, require_ferromagnet
from .generic import GenericEngine
from .lanes import LANES, LaneEngine
from .multispin import MultiSpinEngine
from .multispin_kernels import MAX_DEGREE, PackedStates, packed_batch, packed_lattice, random_packed, unpack
from .pairwise import PairwiseEngine

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager

    from statmech.hamiltonian import Hamiltonian
    from statmech.typing import ArrayLike

__all__ = ["Engine", "EnginePlan", "Rule", "Condition", "ENGINE_TABLE", "select", "select_batch", "engine_table",
           "MULTISPIN_MIN_CHAINS", "MULTISPIN_MIN_CHAINS_CHECKERBOARD", "ChainEngine", "PairwiseEngine", "LaneEngine",
           "CheckerboardEngine", "MultiSpinEngine", "ClusterEngine", "BlockGibbsEngine", "GenericEngine", "PackedStates",
           "random_packed", "unpack", "disagreement"]

#: Fewest chains for which Metropolis and HeatBath choose the multi-spin engine by
#: themselves, and on square lattices where they would run checkerboard sweeps (where the
#: multi-spin engine was measured faster: ``benchmarks/bench_multispin.py``).
MULTISPIN_MIN_CHAINS = 4
MULTISPIN_MIN_CHAINS_CHECKERBOARD = 16
#: Rows shorter than this run faster through the pairwise kernel than checkerboard sweeps.
CHECKERBOARD_MIN_ROW = 32


@runtime_checkable
class Engine(Protocol):
    """What every engine offers the drivers (``tests/test_engines.py`` checks each engine
    against it, and its behaviour).

    - ``run(n_records, thin, energy_trace, mag_trace, offset)``: advance every chain by
      ``n_records * thin`` sweeps at its beta, recording E and M every ``thin`` sweeps in
      columns ``offset ..`` of the (n_chains, n_steps) traces;
    - ``anneal(schedule, n_sweeps, best_energy, best_states, trace, offset)`` and, once
      after it, ``exact_energies(best_energy, best_states)``;
    - ``get_states()`` (n_chains, n) and ``energy`` (n_chains,), always in agreement;
    - ``betas`` and ``set_betas(betas)``; ``accepted`` and ``attempts_per_sweep``;
    - ``take(indices)``: chain c becomes chain indices[c] (population resampling);
    - ``snapshot()``, ``restore(arrays)``, ``snapshot_fields()``, ``check_state()``: a
      checkpoint's arrays, what each must be, and whether they agree after a restore;
    - ``overlaps(first, second)``: the spin overlap q of chain pairs;
    - ``set_hamiltonian(h)``: continue under another model on the same variables;
    - ``flip_state()``: for engines that keep local fields, the arrays a single-flip kernel
      works on (:class:`~statmech.mc.engines.pairwise.FlipState`: a proposed flip of
      variable i changes E by -delta * local[i]); None for the others;
    - ``name`` and ``bytes_per_variable``: what records report, and the memory a chain
      needs per variable of the model; ``chains_per_word``: chains that share a machine
      word (64 for the packed engine, else 1), which the drivers' defaults fill;
    - ``threads(sweeps)``: the thread count a call of that many sweeps has work for
      (:class:`statmech.jit.threads_for`) and ``sweep_seconds()``, a fixed rough estimate
      of the seconds of one sweep of every chain, by which drivers also size their calls.
    """

    name: str
    bytes_per_variable: float
    chains_per_word: int
    energy: np.ndarray
    betas: np.ndarray
    accepted: np.ndarray
    arrays: tuple

    @property
    def attempts_per_sweep(self) -> int: ...

    def threads(self, sweeps: float, n_units: int | None = None) -> AbstractContextManager[int]: ...

    def sweep_seconds(self) -> float: ...

    def run(self, n_records: int, thin: int, energy_trace: np.ndarray, mag_trace: np.ndarray,
            offset: int) -> None: ...

    def anneal(self, schedule: np.ndarray, n_sweeps: int, best_energy: np.ndarray, best_states: np.ndarray,
               trace: np.ndarray, offset: int) -> None: ...

    def exact_energies(self, best_energy: np.ndarray, best_states: np.ndarray) -> None: ...

    def get_states(self) -> np.ndarray: ...

    def set_betas(self, betas: Any) -> None: ...

    def take(self, indices: np.ndarray) -> None: ...

    def snapshot(self) -> dict: ...

    def restore(self, arrays: dict) -> None: ...

    def snapshot_fields(self) -> dict: ...

    def check_state(self) -> Optional[tuple]: ...

    def states_of(self, chains: np.ndarray) -> np.ndarray: ...

    def site_overlaps(self, first: np.ndarray, second: np.ndarray) -> np.ndarray: ...

    def set_hamiltonian(self, hamiltonian: Any) -> None: ...

    def flip_state(self) -> Any: ...


@dataclass(frozen=True)
class EnginePlan:
    """Which engine runs a model, decided before any chain state is allocated.

    Attributes
    ----------
    engine : type
        The engine class; ``engine.name`` is what records report, ``engine.bytes_per_variable``
        the memory a chain needs per variable of the model.
    sampler : sampler configuration
    args : tuple
        What the engine needs besides the model and chains (the multi-spin engine's packed lattice).
    """

    engine: Any
    sampler: Any
    args: tuple = ()

    @property
    def name(self) -> str:
        return self.engine.name

    def build(self, hamiltonian: Hamiltonian, states: ArrayLike, betas: ArrayLike,
              seed_sequence: np.random.SeedSequence) -> Engine:
        return self.engine(hamiltonian, self.sampler, states, betas, seed_sequence, *self.args)


@dataclass(frozen=True)
class Condition:
    """One condition of a row of the table: what it says (printed by :func:`engine_table`)
    and the test that decides it."""

    text: str
    test: Callable[..., bool]


@dataclass(frozen=True)
class Rule:
    """A row of :data:`ENGINE_TABLE`.

    Attributes
    ----------
    family : str
        The sampler family it serves (the samplers' ``family`` attribute).
    setting, model, chains : Condition
        On the sampler configuration, on the model, and on (sampler, model, n_chains).
    engine : type
    paths : bool
        Whether the engine can follow a path of models (``set_hamiltonian``: AIS from a
        base, learning).
    required : bool
        The setting asks for this engine explicitly: a model it cannot run is refused
        (naming ``asks``) rather than passed to the next row.
    prepare : callable or None
        ``prepare(sampler, hamiltonian)`` -> the engine's extra arguments, or a
        ValueError (TypeError) that says why the model does not qualify after all.
    asks : str or None
        How a refusal names the setting (None: the sampler's class name).
    error : type
        The error of a model that fails ``model`` (TypeError: not the kind of model;
        ValueError: the kind, but not these values).
    """

    family: str
    setting: Condition
    model: Condition
    chains: Condition
    engine: Any
    paths: bool
    required: bool = False
    prepare: Optional[Callable[..., tuple]] = None
    asks: Optional[str] = None
    error: type = TypeError


def _pairwise(hamiltonian):
    return pairwise_form(hamiltonian) is not None


def _plain_pairwise(hamiltonian):
    return has_structure(hamiltonian, PairwiseHamiltonian)


def _packable(hamiltonian):
    """Worth asking for a packed lattice (its checks are O(n)): a spin model whose
    couplings may have a small regular degree."""
    return (_plain_pairwise(hamiltonian) and hamiltonian.domain == "spin"
            and (sp.issparse(hamiltonian.couplings) or hamiltonian.n - 1 <= MAX_DEGREE))


def _long_rows(hamiltonian):
    torus = square_torus(hamiltonian)
    return torus is not None and torus[1] >= CHECKERBOARD_MIN_ROW


def _checkerboard_would_run(sampler, hamiltonian):
    return sampler.checkerboard is None and not sampler.lanes and _long_rows(hamiltonian)


def _enough_for_multispin(sampler, hamiltonian, n_chains):
    fewest = MULTISPIN_MIN_CHAINS_CHECKERBOARD if _checkerboard_would_run(sampler, hamiltonian) else MULTISPIN_MIN_CHAINS
    return n_chains >= fewest


def _packed_lattice(sampler, hamiltonian):
    return (packed_lattice(hamiltonian),)        # or a ValueError that says why not


def _ferromagnet(sampler, hamiltonian):
    require_ferromagnet(hamiltonian, type(sampler).__name__)      # or the error that says why not
    return ()


ANY = Condition("any", lambda *args: True)
SPIN_PAIRWISE = Condition("a PairwiseHamiltonian of spins", _plain_pairwise)  # then the lattice checks
PAIRWISE = Condition("a PairwiseHamiltonian, or a BipartiteHamiltonian of two-state units (its to_pairwise())",
                     _pairwise)
PACKABLE = Condition("a PairwiseHamiltonian of spins with at most 7 neighbours per variable, couplings +J or -J of "
                     "one magnitude and one uniform field", _packable)
SQUARE_LATTICE = Condition("a periodic square-lattice model of spins with even sides, one bond coupling J and one "
                           "field h (as Ising.square declares: its geometry, J and h)",
                           lambda h: square_torus(h) is not None)
LONG_ROWS = Condition(f"a square lattice as above with rows of at least {CHECKERBOARD_MIN_ROW} sites", _long_rows)
SPARSE = Condition("a pairwise form (as above) with sparse couplings",
                   lambda h: _pairwise(h) and pairwise_form(h).is_sparse)  # type: ignore[union-attr]

#: The engine of each sampler family, setting, model and number of chains: the first row
#: that matches. The documentation prints it (:func:`engine_table`).
ENGINE_TABLE = (
    Rule("single-flip", Condition("multispin=True", lambda s: s.multispin is True), SPIN_PAIRWISE, ANY,
         MultiSpinEngine, paths=False, required=True, prepare=_packed_lattice, asks="multispin=True"),
    Rule("single-flip", Condition("precision='float32'", lambda s: s.precision == "float32"),
         Condition("a PairwiseHamiltonian", _plain_pairwise), ANY, PairwiseEngine, paths=True,
         required=True, asks="precision='float32'", error=ValueError),
    Rule("single-flip", Condition("checkerboard=True", lambda s: s.checkerboard is True), SQUARE_LATTICE, ANY,
         CheckerboardEngine, paths=False, required=True, asks="checkerboard=True", error=ValueError),
    Rule("single-flip", Condition("checkerboard, lanes and multispin None",
                                  lambda s: s.checkerboard is None and s.lanes is None and s.multispin is None),
         PACKABLE, Condition(f"at least {MULTISPIN_MIN_CHAINS} ({MULTISPIN_MIN_CHAINS_CHECKERBOARD} where "
                             f"checkerboard sweeps would run)", _enough_for_multispin),
         MultiSpinEngine, paths=False, prepare=_packed_lattice),
    Rule("single-flip", Condition("checkerboard None, lanes not True",
                                  lambda s: s.checkerboard is None and not s.lanes),
         LONG_ROWS, ANY, CheckerboardEngine, paths=False),
    Rule("single-flip", Condition("lanes=True", lambda s: s.lanes is True), PAIRWISE, ANY, LaneEngine, paths=True,
         required=True, asks="lanes=True", error=ValueError),
    Rule("single-flip", Condition("lanes None", lambda s: s.lanes is None), SPARSE,
         Condition(f"at least {LANES}", lambda s, h, n: n >= LANES), LaneEngine, paths=True),
    Rule("single-flip", ANY, PAIRWISE, ANY, PairwiseEngine, paths=True),
    Rule("single-flip", ANY, Condition("any Hamiltonian (its own delta_energy)", lambda h: True), ANY,
         GenericEngine, paths=True),
    Rule("multispin", ANY, SPIN_PAIRWISE, ANY, MultiSpinEngine, paths=False, required=True, prepare=_packed_lattice),
    Rule("cluster", ANY, Condition("a zero-field Ising ferromagnet (J_ij >= 0)", lambda h: True), ANY, ClusterEngine,
         paths=False, required=True, prepare=_ferromagnet),
    Rule("block-gibbs", ANY, Condition("a BipartiteHamiltonian (e.g. an RBM)",
                                       lambda h: has_structure(h, BipartiteHamiltonian)), ANY, BlockGibbsEngine,
         paths=True, required=True),
)


def select(sampler: Any, hamiltonian: Hamiltonian, n_chains: int, *, path: bool = False) -> EnginePlan:
    """The :class:`EnginePlan` of ``sampler`` for ``n_chains`` chains on ``hamiltonian``
    (``path``: one that can follow a path of models), from :data:`ENGINE_TABLE`; or a
    TypeError/ValueError that says why the sampler cannot run the model."""
    for rule in ENGINE_TABLE:
        if rule.family != sampler.family or not rule.setting.test(sampler):
            continue
        asks = rule.asks or type(sampler).__name__
        if path and not rule.paths:
            if rule.required:
                raise ValueError(f"{asks} cannot follow a path of models (AIS from a base, learning); use HeatBath() "
                                 f"or Metropolis()")
            continue
        if not rule.model.test(hamiltonian):
            if rule.required:
                raise rule.error(f"{asks} needs {rule.model.text}; got {hamiltonian!r}{structure_hint(hamiltonian)}")
            continue
        if not rule.chains.test(sampler, hamiltonian, n_chains):
            continue
        if rule.prepare is None:
            return EnginePlan(rule.engine, sampler)
        try:
            return EnginePlan(rule.engine, sampler, rule.prepare(sampler, hamiltonian))
        except (TypeError, ValueError):
            if rule.required:
                raise
    raise TypeError(f"no engine runs {sampler!r} on {hamiltonian!r}")


def select_batch(sampler: Any, hamiltonians: Sequence[Hamiltonian], n_chains: int) -> EnginePlan:
    """The multi-spin plan of several models on one lattice whose chains share words:
    chain c of the ``n_chains`` runs ``hamiltonians[c // (n_chains // len(hamiltonians))]``."""
    for k, hamiltonian in enumerate(hamiltonians):
        if not _plain_pairwise(hamiltonian):
            raise TypeError(f"MultiSpin needs PairwiseHamiltonians of spins; hamiltonians[{k}] is {hamiltonian!r}"
                            f"{structure_hint(hamiltonian)}")
    return EnginePlan(MultiSpinEngine, sampler, (packed_batch(hamiltonians, n_chains // len(hamiltonians)),))


def engine_table() -> list[tuple[str, ...]]:
    """:data:`ENGINE_TABLE` as rows of text: (family, setting, model, chains, engine, paths)."""
    return [(rule.family, rule.setting.text, rule.model.text, rule.chains.text, rule.engine.name,
             "yes" if rule.paths else "no") for rule in ENGINE_TABLE]
