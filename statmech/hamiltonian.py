"""Hamiltonians: the energy functions every model, sampler and solver shares.

Sign convention (DESIGN.md): E(s) = -1/2 s^T J s - h^T s + offset, with J symmetric
and zero on the diagonal, so each pair i < j contributes -J_ij s_i s_j once. States
have shape (..., n) and take values +-1 in the ``"spin"`` domain, 0/1 in the
``"binary"`` domain.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar, TYPE_CHECKING, TypeGuard, TypeVar, Union

import numpy as np
import scipy.sparse as sp

from .frozen import freeze, owned, plain, read_only_error, read_only_view
from .rng import random_streams
from .thermodynamics import free_energy_from_log_z
from .unit_types import unit_type, unit_up_probability_array
from .validation import (LOW_VALUE, as_float, as_int, as_real_array, as_scalar_beta, as_seed_sequence, as_states,
                          as_generator, check_domain)

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, Seed
    from statmech.unit_types import UnitType

__all__ = ["Hamiltonian", "PairwiseHamiltonian", "BipartiteHamiltonian", "Structured", "convert_states",
           "validate_hamiltonian", "checked_energy", "has_structure", "pairwise_form", "structure_hint"]


def convert_states(states: ArrayLike, domain: str) -> np.ndarray:
    """Map states into ``domain`` by the exact affine map s = 2x - 1 (x = (s + 1) / 2).

    Parameters
    ----------
    states : array_like of shape (..., n)
        States in the *other* domain: 0/1 when ``domain="spin"``, +-1 when ``domain="binary"``.
    domain : {"spin", "binary"}
        The domain to map to.

    Returns
    -------
    ndarray of shape (..., n), int8
    """
    check_domain(domain)
    source = "binary" if domain == "spin" else "spin"
    states = as_states(states, np.shape(states)[-1] if np.ndim(states) else 0, source)
    if domain == "spin":
        return (2 * states - 1).astype(np.int8)
    return ((states + 1) // 2).astype(np.int8)


class Hamiltonian:
    """Base class of every energy function.

    A subclass sets ``n`` (number of variables) and ``domain`` (``"spin"`` or
    ``"binary"``) and implements :meth:`energy`, vectorised over leading axes.
    Everything else is derived from it; structured subclasses
    (:class:`PairwiseHamiltonian`, :class:`BipartiteHamiltonian`) override the derived
    methods with fast closed forms and give exact enumeration a numba kernel. A class
    that only defines ``energy`` works with :func:`statmech.exact`, slowly (its energy
    is called on batches of states), and statmech warns once that it does.

    Examples
    --------
    >>> import numpy as np, statmech
    >>> class Ring(statmech.Hamiltonian):
    ...     domain = "spin"
    ...     def __init__(self, n): self.n = n
    ...     def energy(self, s): return -(s * np.roll(s, 1, -1)).sum(-1)
    >>> float(Ring(4).energy(np.ones(4)))
    -4.0
    """

    n: int
    domain: str = "spin"
    #: The attributes that define the energy. Each is set once, in ``__init__``, and is
    #: read-only afterwards, its arrays included (:mod:`statmech.frozen`): a model is a
    #: value, so no fast path built from it can drift from it. A class lists its own; the
    #: lists of its bases count too. Empty here: a user's class is frozen only if it asks.
    values: ClassVar[tuple[str, ...]] = ()
    #: How to build a changed model, quoted by the error an edit raises.
    changed_model_hint: ClassVar[str] = ""
    #: What algorithms may use besides ``energy``: None (the energy alone), "pairwise"
    #: (couplings, fields and offset) or "bipartite" (weights, biases and unit types). A
    #: subclass of a structured class that overrides ``energy`` gets None, so every
    #: algorithm uses its own energy (the generic paths, slowly), unless it sets
    #: ``structure`` again: a promise that its energy is the structure's (a faster formula
    #: of the same function, as CurieWeiss's), checked on random states on first use.
    structure: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._value_names = frozenset(name for klass in cls.__mro__ for name in vars(klass).get("values", ()))
        if "energy" in vars(cls) and "structure" not in vars(cls):
            cls.structure = None

    _value_names: ClassVar[frozenset[str]] = frozenset()

    def __setattr__(self, name, value):
        if name in self._value_names:
            label = f"{type(self).__name__}.{name}"
            if name in self.__dict__ or isinstance(getattr(type(self), name, None), property):
                raise AttributeError(str(read_only_error(label, self.changed_model_hint)))
            value = freeze(value, label, self.changed_model_hint)
        object.__setattr__(self, name, value)

    def __getstate__(self):
        """Pickles and copies carry the model's attributes, not what was derived from them
        (:meth:`_derived`)."""
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_derived_")}

    def _derived(self, name, build):
        """``build()``, computed once per model: a model is a value, so what is derived from
        its values never goes stale."""
        key = "_derived_" + name
        value = self.__dict__.get(key)
        if value is None:
            value = build()
            object.__setattr__(self, key, value)
        return value

    def __setstate__(self, state):
        """Unpickled (and deep-copied) models are values too: their arrays frozen again."""
        for name, value in state.items():
            if name in self._value_names:
                value = freeze(value, f"{type(self).__name__}.{name}", self.changed_model_hint)
            object.__setattr__(self, name, value)

    def energy(self, states: ArrayLike) -> np.ndarray:
        """Energy of each state.

        Parameters
        ----------
        states : array_like of shape (..., n)

        Returns
        -------
        ndarray of shape (...)
        """
        raise NotImplementedError(f"{type(self).__name__} must implement energy(states)")

    @property
    def low(self) -> float | None:
        """The value of a variable that is down: -1.0 for spins, 0.0 for binary variables
        (up is 1 in both); None for a bipartite model whose layers are not two-state
        units of one kind."""
        return None if self.domain is None else float(LOW_VALUE[self.domain])

    def _flip_low(self) -> float:
        """``low``, for what flips a variable (two-state units of one kind only)."""
        if self.low is None:
            raise ValueError(f"flips are defined for two-state units of one kind; {self!r} has none")
        return self.low

    def check_states(self, states: ArrayLike, name: str = "states") -> np.ndarray:
        """``states`` validated against ``n`` and ``domain``, as int8 of shape (..., n)."""
        return as_states(states, self.n, self.domain, name)

    def delta_energy(self, states: ArrayLike, i: int) -> np.ndarray:
        """Energy change E(s with variable i flipped) - E(s), for each state.

        Parameters
        ----------
        states : array_like of shape (..., n)
        i : int
            Index of the variable to flip, 0 <= i < n.

        Returns
        -------
        ndarray of shape (...)
        """
        states = self.check_states(states)
        i = self._check_index(i)
        flipped = states.copy()
        flipped[..., i] = (self._flip_low() + 1) - flipped[..., i]
        return checked_energy(self, flipped) - checked_energy(self, states)

    def random_states(self, k: int | None = None, seed: Seed | None = None) -> np.ndarray:
        """Uniformly random states in the model's domain.

        Parameters
        ----------
        k : int or None
            Number of states; None gives a single state of shape (n,).
        seed : int, SeedSequence, Generator or None

        Returns
        -------
        ndarray of shape (k, n) or (n,), int8
        """
        rng = as_generator(seed)
        shape = (self.n,) if k is None else (as_int(k, "k", minimum=0), self.n)
        states = rng.integers(0, 2, size=shape, dtype=np.int8)
        if self.domain == "spin":       # in place: a large batch of states is never copied
            states *= 2
            states -= 1
        return states

    def magnetization(self, states: ArrayLike) -> np.ndarray:
        """Sum of the variables, M = sum_i s_i, for each state: ndarray of shape (...)."""
        return self.check_states(states).sum(axis=-1, dtype=np.float64)

    def to_domain(self, domain: str) -> Hamiltonian:
        """The same energy function with variables in ``domain``.

        Returns a Hamiltonian ``H2`` with ``H2.energy(convert_states(s, domain)) ==
        self.energy(s)`` for every state ``s``; ``self`` when already in ``domain``.
        """
        check_domain(domain)
        if domain == self.domain:
            return self
        return _DomainView(self, domain)

    def content_hash(self) -> str:
        """A digest of what defines the energy function: class, n, domain, and the energies
        of 256 fixed pseudo-random states (structured subclasses hash their arrays instead).
        Checkpoints compare it, so a run never resumes on another model (another disorder
        instance of the same size included).

        Returns
        -------
        str
            32 hex digits.
        """
        probes = self.random_states(256, seed=0x5EED)
        return content_digest(type(self).__qualname__, self.n, self.domain, checked_energy(self, probes))

    def _check_index(self, i):
        i = as_int(i, "i")
        if not 0 <= i < self.n:
            raise ValueError(f"i must satisfy 0 <= i < n = {self.n}; got {i}")
        return i

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n}, domain={self.domain!r})"


class _DomainView(Hamiltonian):
    """A Hamiltonian seen through the spin <-> binary map (used by Hamiltonian.to_domain)."""

    values = ("base", "n", "domain")

    def __init__(self, base, domain):
        self.base = base
        self.n = base.n
        self.domain = domain

    def energy(self, states):
        return self.base.energy(convert_states(self.check_states(states), self.base.domain))

    def to_domain(self, domain):
        return self.base if domain == self.base.domain else self


def has_structure(hamiltonian: Hamiltonian, kind: type[StructureT]) -> TypeGuard[StructureT]:
    """Whether algorithms may use the closed forms of ``kind`` (PairwiseHamiltonian or
    BipartiteHamiltonian) on ``hamiltonian``: an instance of it whose energy is the
    structure's, because its class keeps ``kind``'s ``energy`` or declares ``structure``
    again (that promise is checked once per model, on random states; a broken one raises
    ValueError). A subclass that overrides ``energy`` without declaring gets the generic
    paths, which use its own energy."""
    if not isinstance(hamiltonian, kind) or hamiltonian.structure is None:
        return False
    if type(hamiltonian).energy is kind.energy or hamiltonian.__dict__.get("_structure_checked"):
        return True
    states = hamiltonian.random_states(16, seed=0x5EED)
    own, structural = checked_energy(hamiltonian, states), kind.energy(hamiltonian, states)
    scale = max(1.0, float(np.abs(structural).max()))
    worst = float(np.abs(own - structural).max())
    if worst > 1e-9 * scale:
        raise ValueError(f"{type(hamiltonian).__name__} declares structure = {hamiltonian.structure!r}, but its "
                         f"energy differs from the {kind.__name__} energy of its parameters by {worst:.3g} on a "
                         f"random state: remove the declaration (statmech then uses its energy alone) or fix it")
    object.__setattr__(hamiltonian, "_structure_checked", True)
    return True


def pairwise_form(hamiltonian: Hamiltonian) -> PairwiseHamiltonian | None:
    """The :class:`PairwiseHamiltonian` whose couplings and fields algorithms may use for
    ``hamiltonian``: the model itself when it has pairwise structure, its
    :meth:`~BipartiteHamiltonian.to_pairwise` when it is a bipartite model of two-state
    units of one kind, and None otherwise (its energy alone counts)."""
    if has_structure(hamiltonian, PairwiseHamiltonian):
        return hamiltonian
    if has_structure(hamiltonian, BipartiteHamiltonian) and hamiltonian.domain is not None:
        return hamiltonian.to_pairwise()
    return None


def structure_hint(hamiltonian: Hamiltonian) -> str:
    """A sentence for errors about a model that overrides ``energy`` and so has no
    structure an algorithm may use; "" for any other model."""
    kind = next((k for k in (PairwiseHamiltonian, BipartiteHamiltonian) if isinstance(hamiltonian, k)), None)
    if kind is None or hamiltonian.structure is not None:
        return ""
    return (f" ({type(hamiltonian).__name__} overrides energy(), so statmech uses that energy alone; if it is "
            f"the {kind.__name__} energy of its parameters, set structure = {kind.structure!r} in the class)")


def validate_hamiltonian(hamiltonian: Hamiltonian, name: str = "hamiltonian", *,
                         unit_types: bool = False) -> Hamiltonian:
    """Refuse what is not a usable Hamiltonian before any work: not a Hamiltonian, no
    ``n``, ``n`` not a positive integer, or an unknown ``domain``; and, unless the
    algorithm takes them (``unit_types=True``), a bipartite model whose layers are not
    two-state units of one kind. Returns it."""
    if not isinstance(hamiltonian, Hamiltonian):
        raise TypeError(f"{name} must be a statmech.Hamiltonian; got {type(hamiltonian).__name__}")
    cls = type(hamiltonian).__name__
    n = getattr(hamiltonian, "n", None)
    if n is None:
        raise TypeError(f"{cls} has no attribute n (the number of variables); set self.n in __init__")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{cls}.n must be an integer; got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{cls}.n must be >= 1; got {n}")
    if has_structure(hamiltonian, BipartiteHamiltonian) and hamiltonian.domain is None:
        if unit_types:
            return hamiltonian
        raise ValueError(f"{name} has {hamiltonian.visible_units.name} visible and {hamiltonian.hidden_units.name} "
                         f"hidden units; this algorithm needs two-state units of one kind (both binary or both "
                         f"spin). exact, BlockGibbs sampling, AIS from a base, mean_field 'naive'/'tap2', unroll "
                         f"and learning take every unit type")
    if getattr(hamiltonian, "domain", None) is None and structure_hint(hamiltonian):
        raise TypeError(f"{name} has continuous units, which need its bipartite structure{structure_hint(hamiltonian)}")
    check_domain(getattr(hamiltonian, "domain", None), f"{cls}.domain")
    return hamiltonian


def checked_energy(hamiltonian: Hamiltonian, states: ArrayLike) -> np.ndarray:
    """``hamiltonian.energy(states)`` as float64 of shape states.shape[:-1], or a ValueError
    (TypeError for a non-numeric result) naming the class and what it returned: the
    drivers call a user's energy through this, so NaN, inf or a wrong shape never reach
    a trace."""
    cls = type(hamiltonian).__name__
    result = hamiltonian.energy(states)
    try:
        energies = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{cls}.energy must return an array of real numbers; got {type(result).__name__} "
                        f"{result!r:.80}") from None
    expected = np.shape(states)[:-1]
    if energies.shape != expected:
        raise ValueError(f"{cls}.energy must return shape {expected} for states of shape {np.shape(states)}; "
                         f"got {energies.shape}")
    if not np.all(np.isfinite(energies)):
        bad = energies[~np.isfinite(energies)].flat[0]
        raise ValueError(f"{cls}.energy returned a non-finite energy ({bad}) for some states")
    return energies


def content_digest(*parts: Any) -> str:
    """A 32-hex-digit digest of arrays (dtype, shape and bytes) and JSON-able values."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            array = np.ascontiguousarray(part)
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(memoryview(array.reshape(-1)).cast("B"))  # type: ignore[arg-type] # the bytes, not a copy
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def csr_arrays(matrix: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, indices, data) of a matrix in CSR form, as int64, int64, float64 for numba."""
    csr = sp.csr_matrix(matrix)
    return csr.indptr.astype(np.int64), csr.indices.astype(np.int64), csr.data.astype(np.float64)


def _domain_change(row_sums, total, fields, offset, source, target):
    """Parameters of a pairwise energy after the change of variables between domains.

    spin -> binary (s = 2x - 1): J' = 4J, h' = 2h - 2 J1, c' = c - 1'J1/2 + sum(h);
    binary -> spin (x = (s + 1)/2): J' = J/4, h' = h/2 + J1/4, c' = c - 1'J1/8 - sum(h)/2,
    where ``row_sums`` = J1 and ``total`` = 1'J1.

    Returns
    -------
    scale : float
        Factor that multiplies the couplings.
    fields : ndarray of shape (n,)
    offset : float
    """
    if source == target:
        return 1.0, fields, offset
    if source == "spin":
        return 4.0, 2.0 * fields - 2.0 * row_sums, offset - 0.5 * total + fields.sum()
    return 0.25, 0.5 * fields + 0.25 * row_sums, offset - 0.125 * total - 0.5 * fields.sum()


def _as_couplings(couplings):
    """Validate a coupling matrix: square, finite, zero diagonal, symmetric.

    Dense input becomes a float64 ndarray, sparse input a float64 CSR matrix.
    """
    if sp.issparse(couplings):
        matrix = sp.csr_matrix(couplings, dtype=np.float64, copy=True)     # tidied here, not the caller's
        matrix.sum_duplicates()
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"couplings must be a square (n, n) matrix; got shape {matrix.shape}")
        if not np.all(np.isfinite(matrix.data)):
            raise ValueError("couplings must be finite; got a non-finite entry")
        diagonal = matrix.diagonal()
        asymmetry = float(np.abs((matrix - matrix.T).data).max(initial=0.0))
        scale = float(np.abs(matrix.data).max(initial=0.0))
    else:
        matrix = as_real_array(couplings, "couplings", ndim=2)
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"couplings must be a square (n, n) matrix; got shape {matrix.shape}")
        diagonal = np.diagonal(matrix)
        difference = matrix - matrix.T
        asymmetry = float(np.abs(difference, out=difference).max(initial=0.0))
        del difference
        scale = float(np.abs(matrix).max(initial=0.0))
    if matrix.shape[0] == 0:
        raise ValueError("couplings must describe at least one variable; got shape (0, 0)")
    if np.any(diagonal != 0):
        k = int(np.flatnonzero(diagonal)[0])
        raise ValueError(f"couplings must have a zero diagonal (self-couplings are constants); "
                         f"got J[{k}, {k}] = {diagonal[k]}")
    if asymmetry > 1e-12 * max(1.0, scale):
        raise ValueError(f"couplings must be symmetric; max |J - J.T| = {asymmetry:.3g}")
    if asymmetry:                   # rounding-level asymmetry: averaged away
        matrix = (matrix + matrix.T) / 2
    return owned(sp.csr_matrix(matrix) if sp.issparse(matrix) else np.ascontiguousarray(matrix))


StructureT = TypeVar("StructureT", bound=Hamiltonian)


class PairwiseHamiltonian(Hamiltonian):
    """E(s) = -1/2 s^T J s - h^T s + offset: Ising models, spin glasses, Hopfield nets.

    Parameters
    ----------
    couplings : array_like or scipy.sparse matrix of shape (n, n)
        Symmetric J with zero diagonal; each pair i < j contributes -J_ij s_i s_j.
    fields : array_like of shape (n,), optional
        External fields h (default 0).
    offset : float, default 0
        Constant added to every energy.
    domain : {"spin", "binary"}, default "spin"

    Attributes
    ----------
    couplings : ndarray or scipy.sparse.csr_matrix of shape (n, n)
    fields : ndarray of shape (n,)
    offset : float
    n : int
    domain : str

    Notes
    -----
    A model is a value: its parameters are read-only (:mod:`statmech.frozen`), so that no
    fast path built from them (checkerboard and multi-spin layouts, exact enumeration)
    can drift from them. ``H.fields[0] = 1`` or ``H.couplings *= 2`` raise; build a
    changed model with :meth:`with_parameters` or the constructor. The model keeps copies
    of the arrays it is given.
    """

    structure: ClassVar[str | None] = "pairwise"
    values: ClassVar[tuple[str, ...]] = ("n", "domain", "couplings", "fields", "offset")
    changed_model_hint: ClassVar[str] = (", e.g. H.with_parameters(couplings=J, fields=h) or "
                                         "PairwiseHamiltonian(J, h, offset, domain) with arrays of your own")

    def __init__(self, couplings: ArrayLike, fields: ArrayLike | None = None, offset: float = 0.0,
                 domain: str = "spin") -> None:
        self.domain = check_domain(domain)
        self.couplings = _as_couplings(couplings)
        self.n = self.couplings.shape[0]
        self.fields = (np.zeros(self.n) if fields is None
                       else as_real_array(fields, "fields", shape=(self.n,)))
        self.offset = as_float(offset, "offset")

    @property
    def is_sparse(self) -> bool:
        """Whether the couplings are a scipy.sparse matrix (CSR in the kernels)."""
        return sp.issparse(self.couplings)

    def content_hash(self) -> str:
        """A digest of the class, domain, couplings, fields and offset (see
        :meth:`Hamiltonian.content_hash`); for a subclass with an energy of its own, of
        those and of its energies."""
        if not has_structure(self, PairwiseHamiltonian):
            return content_digest(super().content_hash(), self._arrays_digest())
        return self._arrays_digest()

    def _arrays_digest(self):
        couplings = sp.csr_matrix(self.couplings)
        couplings.sort_indices()
        return content_digest(type(self).__qualname__, self.domain, couplings.shape, couplings.indptr,
                              couplings.indices, couplings.data, np.asarray(self.fields), float(self.offset))

    def _coupling_product(self, states):
        """s J for states of shape (..., n), as float64 of the same shape."""
        states = np.asarray(states, dtype=np.float64)
        if self.is_sparse:
            flat = states.reshape(-1, self.n)
            return np.asarray(self.couplings.dot(flat.T)).T.reshape(states.shape)
        return states @ plain(self.couplings)

    def local_fields(self, states: ArrayLike) -> np.ndarray:
        """Local fields f = J s + h of each state: ndarray of shape (..., n).

        The energy change of setting variable i from s_i to s_i + delta is -delta * f_i.
        """
        states = self.check_states(states)
        return self._coupling_product(states) + plain(self.fields)

    def energy(self, states: ArrayLike) -> np.ndarray:
        states = self.check_states(states).astype(np.float64)
        return (-0.5 * np.einsum("...i,...i->...", self._coupling_product(states), states)
                - states @ plain(self.fields) + self.offset)

    def delta_energy(self, states: ArrayLike, i: int) -> np.ndarray:
        if not has_structure(self, PairwiseHamiltonian):
            return super().delta_energy(states, i)          # the difference of its own energies
        states = self.check_states(states)
        i = self._check_index(i)
        delta = (self._flip_low() + 1) - 2.0 * states[..., i]
        if self.is_sparse:
            column = self.couplings[:, [i]].toarray().ravel()
        else:
            column = plain(self.couplings)[:, i]
        local = states.astype(np.float64) @ column + self.fields[i]
        return -delta * local

    def _row_sums(self):
        return np.asarray(self.couplings.sum(axis=1)).ravel()

    def parameters(self) -> dict[str, np.ndarray]:
        """{"couplings": J (dense copy), "fields": h}: what Boltzmann learning adjusts."""
        J = self.couplings.toarray() if self.is_sparse else np.array(self.couplings)
        return {"couplings": J, "fields": self.fields.copy()}

    def with_parameters(self, couplings: ArrayLike | None = None,
                        fields: ArrayLike | None = None) -> PairwiseHamiltonian:
        """A PairwiseHamiltonian with this one's domain and offset and new J or h (None:
        this model's)."""
        return PairwiseHamiltonian(self.couplings if couplings is None else couplings,
                                   self.fields if fields is None else fields, self.offset, self.domain)

    def energy_gradient(self, states: ArrayLike, weights: ArrayLike | None = None) -> dict[str, np.ndarray]:
        """Mean over states (weighted if given) of dE/dJ and dE/dh: {"couplings": -<s s^T>/2 off
        the diagonal (each of J_ij, J_ji carries half of the pair term), "fields": -<s>}."""
        s = self.check_states(states).reshape(-1, self.n).astype(np.float64)
        w = np.full(len(s), 1.0 / len(s)) if weights is None else np.asarray(weights, np.float64).reshape(-1)
        second = (s * w[:, None]).T @ s
        second = (second + second.T) / 2          # BLAS need not return the product exactly symmetric
        np.fill_diagonal(second, 0.0)
        return {"couplings": -0.5 * second, "fields": -(w @ s)}

    def kernel_couplings(self) -> tuple:
        """The couplings as numba kernels take them: (dense, matrix, indptr, indices, data),
        every array read-only (one kernel signature for dense and sparse models).

        Dense couplings come as a C-contiguous float64 matrix (CSR arrays are dummies);
        sparse ones as int64/float64 CSR arrays (the matrix is a dummy).
        """
        if sp.issparse(self.couplings):
            arrays = (np.zeros((1, 1)),) + csr_arrays(self.couplings)
        else:
            empty = np.zeros(1, np.int64)
            arrays = np.ascontiguousarray(self.couplings, np.float64), empty, empty, np.zeros(1)
        return (not sp.issparse(self.couplings),) + tuple(read_only_view(a) for a in arrays)

    def to_domain(self, domain: str) -> Hamiltonian:
        check_domain(domain)
        if domain == self.domain:
            return self
        if not has_structure(self, PairwiseHamiltonian):
            return super().to_domain(domain)                # a view through its own energy
        row_sums = self._row_sums()
        scale, fields, offset = _domain_change(row_sums, row_sums.sum(), self.fields,
                                               self.offset, self.domain, domain)
        return PairwiseHamiltonian(self.couplings * scale, fields, offset, domain)


