"""Boltzmann learning of any Hamiltonian with parameters, from fully observed states.

A model takes part by offering three methods (``PairwiseHamiltonian`` has them):

- ``parameters()`` -> dict of name -> ndarray,
- ``with_parameters(**arrays)`` -> the same kind of model with those values,
- ``energy_gradient(states)`` -> dict of name -> mean over ``states`` of dE/dtheta
  (optionally weighted: ``energy_gradient(states, weights)`` with weights summing to 1).

The log-likelihood gradient is then <dE/dtheta>_model - <dE/dtheta>_data, the model
term by exact enumeration (all 2**n states, n <= 20) or by persistent Markov chains
(PCD: any sampler whose engine can follow a changing Hamiltonian).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..exact import all_states
from ..hamiltonian import content_digest, structure_hint
from ..mc.drivers import resolve_sampler, restore_engine
from ..records import RunRecord
from ..runloop import Field, Loop, Run, at_least, finite, prefixed, unprefixed
from ..validation import as_int, as_states
from ..nn.optim import make_optimizer

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, PathLike, Seed

__all__ = ["boltzmann_learning", "BoltzmannResult"]


@dataclass(frozen=True, eq=False, kw_only=True)
class BoltzmannResult(RunRecord):
    """The parameters Boltzmann learning fitted (:func:`boltzmann_learning`).

    Attributes
    ----------
    parameters : dict of str to ndarray
        The fitted parameters, named as the model's ``parameters()`` names them:
        ``result.fitted(hamiltonian)`` is the fitted model.
    gradient_norm : ndarray of shape (n_iter,)
        Max ``|gradient|`` over all parameters at each update.
    method, model : str
        ``model`` describes the fitted model.
    seed, elapsed, interrupted
        As every run record; Ctrl-C keeps the parameters reached.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import learning
    >>> from statmech.models import SherringtonKirkpatrick
    >>> start = SherringtonKirkpatrick(5, seed=0)
    >>> data = np.random.default_rng(0).choice([-1, 1], (200, 5))
    >>> r = learning.boltzmann_learning(start, data, n_iter=5, seed=0, progress=False)
    >>> sorted(r.parameters), r.gradient_norm.shape
    (['couplings', 'fields'], (5,))
    >>> r.fitted(start).n                                  # the model with the fitted parameters
    5
    """

    dims = {"gradient_norm": ("update",)}

    parameters: dict
    gradient_norm: np.ndarray
    method: str
    model: str

    def fitted(self, hamiltonian: Any) -> Any:
        """The fitted model: ``hamiltonian.with_parameters(**parameters)``, for the model
        learning started from (or any of its kind)."""
        return hamiltonian.with_parameters(**self.parameters)


def boltzmann_learning(hamiltonian: Any, data: ArrayLike, *, method: str = "exact", n_iter: int = 1000,
                       learning_rate: float = 0.02, optimizer: Any = "adam", n_chains: int = 100, n_sweeps: int = 1,
                       sampler: Any = None, seed: Seed | None = None, progress: bool | None = None,
                       checkpoint: PathLike | None = None, checkpoint_every: int = 100) -> BoltzmannResult:
    """Fit the parameters of ``hamiltonian`` (at beta = 1) to fully observed states.

    Parameters
    ----------
    hamiltonian : Hamiltonian with parameters(), with_parameters() and energy_gradient()
        The starting model (see the module docstring).
    data : array_like of shape (n_samples, n)
        States in the model's domain.
    method : {"exact", "pcd"}
        Model expectations by enumerating every state (n <= 20), or from ``n_chains``
        persistent chains making ``n_sweeps`` sweeps of ``sampler`` per update.
    n_iter : int
        Updates (full-batch).
    learning_rate : float
    optimizer : {"adam", "sgd"}
    n_chains : int, default 100
        Persistent chains (PCD). The model term of the gradient is their average, whose
        noise (~ 1 / sqrt(n_chains)) sets how close the fit gets, hence more than
        ``sample``'s 4.
    n_sweeps : int, default 1
    sampler : sampler configuration, default HeatBath()
    seed : int, SeedSequence or None
    progress : bool or None
    checkpoint : path or None
        If given, the parameters, optimiser state and chains are saved there every
        ``checkpoint_every`` updates, on Ctrl-C and at the end; if the file exists the fit
        resumes from it (same arguments, model and data; ``n_iter`` may grow) and ends
        bit-identical to an uninterrupted fit.
    checkpoint_every : int, default 100

    Returns
    -------
    BoltzmannResult

    References
    ----------
    D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985);
    T. Tieleman, ICML (2008) for persistent chains.

    Examples
    --------
    Fitting an Ising model to exact samples of an SK instance (exact gradients) reduces the
    error of its couplings:

    >>> import numpy as np, statmech
    >>> from statmech import learning
    >>> from statmech.exact import boltzmann_samples
    >>> from statmech.models import SherringtonKirkpatrick
    >>> truth = SherringtonKirkpatrick(6, seed=0)
    >>> data = boltzmann_samples(truth, 1.0, n_samples=5000, seed=0)
    >>> start = SherringtonKirkpatrick(6, seed=1)
    >>> fit = learning.boltzmann_learning(start, data, n_iter=300, learning_rate=0.05, seed=0, progress=False)
    >>> bool(learning.coupling_error(truth, fit.fitted(start)) < learning.coupling_error(truth, start))
    True
    """
    for name in ("parameters", "with_parameters", "energy_gradient"):
        if not callable(getattr(hamiltonian, name, None)):
            raise TypeError(f"Boltzmann learning needs a Hamiltonian with parameters(), with_parameters() and "
                            f"energy_gradient(); {type(hamiltonian).__name__} has no {name}()")
    if structure_hint(hamiltonian):
        raise TypeError(f"Boltzmann learning of {type(hamiltonian).__name__} would fit the parameters of its "
                        f"structure's energy, not its own{structure_hint(hamiltonian)}")
    if method not in ("exact", "pcd"):
        raise ValueError(f"method must be 'exact' or 'pcd'; got {method!r}")
    n_iter = as_int(n_iter, "n_iter", minimum=1)
    data = as_states(data, hamiltonian.n, hamiltonian.domain, "data")
    if data.ndim != 2:
        raise ValueError(f"data must be 2-D (n_samples, {hamiltonian.n}); got shape {data.shape}")
    data_term = hamiltonian.energy_gradient(data)
    step = make_optimizer(optimizer, learning_rate)
    run = Run("boltzmann_learning", seed, progress, n_iter, "Boltzmann learning", checkpoint, checkpoint_every,
              {"method": method, "learning_rate": learning_rate, "n_chains": n_chains,
               "optimizer": optimizer if isinstance(optimizer, str) else type(optimizer).__name__,
               "n_sweeps": n_sweeps, "sampler": repr(sampler),
               "model": None if checkpoint is None else hamiltonian.content_hash(),
               "data": None if checkpoint is None else content_digest(data)})
    if method == "exact" and hamiltonian.n > 20:
        raise ValueError(f"method 'exact' enumerates 2**n states; n = {hamiltonian.n} > 20 (use 'pcd')")
    engine = None
    if method == "pcd":
        sampler = resolve_sampler(hamiltonian, sampler)
        state_seed, chain_seed = run.seed_sequence.spawn(2)
        start = data[np.random.default_rng(state_seed).integers(0, len(data), n_chains)]
        engine = sampler.engine(hamiltonian, start, np.ones(n_chains), chain_seed, path=True)
    fit = run.execute(_Ascent(hamiltonian, data_term, step, engine, n_iter, n_sweeps))
    done, model = fit.position, fit.model
    return BoltzmannResult(parameters={name: value.copy() for name, value in fit.params.items()},
                           gradient_norm=fit.norms[:done], method=method, model=repr(model),
                           interrupted=run.interrupted, seed=run.seed, elapsed=run.elapsed)


class _Ascent(Loop):
    """Gradient ascent of the log-likelihood: a step is one update of the parameters, its
    model term from exact enumeration (``engine`` None) or from the persistent chains of
    ``engine`` after ``n_sweeps`` sweeps (PCD). Ctrl-C keeps the parameters reached."""

    def __init__(self, hamiltonian, data_term, optimizer, engine, n_iter, n_sweeps):
        self.hamiltonian = self.model = hamiltonian
        self.params = {name: np.array(value, dtype=np.float64) for name, value in hamiltonian.parameters().items()}
        self.data_term, self.optimizer, self.engine, self.n_iter, self.n_sweeps = (data_term, optimizer, engine,
                                                                                    n_iter, n_sweeps)
        self.norms = np.empty(n_iter)
        if engine is None:
            self.states = all_states(hamiltonian.n, hamiltonian.domain)
        else:
            self.scratch = np.empty((len(engine.energy), 1))
        self.n_steps = n_iter

    def advance(self, t):
        model = self.model
        if self.engine is None:
            energy = model.energy(self.states)
            weights = np.exp(-(energy - energy.min()))
            model_term = model.energy_gradient(self.states, weights / weights.sum())
        else:
            self.engine.run(1, self.n_sweeps, self.scratch, self.scratch.copy(), 0)
            model_term = model.energy_gradient(self.engine.get_states())
        # d ln L / d theta = <dE>_model - <dE>_data; the optimiser descends, so it gets minus that
        grads = {name: self.data_term[name] - model_term[name] for name in self.params}
        self.norms[t] = max(np.abs(g).max() for g in grads.values())
        self.optimizer.step(self.params, grads)
        self.model = self.hamiltonian.with_parameters(**self.params)
        if self.engine is not None:
            self.engine.set_hamiltonian(self.model)
        self.position = t + 1

    def fields(self, done):
        fields = dict(prefixed("param", {name: Field.like(value, finite) for name, value in self.params.items()}),
                      **self.optimizer.snapshot_fields(self.params, done),
                      gradient_norm=Field(np.float64, (done,), at_least(0.0)))
        if self.engine is not None:
            fields.update(prefixed("engine", self.engine.snapshot_fields()))
        return fields

    def restore(self, saved, run):
        done = run.resumed_step
        for name, value in unprefixed("param", saved).items():
            self.params[name][...] = value
        self.optimizer.restore(saved)
        self.norms = np.concatenate([saved["gradient_norm"], np.empty(max(self.n_iter - done, 0))])
        try:
            self.model = self.hamiltonian.with_parameters(**self.params)
        except ValueError as error:             # e.g. couplings no longer symmetric
            raise run.damaged("param_couplings", f"do not make a model ({error})") from None
        if self.engine is not None:
            self.engine.set_hamiltonian(self.model)
            restore_engine(run, self.engine, saved, 1.0, done * self.n_sweeps * self.engine.attempts_per_sweep)
        self.position = done

    def snapshot(self):
        arrays = prefixed("param", self.params)
        arrays.update(self.optimizer.snapshot(), gradient_norm=self.norms[:self.position])
        if self.engine is not None:
            arrays.update(prefixed("engine", self.engine.snapshot()))
        return arrays
