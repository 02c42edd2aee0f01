"""Unit types of the layers of bipartite models: binary, spin, Gaussian and rectified
Gaussian units, each holding its formulas once.

A unit h with field x (the other layer's input plus its bias) at inverse temperature beta
has the Boltzmann weight exp(-beta (e(h) - x h)) on its states, with

    ============  ==================  ==========================  ==============================================
    unit          states, e(h)        conditional mean (the        log-partition ln sum/int exp(-beta (e(h) - x h))
                                      activation)
    ============  ==================  ==========================  ==============================================
    "binary"      {0, 1}, 0           sigmoid(beta x)             ln(1 + e^{beta x})
    "spin"        {-1, +1}, 0         tanh(beta x)                ln(2 cosh beta x)
    "gaussian"    R, h^2 / 2          x (variance 1 / beta)       ln(2 pi / beta) / 2 + beta x^2 / 2
    "relu"        h >= 0, h^2 / 2     x + phi(z) / (sqrt(beta)     ln(2 pi / beta) / 2 + beta x^2 / 2 + ln Phi(z),
                                      Phi(z)), z = sqrt(beta) x    a smooth ReLU
    ============  ==================  ==========================  ==============================================

(phi, Phi: the standard normal density and distribution.) The rectified Gaussian is a
normal N(x, 1/beta) truncated to h >= 0; its mean, variance and log-partition are computed
without cancellation for very negative z through the scaled complementary error
function and Laplace's continued fraction for the Mills ratio, so that they keep ~1e-13
relative accuracy for ``|x|`` up to 50 and beta up to 100 and never overflow.

Every algorithm uses a unit only through this interface: ``mean``, ``variance``,
``log_partition``, ``self_energy``, ``sample``. This module is the one place unit formulas
are written: the continuous units hold theirs; the two-state units (binary and spin) use
the scalar functions at the top of the module (``unit_up_probability``, ``unit_mean``,
``unit_log_partition``, ``unit_variance``, ...), which numba kernels call directly, so a
sampler, a solver and a network compute a unit's conditional with the same function.
numba's cache keys a function on its own file only: after editing this file, delete the
``__pycache__/*.nbi`` files or run once with ``STATMECH_NUMBA_CACHE=0``.

References
----------
G. E. Hinton, "A practical guide to training RBMs" (2010), sec. 13 (Gaussian visible
units); V. Nair and G. E. Hinton, ICML (2010) (rectified units); N. L. Johnson, S. Kotz and
N. Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 13 (truncated normal);
P.-S. Laplace (1805) / A. Cuyt et al., *Handbook of Continued Fractions for Special
Functions* (2008), eq. 13.2.22 (Mills ratio).
"""
from __future__ import annotations

from typing import Any, ClassVar, TYPE_CHECKING

import numpy as np
from scipy import special

from .fastmath import logistic
from .jit import njit, prange
from .rng import sample_units_serial, uniform_53_open, xoshiro_step

if TYPE_CHECKING:
    pass

__all__ = ["UnitType", "Binary", "Spin", "Gaussian", "ReLU", "unit_type", "UNIT_TYPES", "uniforms",
           "unit_up_probability", "unit_up_probability_array", "unit_mean", "unit_mean_array", "unit_log_partition",
           "unit_variance", "unit_variance_slope", "unit_entropy", "unit_field", "add_reaction_fields", "sigmoid",
           "softplus"]


# -- the two-state unit, s in {low, 1} with energy -field * s (low = -1 spins, 0 binary) ------------------
# Scalar forms are numba-callable (kernels use them) and work on numpy arrays alike.

@njit
def unit_up_probability(field: np.ndarray, beta: float, low: float) -> Any:
    """P(s = 1) for a unit with energy -field*s, s in {low, 1}, at inverse temperature beta.

    Binary units (low = 0) give sigmoid(beta*field); spins (low = -1) give
    sigmoid(2*beta*field) = (1 + tanh(beta*field)) / 2. Written with tanh, it never
    overflows. Its array form for hot loops over large arrays is ``logistic`` (the same
    function through a vectorised exp, equal to ~1e-16).
    """
    return 0.5 * (1.0 + np.tanh((0.5 * beta * (1.0 - low)) * field))


