"""Read-only parameters: what makes a model a value.

Every fast path of statmech (checkerboard and multi-spin sweeps, exact enumeration,
engines that copy couplings into their own layout) builds on a model's arrays once, so
a model must not change after it is built. :class:`statmech.Hamiltonian` freezes the
attributes a model class lists in ``values``: arrays become read-only
:class:`ParameterArray` views whose in-place edits raise an error naming the attribute
and how to build a changed model; sparse couplings become a read-only CSR matrix; and the
attribute itself cannot be assigned again. Copies and results of arithmetic are ordinary
writable arrays.
"""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from statmech.typing import ArrayLike

__all__ = ["ParameterArray", "freeze", "owned", "plain", "read_only_error", "read_only_view"]


def read_only_error(label: str | None, hint: str) -> ValueError:
    """The error of an edit to a frozen model attribute ``label`` ("Ising.fields")."""
    return ValueError(f"{label} is read-only: a model is a value, and its fast paths rely on it not changing. "
                      f"Build a changed model instead{hint}")


class ParameterArray(np.ndarray):
    """A read-only array that defines a model. ``a[...] = x``, ``a += x`` and other ufuncs
    writing into it raise :func:`read_only_error`; ``copy()`` and ``astype()`` return
    plain ndarrays, and so does arithmetic."""

    label = "a model parameter"
    hint = ""

    def __array_finalize__(self, obj):
        self.label = getattr(obj, "label", ParameterArray.label)
        self.hint = getattr(obj, "hint", "")

    def __setitem__(self, key, value):
        if not self.flags.writeable:
            raise read_only_error(self.label, self.hint)
        super().__setitem__(key, value)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:
            for array in out:
                if isinstance(array, ParameterArray) and not array.flags.writeable:
                    raise read_only_error(array.label, array.hint)
            kwargs["out"] = tuple([plain(array) for array in out])
        if method == "__call__":                # the common case, kept short (it runs on every operation)
            return ufunc(*[plain(x) for x in inputs], **kwargs)
        return getattr(ufunc, method)(*[plain(x) for x in inputs], **kwargs)

    def copy(self, order: Any = "C") -> Any:  # type: ignore[override]
        return np.array(self, order=order, copy=True, subok=False)

    def astype(self, dtype: Any, order: Any = "K", casting: Any = "unsafe",  # type: ignore[override]
               subok: bool = True, copy: bool = True) -> Any:
        return plain(self).astype(dtype, order=order, casting=casting, copy=copy)


def read_only_view(array: np.ndarray) -> np.ndarray:
    """A read-only plain ndarray view of ``array`` (no copy). Kernels take the parameters
    they read this way whatever made them (a frozen model, a transpose, a dummy), so that
    numba compiles one signature rather than one per mix of writable and read-only
    arrays."""
    view = np.asarray(array).view(np.ndarray)
    view.flags.writeable = False
    return view


def plain(x: ArrayLike) -> Any:
    """``x`` as a plain ndarray view when it is a ParameterArray (no copy, still read-only):
    the models' own arithmetic uses it, which spares every operation the Python-level
    dispatch of ``__array_ufunc__`` (~2 us each)."""
    return x.view(np.ndarray) if type(x) is ParameterArray else x





def _in_place(name: str) -> Any:
    """A method of :class:`_FrozenCSR` that refuses while the matrix is frozen, else is
    csr_matrix's ``name``."""
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_frozen()
        return getattr(sp.csr_matrix, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


class _FrozenCSR(sp.csr_matrix):
    """A CSR matrix whose arrays are read-only ParameterArrays and whose in-place methods
    refuse while they are (arithmetic returns new, writable matrices)."""

    def _refuse_if_frozen(self):
        if _frozen_matrix(self):
            raise read_only_error(self.data.label, self.data.hint)

    def __setitem__(self, key, value):
        self._refuse_if_frozen()
        super().__setitem__(key, value)

    setdiag = _in_place("setdiag")
    resize = _in_place("resize")
    eliminate_zeros = _in_place("eliminate_zeros")

    def prune(self):
        """scipy's checks call it on every new matrix: a no-op when nothing is to trim."""
        if len(self.indices) == len(self.data) == self.indptr[-1]:
            return
        self._refuse_if_frozen()
        super().prune()


def owned(value: Any) -> Any:
    """``value`` (an ndarray or sparse matrix that nobody else holds: the caller made it)
    frozen in place, without the copy :func:`freeze` makes of arrays that may be someone
    else's; freezing it again as a model attribute shares it."""
    if sp.issparse(value):
        matrix = value if isinstance(value, _FrozenCSR) else _FrozenCSR(value, copy=False)
        matrix.sum_duplicates()
        matrix.sort_indices()
        matrix.data, matrix.indices, matrix.indptr = (owned(a) for a in (matrix.data, matrix.indices, matrix.indptr))
        return matrix
    array = np.asarray(value)
    array.flags.writeable = False
    return array.view(ParameterArray)


def _read_only(array, label, hint):
    """A read-only ParameterArray copy of ``array`` (the caller's array stays its own: a
    model never aliases memory someone else can write). An array frozen already is a value
    and is shared, under the new label."""
    if not (isinstance(array, ParameterArray) and not array.flags.writeable):
        array = np.array(array, copy=True, subok=False)
        array.flags.writeable = False
    frozen = array.view(ParameterArray)
    frozen.label, frozen.hint = label, hint
    return frozen


def _frozen_matrix(matrix):
    return isinstance(matrix, _FrozenCSR) and not matrix.data.flags.writeable


def freeze(value: Any, label: str | None, hint: str = "") -> Any:
    """``value`` as a model attribute that cannot change: arrays read-only, sparse matrices
    as read-only CSR in canonical form, anything else as it is (scalars, strings and
    tuples are immutable already)."""
    if sp.issparse(value):
        matrix = _FrozenCSR(value, copy=not _frozen_matrix(value))      # a frozen one is shared
        matrix.sum_duplicates()       # canonical: scipy's own in-place tidying never writes again
        matrix.sort_indices()
        matrix.data, matrix.indices, matrix.indptr = (_read_only(a, label, hint)
                                                      for a in (matrix.data, matrix.indices, matrix.indptr))
        return matrix
    if isinstance(value, np.ndarray):
        return _read_only(value, label, hint)
    return value
