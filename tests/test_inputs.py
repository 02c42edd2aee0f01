"""Regression tests for inputs that used to pass unchecked, and for Ctrl-C in exact."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import statmech
from statmech import mc
from statmech.analysis.landscape import all_energy_minima
from statmech.errors import ConvergenceError
from statmech.exact import all_states
from statmech.learning import BernoulliRBM, log_likelihood
from statmech.models import RBM, Ising, SherringtonKirkpatrick

X = (np.random.default_rng(0).random((20, 6)) < 0.5).astype(float)


@pytest.mark.parametrize("call, error, message", [
    (lambda: BernoulliRBM(n_components=3, n_chains=0).fit(X), ValueError, "n_chains must be >= 1"),
    (lambda: BernoulliRBM(n_components=3, n_chains=2.5).fit(X), TypeError, "n_chains must be an integer"),
    (lambda: BernoulliRBM(n_components=3, method="tap2", damping=1.5).fit(X), ValueError, r"damping must be in \[0, 1\)"),
    (lambda: BernoulliRBM(n_components=3, method="tap2", damping=float("nan")).fit(X), ValueError,
     "damping must be finite"),
    (lambda: BernoulliRBM(n_components=3).fit(X, callback=3), TypeError, "callback must be callable"),
    (lambda: BernoulliRBM(n_components=3).fit(X[:0]), ValueError, r"0 sample\(s\) \(shape=\(0, 6\)\)"),
    (lambda: mc.wang_landau(Ising.square(4), max_sweeps=0), ValueError, "max_sweeps must be >= 1"),
    (lambda: mc.wang_landau(Ising.square(4), max_sweeps=-1), ValueError, "max_sweeps must be >= 1"),
    (lambda: mc.wang_landau(Ising.square(4), max_sweeps=1.5), TypeError, "max_sweeps must be an integer"),
    (lambda: mc.wang_landau(Ising.square(4), on_failure="ignore"), ValueError, "on_failure must be"),
    (lambda: Ising.lattice(4), TypeError, "shape must be a tuple"),
    (lambda: statmech.exact(Ising.square(2), True), TypeError, "beta must be a real number"),
    (lambda: statmech.sample(Ising.square(2), True), TypeError, "beta must be a real number"),
    (lambda: mc.Metropolis(checkerboard="yes"), TypeError, "checkerboard must be True, False or None"),
    (lambda: mc.HeatBath(lanes=1), TypeError, "lanes must be True, False or None"),
    (lambda: statmech.exact(Ising.square(4), 1e308), ValueError, "too large for floating point"),
    (lambda: log_likelihood(RBM.random(6, 3, seed=0), X[:0]), ValueError, "at least one sample"),
    (lambda: all_states(-1), ValueError, "n must be >= 0"),
    (lambda: all_states(3, "ising"), ValueError, "domain must be 'spin' or 'binary'"),
    (lambda: all_energy_minima(SherringtonKirkpatrick(31)), ValueError, "n = 31 exceeds 30"),
    (lambda: all_energy_minima(RBM.random(3, 2, visible="gaussian")), ValueError, "two-state units"),
], ids=lambda x: None)
def test_bad_input_is_refused_with_the_parameter_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_exact_at_large_beta_is_the_ground_state_or_an_error():
    th = statmech.exact(Ising.square(4), 1e3)
    assert th.energy == -32.0 and 0 <= th.specific_heat < 1e-200 and np.isclose(th.log_z, 32e3 + np.log(2))
    with pytest.raises(ValueError, match="beta = 1e[+]300 is too large"):
        statmech.exact(Ising.square(4), [1.0, 1e300])


def test_wang_landau_that_runs_out_of_sweeps_carries_its_estimate():
    with pytest.raises(ConvergenceError) as info:
        mc.wang_landau(Ising.square(4), max_sweeps=2, progress=False)
    assert info.value.result.converged is False and info.value.result.log_g.size > 0
    with pytest.warns(statmech.errors.ConvergenceWarning):
        dos = mc.wang_landau(Ising.square(4), max_sweeps=2, on_failure="warn", progress=False)
    assert not dos.converged


def test_wang_landau_with_many_walkers_on_a_sparse_model():
    """>= 32 walkers used to pick the lane engine, which has no per-chain states."""
    dos = mc.wang_landau(Ising.square(4), n_chains=32, log_f_final=1e-3, seed=0, progress=False)
    assert dos.chain_log_g.shape[0] == 32 and dos.converged


def test_tap_log_likelihood_says_when_its_fixed_point_was_not_reached():
    rbm = RBM.random(6, 3, scale=8.0, seed=0)
    with pytest.warns(statmech.errors.ConvergenceWarning):
        result = log_likelihood(rbm, X, method="tap2")
    assert result.converged is False
    assert log_likelihood(RBM.random(6, 3, scale=0.1, seed=0), X, method="tap2").converged is True
    assert float(log_likelihood(RBM.random(6, 3, scale=0.1, seed=0), X)) < 0


def test_interrupted_fit_keeps_what_it_learned(monkeypatch):
    from statmech.learning import _rbm
    calls = {"n": 0}
    original = _rbm.BernoulliRBM._update

    def update(self, batch):
        original(self, batch)
        calls["n"] += 1
        if calls["n"] == 5:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(_rbm.BernoulliRBM, "_update", update)
    estimator = BernoulliRBM(n_components=3, batch_size=4, n_iter=10, random_state=0).fit(X)
    assert estimator.interrupted_ and estimator.n_iter_ == 1 and calls["n"] == 5
    assert np.all(np.isfinite(estimator.components_))


def test_exact_stops_within_a_second_of_ctrl_c():
    big = SherringtonKirkpatrick(32, seed=0)       # 4e9 states: minutes of work
    statmech.exact(SherringtonKirkpatrick(14, seed=0), 1.0)      # compiled before the clock starts
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    # Ctrl-C raises, also where the tests run in the background (which starts them with SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            statmech.exact(big, 1.0)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.perf_counter() - start < 1.3


def test_wang_landau_stopped_before_its_reference_energy_says_so_rather_than_return_nan():
    with pytest.raises(ConvergenceError, match="normalization energy -32.0 was not visited"):
        mc.wang_landau(Ising.square(4), energy_range=(-32, -16), normalization=(-32, 2), max_sweeps=1,
                       check_every=4, seed=0, progress=False)