@njit
def sigmoid(x: np.ndarray) -> Any:
    """Logistic function 1 / (1 + exp(-x)) (unit_up_probability of a binary unit at beta = 1)."""
    return unit_up_probability(x, 1.0, 0.0)


@njit
def softplus(x: np.ndarray) -> Any:
    """ln(1 + exp(x)), stable for large ``|x|``."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@njit
def unit_mean(field: np.ndarray, beta: float, low: float) -> Any:
    """<s> for a unit with energy -field*s: sigmoid(beta*field) or tanh(beta*field)."""
    return low + (1.0 - low) * unit_up_probability(field, beta, low)


def unit_up_probability_array(field: np.ndarray, beta: float, low: float, out: np.ndarray | None = None) -> np.ndarray:
    """``unit_up_probability`` for float arrays through the vectorised ``logistic`` (numpy
    callers: samplers, learning): logistic(beta (1 - low) field); ``beta`` may be an array
    that broadcasts (one per chain). float32 fields stay float32. ``out`` as in ``logistic``
    (may be ``field``)."""
    scale = beta * (1.0 - low)
    field = np.asarray(field)
    if np.ndim(scale) == 0 and scale == 1.0:
        return logistic(field, out)
    return logistic(scale * field, out)


def unit_mean_array(field: np.ndarray, beta: float, low: float, out: np.ndarray | None = None) -> np.ndarray:
    """``unit_mean`` for float arrays (numpy callers: solvers, networks):
    low + (1 - low) * unit_up_probability_array(field, beta, low); ``out`` as there."""
    mean = unit_up_probability_array(field, beta, low, out)
    if low != 0.0:
        mean *= 1.0 - low
        mean += low
    return mean


@njit
def unit_log_partition(field: np.ndarray, beta: float, low: float) -> Any:
    """ln(exp(beta*field*low) + exp(beta*field)), the log partition function of one unit:
    the larger exponent plus log1p of the smaller's ratio, to full relative precision also
    where the result is tiny (ln(1 + e^-50) = 1.9e-22 for a binary unit)."""
    x = beta * field
    return np.maximum(low * x, x) + np.log1p(np.exp(-np.abs((1.0 - low) * x)))


@njit
def unit_variance(mean: np.ndarray, low: float) -> Any:
    """Variance of a unit with mean ``mean``: (m - low)(1 - m), i.e. 1 - m**2 for spins and
    m (1 - m) for binary units. Its derivative in m is ``1 + low - 2 m``, and the third
    cumulant is their product (see ``statmech.meanfield``)."""
    return (mean - low) * (1.0 - mean)


@njit
def unit_variance_slope(mean: np.ndarray, low: float) -> Any:
    """d unit_variance / d mean = 1 + low - 2 m."""
    return 1.0 + low - 2.0 * mean


@njit
def add_reaction_fields(field: np.ndarray, bias: np.ndarray, s: np.ndarray, onsager: np.ndarray,
                        onsager_coefficient: float, third: np.ndarray, third_coefficient: float, low: float,
                        order: int) -> None:
    """The elementwise part of the mean-field/TAP effective field, in place on ``field``
    (rows, n_out) holding x W (see ``statmech.meanfield.plefka.effective_field``):

        field += bias + c2 v'(s) (v(x) W2) + c3 (v'(s)^2 - 2 v(s)) (k(x) W3)

    with c2 = ``onsager_coefficient`` (beta / 2), c3 = ``third_coefficient`` (beta^2 / 6),
    ``onsager`` = v(x) W2 and ``third`` = k(x) W3 (rows, n_out) used when order >= 2 / 3,
    s (rows, n_out) the updated units' magnetizations. One pass, no temporaries.
    """
    for r in range(field.shape[0]):
        for j in range(field.shape[1]):
            f = field[r, j] + bias[j]
            if order >= 2:
                slope = unit_variance_slope(s[r, j], low)
                f += onsager_coefficient * slope * onsager[r, j]
                if order >= 3:
                    f += third_coefficient * (slope * slope - 2.0 * unit_variance(s[r, j], low)) * third[r, j]
            field[r, j] = f


def unit_entropy(mean: np.ndarray, low: float) -> np.ndarray:
    """Entropy of a unit with mean ``mean`` (nats): -p ln p - (1 - p) ln(1 - p) with
    p = P(s = 1) = (m - low) / (1 - low); 0 at the ends. (numpy: only array callers.)"""
    p = np.minimum(np.maximum((mean - low) / (1.0 - low), 0.0), 1.0)
    q = 1.0 - p
    return -(p * np.log(np.where(p > 0.0, p, 1.0)) + q * np.log(np.where(q > 0.0, q, 1.0)))


def unit_field(mean: np.ndarray, beta: float, low: float) -> np.ndarray:
    """Inverse of ``unit_mean``: the field f with unit_mean(f, beta, low) = mean (so
    beta * f = -d unit_entropy / d mean): atanh(m) / beta for spins, logit(m) / beta for bits.
    (numpy: only array callers.)"""
    p = (mean - low) / (1.0 - low)
    return (np.log(p) - np.log1p(-p)) / ((1.0 - low) * beta)


# -- unit types ------------------------------------------------------------------------------------------


@njit(parallel=True)
def uniforms(rng: Any, out: np.ndarray) -> None:
    """out[c, j] uniform in the open interval (0, 1) (the top 53 bits plus a half), row c
    from stream rng[c]: what the continuous units' inverse-CDF draws start from."""
    for c in prange(out.shape[0]):
        s0, s1, s2, s3 = rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3]
        for j in range(out.shape[1]):
            bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            out[c, j] = uniform_53_open(bits)
        rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3] = s0, s1, s2, s3