class BipartiteHamiltonian(Hamiltonian):
    """E(v, h) = sum_i e(v_i) + sum_j e(h_j) - a^T v - b^T h - v^T W h + offset: two layers,
    couplings only between them, each layer of one unit type (:mod:`statmech.unit_types`).

    States are the concatenation (v, h) of shape (..., n_visible + n_hidden). A bipartite
    model is not a pairwise one (a Gaussian or ReLU layer has no pairwise form), but with
    two-state units of one kind (the default: binary, or spin, both layers) e = 0 and
    :meth:`to_pairwise` gives the same energy as a :class:`PairwiseHamiltonian` with
    couplings [[0, W], [W^T, 0]]; the single-flip samplers, Wang-Landau, exact
    enumeration and the other pairwise algorithms run on that form
    (:func:`pairwise_form`). Gaussian and rectified Gaussian layers (e(h) = h^2 / 2,
    states float) and binary-spin pairs are taken by exact thermodynamics, block Gibbs
    sampling (``sample``, ``anneal``, ``parallel_tempering``), AIS from a base of the same
    unit types, naive mean field and TAP2, ``unroll`` and learning; the conditionals and
    marginal free energies here are the closed forms that make bipartite models
    tractable, for every unit type.

    Parameters
    ----------
    weights : array_like of shape (n_visible, n_hidden)
    visible_bias, hidden_bias : array_like of shape (n_visible,) and (n_hidden,), optional
        a and b (default 0).
    offset : float, default 0
    domain : {"binary", "spin"}, default "binary"
        The unit type of both layers, unless ``visible`` or ``hidden`` says otherwise.
    visible, hidden : {"binary", "spin", "gaussian", "relu"} or None
        Unit type of each layer (default: ``domain``). ``domain`` is then the layers'
        shared two-state type, or None when they have none.
    """

    structure: ClassVar[str | None] = "bipartite"
    values: ClassVar[tuple[str, ...]] = ("n", "domain", "offset", "weights", "visible_bias", "hidden_bias",
                                         "n_visible", "n_hidden", "visible_units", "hidden_units")
    changed_model_hint: ClassVar[str] = (", e.g. H.with_parameters(weights=W, visible_bias=a, hidden_bias=b) with "
                                         "arrays of your own")

    def __init__(self, weights: ArrayLike, visible_bias: ArrayLike | None = None, hidden_bias: ArrayLike | None = None,
                 offset: float = 0.0, domain: str = "binary", *, visible: Any = None, hidden: Any = None) -> None:
        domain = check_domain(domain)
        self._set_units(unit_type(domain if visible is None else visible, "visible"),
                        unit_type(domain if hidden is None else hidden, "hidden"))
        self.weights = as_real_array(weights, "weights", ndim=2)
        self.n_visible, self.n_hidden = self.weights.shape
        if self.n_visible == 0 or self.n_hidden == 0:
            raise ValueError(f"weights must have at least one visible and one hidden unit; "
                             f"got shape {self.weights.shape}")
        self.visible_bias = (np.zeros(self.n_visible) if visible_bias is None else
                             as_real_array(visible_bias, "visible_bias", shape=(self.n_visible,)))
        self.hidden_bias = (np.zeros(self.n_hidden) if hidden_bias is None else
                            as_real_array(hidden_bias, "hidden_bias", shape=(self.n_hidden,)))
        self.offset = as_float(offset, "offset")
        self.n = self.n_visible + self.n_hidden

    def _set_units(self, visible_units, hidden_units):
        self.visible_units, self.hidden_units = visible_units, hidden_units
        same_two_state = visible_units == hidden_units and visible_units.discrete
        self.domain = visible_units.name if same_two_state else None

    @classmethod
    def from_arrays(cls, weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray, offset: float = 0.0, *,
                    visible: Any = "binary", hidden: Any = "binary") -> BipartiteHamiltonian:
        """A model that reads the given arrays in place, for code that owns them and builds
        a model per step (learning updates its weights between models).

        Unlike the constructor, it neither copies the arrays nor converts their dtype
        (float32 stays float32), and it checks shapes and dtypes only, not values. The
        model holds read-only views: it cannot change them, but their owner can, so the
        owner must not write to them while the model is in use.

        Parameters
        ----------
        weights : ndarray of shape (n_visible, n_hidden), float32 or float64
        visible_bias, hidden_bias : ndarray of shape (n_visible,) and (n_hidden,), weights' dtype
        offset : float, default 0
        visible, hidden : {"binary", "spin", "gaussian", "relu"}, default "binary"

        Returns
        -------
        BipartiteHamiltonian
        """
        arrays = {"weights": weights, "visible_bias": visible_bias, "hidden_bias": hidden_bias}
        for name, array in arrays.items():
            if not isinstance(array, np.ndarray) or array.dtype not in (np.float32, np.float64):
                raise TypeError(f"{name} must be a float32 or float64 ndarray; got "
                                f"{getattr(array, 'dtype', type(array).__name__)}")
        if weights.ndim != 2 or 0 in weights.shape:
            raise ValueError(f"weights must have shape (n_visible, n_hidden), both >= 1; got {weights.shape}")
        for name, size in (("visible_bias", weights.shape[0]), ("hidden_bias", weights.shape[1])):
            if arrays[name].shape != (size,) or arrays[name].dtype != weights.dtype:
                raise ValueError(f"{name} must have shape ({size},) and dtype {weights.dtype}; got "
                                 f"{arrays[name].shape} {arrays[name].dtype}")
        model = cls.__new__(cls)
        for name, array in arrays.items():
            object.__setattr__(model, name, read_only_view(array))
        model._set_units(unit_type(visible, "visible"), unit_type(hidden, "hidden"))
        model.n_visible, model.n_hidden = weights.shape
        model.n = model.n_visible + model.n_hidden
        model.offset = as_float(offset, "offset")
        return model

    def to_pairwise(self) -> PairwiseHamiltonian:
        """The energy of these parameters as a :class:`PairwiseHamiltonian` on the states
        (v, h): couplings [[0, W], [W^T, 0]] (sparse), fields (a, b), the same offset and
        domain. Built once per model.

        Returns
        -------
        PairwiseHamiltonian with n = n_visible + n_hidden

        Raises
        ------
        ValueError
            When the layers are not two-state units of one kind (a Gaussian, ReLU or
            binary-spin model has no pairwise form).
        """
        if self.domain is None:
            raise ValueError(f"a pairwise form exists for two-state units of one kind (both binary or both spin); "
                             f"this model has {self.visible_units.name} visible and {self.hidden_units.name} "
                             f"hidden units")
        return self._derived("pairwise", lambda: PairwiseHamiltonian(self.couplings, self.fields, self.offset,
                                                                     self.domain))

    @property
    def couplings(self) -> Any:
        """The interaction matrix [[0, W], [W^T, 0]] of the states (v, h): read-only CSR of
        shape (n, n), for every unit type (the couplings of :meth:`to_pairwise`)."""
        return self._derived("couplings", lambda: freeze(
            sp.bmat([[None, sp.csr_matrix(self.weights)], [sp.csr_matrix(self.weights.T), None]], format="csr"),
            f"{type(self).__name__}.couplings", self.changed_model_hint))

    @property
    def fields(self) -> np.ndarray:
        """(a, b): the bias of every unit of the states (v, h), read-only, shape (n,)."""
        return self._derived("fields", lambda: freeze(np.concatenate([self.visible_bias, self.hidden_bias]),
                                                      f"{type(self).__name__}.fields", self.changed_model_hint))

    def split(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(visible, hidden) parts of states of shape (..., n)."""
        return states[..., :self.n_visible], states[..., self.n_visible:]

    @property
    def unit_types(self) -> tuple[UnitType, UnitType]:
        """(visible, hidden) unit types."""
        return self.visible_units, self.hidden_units

    def _check_layer(self, values, size, name, units):
        """A layer's states (or, for continuous units, values) as float64 of shape (..., size)."""
        if units.discrete:
            return as_states(values, size, units.name, name).astype(np.float64)
        array = as_real_array(values, name)
        if array.ndim == 0 or array.shape[-1] != size:
            raise ValueError(f"{name} must have shape (..., {size}); got {array.shape}")
        if units.name == "relu" and np.any(array < 0):
            raise ValueError(f"{name} holds rectified units, which are >= 0; got {array[array < 0].flat[0]}")
        return array

    def random_states(self, k: int | None = None, seed: Seed | None = None) -> np.ndarray:
        """Random states (v, h): uniform for two-state layers; for continuous layers the
        unit's distribution at zero field and beta = 1 (float64 states then).

        Returns
        -------
        ndarray of shape (k, n) or (n,): int8 for two-state units of one kind, float64 otherwise
        """
        if self.domain is not None:
            return super().random_states(k, seed)
        rng = as_generator(seed)
        rows = () if k is None else (as_int(k, "k", minimum=0),)
        return np.concatenate([self.visible_units.random_states(rng, rows + (self.n_visible,)),
                               self.hidden_units.random_states(rng, rows + (self.n_hidden,))], axis=-1)

    def check_states(self, states: ArrayLike, name: str = "states") -> np.ndarray:
        """States (v, h) validated layer by layer: int8 for two-state units of one kind,
        float64 otherwise."""
        if self.domain is not None:
            return super().check_states(states, name)
        array = np.asarray(states)
        if array.ndim == 0 or array.shape[-1] != self.n:
            raise ValueError(f"{name} must have shape (..., {self.n}); got {array.shape}")
        v, h = self.split(array)
        return np.concatenate([self._check_layer(v, self.n_visible, f"{name} (visible part)", self.visible_units),
                               self._check_layer(h, self.n_hidden, f"{name} (hidden part)", self.hidden_units)],
                              axis=-1)

    def energy(self, states: ArrayLike) -> np.ndarray:
        v, h = self.split(self.check_states(states).astype(np.float64))
        energy = (-v @ plain(self.visible_bias) - h @ plain(self.hidden_bias)
                  - np.einsum("...j,...j->...", v @ plain(self.weights), h) + self.offset)
        if self.domain is None:
            energy = energy + self.visible_units.self_energy(v).sum(-1) + self.hidden_units.self_energy(h).sum(-1)
        return energy

    def local_fields(self, states: ArrayLike) -> np.ndarray:
        """Local fields of each state, visible units first: ``W h + a`` on the visible
        units and ``v W + b`` on the hidden ones, ndarray of shape (..., n_visible + n_hidden)."""
        v, h = self.split(self.check_states(states).astype(np.float64))
        weights = plain(self.weights)
        return np.concatenate([h @ weights.T + plain(self.visible_bias), v @ weights + plain(self.hidden_bias)], axis=-1)

    def _local_field(self, states, i):
        """The local field of unit ``i`` in each state: a_i + (W h)_i, or b_j + (W^T v)_j
        for i = n_visible + j; ndarray of shape (...)."""
        v, h = self.split(self.check_states(states).astype(np.float64))
        if i < self.n_visible:
            return h @ plain(self.weights)[i] + self.visible_bias[i]
        return v @ plain(self.weights)[:, i - self.n_visible] + self.hidden_bias[i - self.n_visible]

    def delta_energy(self, states: ArrayLike, i: int) -> np.ndarray:
        """Energy change of flipping unit ``i`` (two-state units of one kind): -delta times
        its local field; ndarray of shape (...)."""
        if self.domain is None:
            raise ValueError(f"flips are defined for two-state units of one kind; this model has "
                             f"{self.visible_units.name} visible and {self.hidden_units.name} hidden units")
        if not has_structure(self, BipartiteHamiltonian):
            return super().delta_energy(states, i)          # the difference of its own energies
        states = self.check_states(states)
        i = self._check_index(i)
        return -((self._flip_low() + 1) - 2.0 * states[..., i]) * self._local_field(states, i)

    def hidden_fields(self, v: ArrayLike) -> np.ndarray:
        """Fields on the hidden units, b + W^T v: ndarray of shape (..., n_hidden)."""
        return self._check_layer(v, self.n_visible, "v", self.visible_units) @ plain(self.weights) + plain(self.hidden_bias)

    def visible_fields(self, h: ArrayLike) -> np.ndarray:
        """Fields on the visible units, a + W h: ndarray of shape (..., n_visible)."""
        return (self._check_layer(h, self.n_hidden, "h", self.hidden_units) @ plain(self.weights).T
                + plain(self.visible_bias))

    def mean_hidden(self, v: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """<h_j | v>: the hidden units' activation at their fields (sigmoid, tanh, linear or
        smooth ReLU): ndarray of shape (..., n_hidden)."""
        return self.hidden_units.mean(self.hidden_fields(v), as_scalar_beta(beta))

    def mean_visible(self, h: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """<v_i | h>: ndarray of shape (..., n_visible)."""
        return self.visible_units.mean(self.visible_fields(h), as_scalar_beta(beta))

    def sample_hidden(self, v: ArrayLike, beta: float = 1.0, seed: Seed | None = None) -> np.ndarray:
        """h drawn from p(h | v), row by row from streams spawned from ``seed``.

        Parameters
        ----------
        v : array_like of shape (n_rows, n_visible)

        Returns
        -------
        ndarray of shape (n_rows, n_hidden): int8 for two-state units, float64 otherwise.
        """
        return self._sample(self.hidden_units, self.hidden_fields(v), beta, seed)

    def sample_visible(self, h: ArrayLike, beta: float = 1.0, seed: Seed | None = None) -> np.ndarray:
        """v drawn from p(v | h): ndarray of shape (n_rows, n_visible)."""
        return self._sample(self.visible_units, self.visible_fields(h), beta, seed)

    @staticmethod
    def _sample(units, fields, beta, seed):
        beta = as_scalar_beta(beta)
        fields = np.atleast_2d(fields)
        if fields.ndim != 2:
            raise ValueError(f"sampling takes rows of states, shape (n_rows, n); got {fields.shape[:-1]} rows")
        draws = units.sample(fields, beta, random_streams(as_seed_sequence(seed), (len(fields),)))
        return draws.astype(np.int8) if units.discrete else draws

    def _two_state(self, units, method):
        if not units.discrete:
            raise ValueError(f"{method} is p(unit = 1 | other layer), for two-state units; this layer has "
                             f"{units.name} units: use mean_hidden / mean_visible")
        return units.low

    def conditional_hidden(self, v: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """p(h_j = 1 | v) = sigmoid(beta (b_j + sum_i W_ij v_i)) (binary; tanh form for spins).

        Parameters
        ----------
        v : array_like of shape (..., n_visible)
        beta : float, default 1

        Returns
        -------
        ndarray of shape (..., n_hidden)
        """
        beta = as_scalar_beta(beta)
        return unit_up_probability_array(self.hidden_fields(v), beta,
                                               self._two_state(self.hidden_units, "conditional_hidden"))

    def conditional_visible(self, h: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """p(v_i = 1 | h) = sigmoid(beta (a_i + sum_j W_ij h_j)): ndarray of shape (..., n_visible)."""
        beta = as_scalar_beta(beta)
        return unit_up_probability_array(self.visible_fields(h), beta,
                                               self._two_state(self.visible_units, "conditional_visible"))

    def free_energy_visible(self, v: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """F(v) = -ln sum_h exp(-beta E(v, h)) / beta, hidden units summed out in closed form.

        F(v) = sum_i e(v_i) - a^T v + offset - (1/beta) sum_j A_j(b_j + W_j^T v), with A the
        hidden unit's log-partition (a sum over h_j, or an integral for continuous units).
        At beta = 0 it is -inf (the sum over h is 2**n_hidden).

        Returns
        -------
        ndarray of shape (...)
        """
        beta = as_scalar_beta(beta)
        v_float = self._check_layer(v, self.n_visible, "v", self.visible_units)
        log_partition = self.hidden_units.log_partition(v_float @ plain(self.weights) + plain(self.hidden_bias),
                                                        beta).sum(-1)
        return (self.visible_units.self_energy(v_float).sum(-1) - v_float @ plain(self.visible_bias) + self.offset
                + free_energy_from_log_z(log_partition, beta))

    def free_energy_hidden(self, h: ArrayLike, beta: float = 1.0) -> np.ndarray:
        """F(h) = -ln sum_v exp(-beta E(v, h)) / beta, visible units summed out: ndarray of shape (...)."""
        beta = as_scalar_beta(beta)
        h_float = self._check_layer(h, self.n_hidden, "h", self.hidden_units)
        log_partition = self.visible_units.log_partition(h_float @ plain(self.weights).T + plain(self.visible_bias),
                                                         beta).sum(-1)
        return (self.hidden_units.self_energy(h_float).sum(-1) - h_float @ plain(self.hidden_bias) + self.offset
                + free_energy_from_log_z(log_partition, beta))

    def gaussian_precision(self) -> tuple[np.ndarray, np.ndarray]:
        """(P, its Cholesky factor) of a Gaussian-Gaussian model, P = [[I, -W], [-W^T, I]]
        (E = x^T P x / 2 - c^T x + offset); a ValueError when P is not positive definite,
        i.e. when the model has no Boltzmann distribution (a singular value of W >= 1)."""
        n_v = self.n_visible
        precision = np.eye(self.n)
        precision[:n_v, n_v:] = -self.weights
        precision[n_v:, :n_v] = -self.weights.T
        try:
            return precision, np.linalg.cholesky(precision)
        except np.linalg.LinAlgError:
            top = float(np.linalg.svd(self.weights, compute_uv=False)[0])
            raise ValueError(f"a Gaussian-Gaussian model is normalisable only when its precision [[I, -W], [-W^T, I]] "
                             f"is positive definite, i.e. every singular value of W is < 1; the largest is "
                             f"{top:.4g}") from None

    def parameters(self) -> dict[str, np.ndarray]:
        """{"weights": W, "visible_bias": a, "hidden_bias": b} (copies)."""
        return {"weights": self.weights.copy(), "visible_bias": self.visible_bias.copy(),
                "hidden_bias": self.hidden_bias.copy()}

    def with_parameters(self, weights: ArrayLike | None = None, visible_bias: ArrayLike | None = None,
                        hidden_bias: ArrayLike | None = None) -> BipartiteHamiltonian:
        """A BipartiteHamiltonian with this one's unit types and offset and new W, a or b
        (None: this model's)."""
        return BipartiteHamiltonian(self.weights if weights is None else weights,
                                    self.visible_bias if visible_bias is None else visible_bias,
                                    self.hidden_bias if hidden_bias is None else hidden_bias, self.offset,
                                    visible=self.visible_units, hidden=self.hidden_units)

    def energy_gradient(self, states: ArrayLike, weights: ArrayLike | None = None) -> dict[str, np.ndarray]:
        """Mean over fully observed states (v, h) of dE/dW = -v h^T, dE/da = -v, dE/db = -h."""
        v, h = self.split(self.check_states(states).reshape(-1, self.n).astype(np.float64))
        w = np.full(len(v), 1.0 / len(v)) if weights is None else np.asarray(weights, np.float64).reshape(-1)
        return {"weights": -(v * w[:, None]).T @ h, "visible_bias": -(w @ v), "hidden_bias": -(w @ h)}

    def to_domain(self, domain: str) -> Hamiltonian:
        check_domain(domain)
        if domain == self.domain:
            return self
        if self.domain is None:
            raise ValueError(f"to_domain converts models whose layers are both binary or both spin; this one has "
                             f"{self.visible_units.name} visible and {self.hidden_units.name} hidden units")
        if not has_structure(self, BipartiteHamiltonian):
            return super().to_domain(domain)
        row_sums = np.concatenate([self.weights.sum(axis=1), self.weights.sum(axis=0)])
        scale, fields, offset = _domain_change(row_sums, row_sums.sum(), self.fields,
                                               self.offset, self.domain, domain)
        return BipartiteHamiltonian(self.weights * scale, fields[:self.n_visible],
                                    fields[self.n_visible:], offset, domain)

    def content_hash(self) -> str:
        """A digest of the class, unit types, weights, biases and offset (and of its
        energies, for a subclass with an energy of its own)."""
        if not has_structure(self, BipartiteHamiltonian):
            return content_digest(super().content_hash(), self._arrays_digest())
        return self._arrays_digest()

    def _arrays_digest(self):
        return content_digest(type(self).__qualname__, self.visible_units.name, self.hidden_units.name,
                              self.weights, self.visible_bias, self.hidden_bias, float(self.offset))

    def __repr__(self):
        if self.domain is None:
            return (f"{type(self).__name__}(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
                    f"visible={self.visible_units.name!r}, hidden={self.hidden_units.name!r})")
        return (f"{type(self).__name__}(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
                f"domain={self.domain!r})")



#: A model with a structure the structured algorithms use (mean field, unrolling).
Structured = Union[PairwiseHamiltonian, BipartiteHamiltonian]
