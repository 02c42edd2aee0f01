"""Unrolled mean-field networks: forward pass == solver iterates, backprop == finite differences."""
import warnings

import numpy as np
import pytest

import statmech
from statmech.errors import ConvergenceWarning
from statmech.models import RBM, SherringtonKirkpatrick
from statmech.nn import MLP

RBM_MODEL = RBM.random(7, 5, scale=0.8, seed=1, bias_scale=0.5)
SK_MODEL = SherringtonKirkpatrick(9, seed=2)


def _start(model, k=3):
    rng = np.random.default_rng(0)
    if model is RBM_MODEL:
        return rng.uniform(0.1, 0.9, (k, model.n_visible))
    return rng.uniform(-0.9, 0.9, (k, model.n))


def _solver(model, beta, method, damping, x0, t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return statmech.mean_field(model, beta, method=method, damping=damping, init=x0, max_iter=t, tol=0.0,
                                   on_failure="warn").m


@pytest.mark.parametrize("model", [RBM_MODEL, SK_MODEL, RBM_MODEL.to_domain("spin")], ids=repr)
@pytest.mark.parametrize("method", ["naive", "tap2"])
@pytest.mark.parametrize("damping", [0.0, 0.3])
def test_forward_pass_is_the_solvers_iterates_and_untie_keeps_it(model, method, damping):
    beta, steps = 0.8, 4
    x0 = _start(RBM_MODEL if model is not SK_MODEL else SK_MODEL)
    if model.domain == "spin" and model is not SK_MODEL:
        x0 = 2 * x0 - 1
    net = statmech.unroll(model, beta, steps=steps, method=method, damping=damping)
    assert isinstance(net, MLP) and net.tied
    acts = net.forward(x0, return_all=True)
    bipartite = model is not SK_MODEL
    assert len(net.layers) == (1 + 2 * steps if bipartite else steps)
    for t in range(1, steps + 1):
        layer_output = np.hstack([acts[2 * t], acts[2 * t + 1]]) if bipartite else acts[t]
        np.testing.assert_array_equal(layer_output, _solver(model, beta, method, damping, x0, t))
    untied = net.untie()
    assert not untied.tied
    np.testing.assert_array_equal(untied.forward(x0), net.forward(x0))


def _numeric_gradient(net, x, y, loss, step=1e-6):
    out = {}
    for name, p in net.params.items():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + step
            up, _ = net.backward(x, y, loss)
            flat[i] = old - step
            down, _ = net.backward(x, y, loss)
            flat[i] = old
            gflat[i] = (up - down) / (2 * step)
        out[name] = g
    return out


@pytest.mark.parametrize("model", [RBM_MODEL, SK_MODEL], ids=repr)
@pytest.mark.parametrize("method, damping", [("naive", 0.0), ("tap2", 0.0), ("tap2", 0.3)])
@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
@pytest.mark.parametrize("tie", ["tied", "untied"])
def test_backprop_matches_finite_differences(model, method, damping, loss, tie):
    net = statmech.unroll(model, 0.8, steps=2, method=method, damping=damping)
    net = net if tie == "tied" else net.untie()
    x = _start(model)
    out = net.forward(x)
    low = -1.0 if model.domain == "spin" else 0.0
    y = low + (1 - low) * np.random.default_rng(1).uniform(0.1, 0.9, out.shape)
    _, grads = net.backward(x, y, loss)
    numeric = _numeric_gradient(net, x, y, loss)
    scale = max(np.abs(g).max() for g in numeric.values())
    for name in net.params:
        np.testing.assert_allclose(grads[name], numeric[name], atol=1e-7 * scale, err_msg=name)


@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
def test_backprop_through_the_readout(loss):
    net = statmech.unroll(RBM_MODEL, 1.0, steps=2, method="tap2")
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (12, 7))
    y = rng.integers(0, 3, 12) if loss == "cross_entropy" else rng.normal(size=(12, 2))
    net.fit(X, y, loss=loss, epochs=1, batch_size=12, learning_rate=0.0, seed=0, progress=False)
    targets = np.eye(3)[y] if loss == "cross_entropy" else y
    _, grads = net.backward(X, targets, loss)
    numeric = _numeric_gradient(net, X, targets, loss)
    for name in net.params:
        np.testing.assert_allclose(grads[name], numeric[name], atol=1e-7, err_msg=name)


def test_fit_learns_a_separable_task_tied_and_untied():
    """Two prototype patterns with bit-flip noise: the tied unrolled RBM with a softmax
    readout reaches high training accuracy, and so does its untied copy."""
    rng = np.random.default_rng(0)
    prototypes = (rng.random((2, 16)) < 0.5).astype(float)
    labels = rng.integers(0, 2, 200)
    X = np.abs(prototypes[labels] - (rng.random((200, 16)) < 0.1))
    rbm = RBM.random(16, 8, scale=0.1, seed=0)
    for net in (statmech.unroll(rbm, 1.0, steps=2, method="tap2"), statmech.unroll(rbm, 1.0, steps=2, method="tap2").untie()):
        net.fit(X, labels, epochs=30, batch_size=20, learning_rate=0.05, seed=0, progress=False)
        assert net.loss_curve_[-1] < 0.5 * net.loss_curve_[0]
        assert (net.predict(X) == labels).mean() > 0.95
        assert net.predict_proba(X).shape == (200, 2)


def test_errors():
    net = statmech.unroll(RBM_MODEL, 1.0, steps=2)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 7\)"):
        net.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="loss must be"):
        net.backward(np.zeros((2, 7)), np.zeros((2, 5)), loss="hinge")
    with pytest.raises(ValueError, match="predict_proba needs a softmax readout"):
        net.predict_proba(np.zeros((2, 7)))
    with pytest.raises(ValueError, match="steps must be >= 1"):
        statmech.unroll(RBM_MODEL, 1.0, steps=0)
    with pytest.raises(ValueError, match="finite"):
        net.forward(np.full((1, 7), np.nan))