def _flat(kernel, values, *args):
    """A jitted elementwise ``kernel`` applied to values of any shape through one
    contiguous 1-D float64 signature (one compilation instead of one per shape)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    return kernel(values.reshape(-1), *args).reshape(values.shape)


def _uniform_rows(streams, shape):
    rows = int(np.prod(shape[:-1], dtype=np.int64)) if len(shape) > 1 else 1
    if rows > len(streams):
        raise ValueError(f"{rows} rows need as many random streams; got {len(streams)}")
    out = np.empty((rows, shape[-1]))
    uniforms(streams, out)
    return out.reshape(shape)


class UnitType:
    """The formulas of one kind of unit (see the module docstring). Instances are
    stateless and compare equal by name."""

    name: ClassVar[str]
    discrete = False
    low: ClassVar[float | None] = None

    def __eq__(self, other):
        return isinstance(other, UnitType) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return repr(self.name)

    def self_energy(self, h: np.ndarray) -> np.ndarray:
        """e(h), the energy of the unit's own state (0 for discrete units)."""
        raise NotImplementedError

    def mean(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        """<h | x>, the activation: ndarray of the broadcast shape of field and beta."""
        raise NotImplementedError

    def variance(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        """Var(h | x)."""
        raise NotImplementedError

    def log_partition(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """ln sum_h (or int dh) exp(-beta (e(h) - x h))."""
        raise NotImplementedError

    def sample(self, field: np.ndarray, beta: float, streams: np.ndarray) -> np.ndarray:
        """States drawn from p(h | x) for fields of shape (n_rows, n_units), row c from
        stream ``streams[c]`` (xoshiro256**, :func:`statmech.rng.random_streams`)."""
        raise NotImplementedError

    def energy_moments(self, field: np.ndarray, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the unit's energy term e(h) - x h under p(h | x): what a
        layer summed out analytically adds to <E> and Var(E) (exact enumeration)."""
        raise NotImplementedError

    def third_cumulant(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """<(h - <h>)^3 | x>."""
        raise NotImplementedError

    # -- the unit at a given mean m (mean field / TAP): Legendre duals of the above ----------

    def field_from_mean(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """The field x with mean(x, beta) = m (the inverse activation)."""
        raise NotImplementedError

    def variance_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """v(m) = Var(h | x(m)): m (1 - m), 1 - m^2, 1 / beta, the truncated-normal variance."""
        return self.variance(self.field_from_mean(m, beta), beta)

    def variance_slope_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """dv / dm = k / v at x(m), k the third cumulant (1 - 2m, -2m, 0, ...)."""
        x = self.field_from_mean(m, beta)
        return self.third_cumulant(x, beta) / self.variance(x, beta)

    def variance_curvature_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """d^2 v / dm^2 = k4 / v^2 - k3^2 / v^3 at x(m) (k3, k4 the third and fourth cumulants)."""
        raise NotImplementedError

    def legendre(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """beta G0(m) = sup_x (beta x m - A(x)) = beta <e(h)> - S(h) at mean m, A the
        log-partition: the single unit's Gibbs free energy times beta (-S(m) for two-state
        units), whose m-derivative is beta x(m)."""
        x = self.field_from_mean(m, beta)
        return beta * x * np.asarray(m, dtype=np.float64) - self.log_partition(x, beta)

    def check_mean(self, m: np.ndarray, name: str = "m", strict: bool = True) -> None:
        """Refuse magnetizations outside the range of the unit's means (open, or closed
        with ``strict=False``)."""
        raise NotImplementedError

    def random_states(self, rng: Any, shape: tuple) -> np.ndarray:
        """Starting states: uniform on the two states of a discrete unit, the unit's
        distribution at zero field and beta = 1 for a continuous one."""
        raise NotImplementedError


class _TwoState(UnitType):
    discrete = True

    def self_energy(self, h):
        return np.zeros(np.shape(h))

    def mean(self, field, beta=1.0):
        return unit_mean_array(np.asarray(field, dtype=np.float64), beta, self.low)

    def variance(self, field, beta=1.0):
        # p (1 - p) from both tails, each to full relative precision (1 - p would not be)
        x = (1.0 - self.low) * beta * np.asarray(field, dtype=np.float64)
        return (1.0 - self.low) ** 2 * special.expit(x) * special.expit(-x)

    def log_partition(self, field, beta=1.0):
        return _flat(unit_log_partition, field, float(beta), self.low)

    def energy_moments(self, field, beta=1.0):
        field = np.asarray(field, dtype=np.float64)
        return -field * self.mean(field, beta), field * field * self.variance(field, beta)

    def sample(self, field, beta, streams):
        field = np.ascontiguousarray(field, dtype=np.float64)
        probabilities = unit_up_probability_array(field, beta, self.low)
        out = np.empty_like(probabilities)
        sample_units_serial(probabilities, self.low, streams[:len(probabilities)], out)
        return out


    def third_cumulant(self, field, beta=1.0):
        mean = self.mean(field, beta)
        return self.variance(field, beta) * _flat(unit_variance_slope, mean, self.low)

    def field_from_mean(self, m, beta=1.0):
        return unit_field(np.asarray(m, dtype=np.float64), beta, self.low)

    def variance_at(self, m, beta=1.0):
        return _flat(unit_variance, m, self.low)

    def variance_slope_at(self, m, beta=1.0):
        return _flat(unit_variance_slope, m, self.low)

    def variance_curvature_at(self, m, beta=1.0):
        return np.full(np.shape(m), -2.0)

    def legendre(self, m, beta=1.0):
        return -unit_entropy(np.asarray(m, dtype=np.float64), self.low)

    def check_mean(self, m, name="m", strict=True):
        outside = (m <= self.low) | (m >= 1.0) if strict else (m < self.low) | (m > 1.0)
        if np.any(outside):
            where = f"strictly inside ({self.low:g}, 1)" if strict else f"in [{self.low:g}, 1]"
            raise ValueError(f"{name} must lie {where} for {self.name} units; got values in "
                             f"[{np.min(m):.3g}, {np.max(m):.3g}]")

    def random_states(self, rng, shape):
        return np.where(rng.integers(0, 2, size=shape) == 1, 1.0, self.low)


class Binary(_TwoState):
    """h in {0, 1}: the sigmoid unit."""

    name = "binary"
    low = 0.0


class Spin(_TwoState):
    """h in {-1, +1}: the tanh unit."""

    name = "spin"
    low = -1.0


class Gaussian(UnitType):
    """h real with e(h) = h^2 / 2: h | x ~ N(x, 1 / beta), the linear unit."""

    name = "gaussian"

    def self_energy(self, h: np.ndarray) -> np.ndarray:
        return 0.5 * np.square(h)

    def mean(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        return np.asarray(field, dtype=np.float64) * np.ones(np.shape(beta))

    def variance(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        return np.ones(np.shape(field)) / beta

    def log_partition(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        field = np.asarray(field, dtype=np.float64)
        return 0.5 * np.log(2.0 * np.pi / beta) + 0.5 * beta * field * field

    def energy_moments(self, field: np.ndarray, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        # e - x h = ((h - x)^2 - x^2) / 2 with h - x ~ N(0, 1/beta)
        field = np.asarray(field, dtype=np.float64)
        return 0.5 / beta - 0.5 * field * field, np.full(field.shape, 0.5 / beta ** 2)

    def third_cumulant(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.zeros(np.broadcast(np.asarray(field), np.asarray(beta)).shape)

    def field_from_mean(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.asarray(m, dtype=np.float64) * np.ones(np.shape(beta))

    def variance_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.ones(np.shape(m)) / beta

    def variance_slope_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.zeros(np.shape(m))

    def variance_curvature_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.zeros(np.shape(m))

    def legendre(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        m = np.asarray(m, dtype=np.float64)
        return 0.5 * beta * m * m - 0.5 * np.log(2.0 * np.pi / beta)

    def check_mean(self, m: np.ndarray, name: str = "m", strict: bool = True) -> None:
        pass

    def random_states(self, rng: Any, shape: tuple) -> np.ndarray:
        return rng.standard_normal(shape)

    def sample(self, field: np.ndarray, beta: float, streams: np.ndarray) -> np.ndarray:
        field = np.asarray(field, dtype=np.float64)
        return field + special.ndtri(_uniform_rows(streams, field.shape)) / np.sqrt(beta)


# The continued fraction D_k = a + (k + 1) / D_{k+1} (Laplace's, for the Mills ratio) is
# used for a = -sqrt(beta) x >= _TAIL, where the direct formulas cancel; _TERMS terms give
# full double precision there.
_TAIL = 3.0
_TERMS = 80


def _continued_fraction(a):
    """(D1, D2, D3, D4) of D_k = a + (k + 1) / D_{k+1}, truncated at D_TERMS = a."""
    d = np.array(a, dtype=np.float64)
    d4 = d3 = d2 = d
    for k in range(_TERMS - 1, 0, -1):
        d, d2, d3, d4 = a + (k + 1) / d, d, d2, d3
    return d, d2, d3, d4


def _piecewise(a, direct, tail):
    """direct(a, r) where a < _TAIL (r the inverse Mills ratio phi(a) / Phi(-a)), and
    tail(a, D1, D2, D3, D4) where a >= _TAIL: elementwise, each only where it applies."""
    a = np.asarray(a, dtype=np.float64)
    out = np.empty(a.shape)
    far = a >= _TAIL
    if np.any(far):
        a_far = a[far]
        out[far] = tail(a_far, *_continued_fraction(a_far))
    near = ~far
    if np.any(near):
        a_near = a[near]
        out[near] = direct(a_near, np.sqrt(2.0 / np.pi) / special.erfcx(a_near / np.sqrt(2.0)))
    return out


class ReLU(UnitType):
    """h >= 0 with e(h) = h^2 / 2: h | x ~ N(x, 1 / beta) truncated to h >= 0, whose mean
    x + phi(z) / (sqrt(beta) Phi(z)) (z = sqrt(beta) x) is a smooth ReLU: 0 for x << -1/sqrt(beta),
    x for x >> 1/sqrt(beta)."""

    name = "relu"

    def self_energy(self, h: np.ndarray) -> np.ndarray:
        return 0.5 * np.square(h)

    @staticmethod
    def _z(field, beta):
        return np.sqrt(beta) * np.asarray(field, dtype=np.float64)

    def log_partition(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        z = self._z(field, beta)
        # z^2/2 + ln Phi(z) = ln(erfcx(-z/sqrt 2) / 2) exactly: no huge terms that cancel for z < 0
        with np.errstate(over="ignore"):
            body = np.where(z < 0, np.log(0.5 * special.erfcx(-z / np.sqrt(2.0))), 0.5 * z * z + special.log_ndtr(z))
        return 0.5 * np.log(2.0 * np.pi / beta) + body

    # Moments of the standardised T = sqrt(beta) (h - x), a normal truncated to T >= a = -z,
    # with r = phi(a) / Phi(-a) the inverse Mills ratio and delta = r - a = sqrt(beta) <h>
    # (Johnson, Kotz & Balakrishnan ch. 13; the cumulants are derivatives of ln Phi(-a)).
    # Near the body they are evaluated directly; in the tail a >= _TAIL, where those
    # formulas cancel, through the continued fraction D_k, rearranged without differences.

    def mean(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        z = self._z(field, beta)
        return _piecewise(-z, lambda a, r: r - a, lambda a, d1, d2, d3, d4: 1.0 / d1) / np.sqrt(beta)

    def variance(self, field: np.ndarray, beta: Any = 1.0) -> np.ndarray:
        z = self._z(field, beta)
        return _piecewise(-z, lambda a, r: 1.0 + a * r - r * r,
                          lambda a, d1, d2, d3, d4: (a + 4.0 / d2 - 3.0 / d3) / (d1 * d1 * d2)) / beta

    def energy_moments(self, field: np.ndarray, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        # e - x h = (T^2 / beta - x^2) / 2 with T = sqrt(beta) (h - x) a standard normal
        # truncated to T >= a = -z: E[T^2] = 1 + a r, E[T^4] = 3 E[T^2] + a^3 r (r the
        # inverse Mills ratio, r = a + delta, delta = sqrt(beta) <h>), so
        # <e - x h> = (1 + a delta) / (2 beta) and Var = (2 + a r - a^2 r delta) / (4 beta^2).
        z = self._z(field, beta)
        a = -z
        delta = np.sqrt(beta) * self.mean(field, beta)
        r = a + delta
        return (1.0 + a * delta) / (2.0 * beta), (2.0 + a * r - a * a * r * delta) / (4.0 * beta * beta)

    def third_cumulant(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        # k3(T) = r (a delta + 2 delta^2 - 1); in the tail 2 r (3 D2 - 2 D3) / (D1^2 D2^2 D3)
        def direct(a, r):
            delta = r - a
            return r * (a * delta + 2.0 * delta * delta - 1.0)

        def tail(a, d1, d2, d3, d4):
            return 2.0 * (a + 1.0 / d1) * (3.0 * d2 - 2.0 * d3) / (d1 * d1 * d2 * d2 * d3)

        return _piecewise(-self._z(field, beta), direct, tail) / np.sqrt(beta) ** 3

    def fourth_cumulant(self, field: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """Fourth cumulant of the unit's value at ``field`` and ``beta`` (ndarray of the
        field's shape), stable in the tail."""
        # k4(T) = -r (6 delta^3 + 6 a delta^2 + a^2 delta - 4 delta - a); in the tail, with
        # e1 = D2 - D1 = (3 D2 - 2 D3) / (D2 D3) and e2 = D2 - D3 = (3 D4 - 4 D3) / (D3 D4),
        # k4(T) = -6 r (e2 (D2 - 2 e1) + e1^2) / (D1^3 D2 D3)
        def direct(a, r):
            delta = r - a
            return -r * (6.0 * delta ** 3 + 6.0 * a * delta ** 2 + a * a * delta - 4.0 * delta - a)

        def tail(a, d1, d2, d3, d4):
            e1 = (3.0 * d2 - 2.0 * d3) / (d2 * d3)
            e2 = (3.0 * d4 - 4.0 * d3) / (d3 * d4)
            return -6.0 * (a + 1.0 / d1) * (e2 * (d2 - 2.0 * e1) + e1 * e1) / (d1 ** 3 * d2 * d3)

        return _piecewise(-self._z(field, beta), direct, tail) / beta ** 2

    def variance_curvature_at(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        x = self.field_from_mean(m, beta)
        v, k3 = self.variance(x, beta), self.third_cumulant(x, beta)
        return self.fourth_cumulant(x, beta) / (v * v) - k3 * k3 / v ** 3

    def field_from_mean(self, m: np.ndarray, beta: float = 1.0) -> np.ndarray:
        # mean(x) is increasing and convex (slope beta Var, Var increasing), mean(x) > max(x, 0),
        # and for small m mean(-1 / (beta m)) < m: Newton's method, kept inside that bracket,
        # on the elements not yet converged. A step below 1e-9 of the field's scale means
        # the next one is exact to rounding (quadratic convergence), so one more is taken.
        m, beta = np.broadcast_arrays(np.asarray(m, dtype=np.float64), np.asarray(beta, dtype=np.float64))
        shape = m.shape
        m, beta = m.ravel(), beta.ravel()
        high = m.copy()
        low = np.minimum(m - 10.0 / np.sqrt(beta), -1.0 / (beta * m))
        x = np.clip(m - 1.0 / (beta * m), low, high)       # right in both limits: x -> m, x -> -1 / (beta m)
        active = np.arange(m.size)
        last = np.zeros(m.size, dtype=bool)
        for _ in range(200):
            xa, ma, ba = x[active], m[active], beta[active]
            error = self.mean(xa, ba) - ma
            high[active] = np.where(error > 0, xa, high[active])
            low[active] = np.where(error <= 0, xa, low[active])
            step = xa - error / (ba * self.variance(xa, ba))
            inside = (step >= low[active]) & (step <= high[active])
            x_new = np.where(inside, step, 0.5 * (low[active] + high[active]))
            x[active] = x_new
            small = inside & (np.abs(x_new - xa) <= 1e-9 * (1.0 / np.sqrt(ba) + np.abs(xa)))
            finished = last[active] | (x_new == xa)
            last[active] = small
            active = active[~finished]
            if active.size == 0:
                break
        return x.reshape(shape)

    def check_mean(self, m: np.ndarray, name: str = "m", strict: bool = True) -> None:
        if np.any(m <= 0):
            raise ValueError(f"{name} must be > 0 for relu units (the mean of a rectified Gaussian); got "
                             f"{np.min(m):.3g}")

    def random_states(self, rng: Any, shape: tuple) -> np.ndarray:
        return np.abs(rng.standard_normal(shape))

    def sample(self, field: np.ndarray, beta: float, streams: np.ndarray) -> np.ndarray:
        # standardised t = sqrt(beta) (h - x) >= a = -z; upper-tail inverse CDF in log space:
        # P(T > t) = Phi(-t) / Phi(-a) = 1 - u, exact in the far tails
        z = self._z(field, beta)
        u = _uniform_rows(streams, z.shape)
        t = -special.ndtri_exp(np.log1p(-u) + special.log_ndtr(z))
        return np.maximum((t + z) / np.sqrt(beta), 0.0)


UNIT_TYPES = {cls.name: cls() for cls in (Binary, Spin, Gaussian, ReLU)}


def unit_type(unit: Any, name: str = "unit") -> UnitType:
    """The UnitType for ``"binary"``, ``"spin"``, ``"gaussian"`` or ``"relu"`` (or a UnitType)."""
    if isinstance(unit, UnitType):
        return unit
    if isinstance(unit, str) and unit in UNIT_TYPES:
        return UNIT_TYPES[unit]
    raise ValueError(f"{name} must be one of {sorted(UNIT_TYPES)}; got {unit!r}")
