"""Do backprop and EMF training descend the same free energy? The seed's central conjecture.

"The EMF RBM and the backprop forward and backward steps effectively do the same thing:
minimise the free energy." The chapter starts an RBM and the tied network of its two
unrolled TAP2 iterations from the same weights (an RBM pre-trained by PCD on the digits),
and trains the network by backprop (a digit classifier: softmax readout, cross-entropy)
and the RBM by EMF (persistent TAP2 magnetizations, plain gradient ascent, no labels). Along both it records the RBM's TAP2 free energy F_TAP and its exact free energy
F = -ln Z (the hidden layer enumerated), and along backprop, on minibatches, the cosine
between backprop's descent direction for the shared weights, -dL/dW, and two directions of
the RBM: -dF_TAP/dW (descending the TAP free energy) and EMF's ascent direction of the
log-likelihood, <v h^T>_data - dln Z_TAP/dW. A random direction's cosine is the null. The
same is measured for the network untied (every layer its own weights; its RBM the layers'
mean, its gradient the sum of the layers').
"""
import time
import warnings

import numpy as np

from .. import mean_field, unroll
from ..errors import ConvergenceWarning
from ..exact import exact
from ..learning import BernoulliRBM, ModelTerm, data_statistics, gradient, tap_statistics
from ..models import RBM
from ._report import ChapterReport, Table, pm, pyplot, run_as_script, save_figure

__all__ = ["run", "main", "alignment"]

REFERENCES = ["M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015): EMF (TAP) training of RBMs",
              "The seed's conjecture: backprop through unrolled mean field and EMF both minimise a free energy"]


def _rbm_of(network):
    """The RBM a (tied or untied) unrolled network carries: its weights and biases, averaged
    over the layers when they are untied."""
    names = network.params
    W = np.mean([names[layer.weight] for layer in network.layers], axis=0)
    a = np.mean([names[n] for n in names if n.startswith("a")], axis=0)
    b = np.mean([names[n] for n in names if n.startswith("b")], axis=0)
    return RBM(W, a, b)


def _tap(model, start):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mean_field(model, 1.0, method="tap2", damping=0.5, max_iter=5000, init=start, on_failure="warn")


def _cosine(x, y):
    return float(np.sum(x * y) / np.sqrt(np.sum(x * x) * np.sum(y * y)))


def alignment(network, X, onehot, batches, rng):
    """Cosines, one per minibatch of rows ``batches``, between backprop's descent direction for
    the weights (summed over the layers of an untied network) and (-dF_TAP/dW, EMF's ascent
    direction, a random direction): an array (n_batches, 3)."""
    model = _rbm_of(network)
    tap = _tap(model, X.mean(0))
    m_v, m_h = tap.m[None, :model.n_visible], tap.m[None, model.n_visible:]
    descend_f = tap_statistics(model, m_v, m_h, "tap2")["W"]              # -dF_TAP/dW = dln Z_TAP/dW
    rows = []
    for rows_of_batch in batches:
        _, grads = network.backward(X[rows_of_batch], onehot[rows_of_batch], loss="cross_entropy")
        step = -np.sum([grads[layer.weight] for layer in {layer.weight: layer for layer in network.layers}.values()],
                       axis=0)
        emf = data_statistics(model, X[rows_of_batch])["W"] - descend_f
        rows.append([_cosine(step, descend_f), _cosine(step, emf), _cosine(step, rng.normal(size=step.shape))])
    return np.array(rows)


def run(quick=True, out="."):
    """quick: digits, 16 hidden units, 12 epochs; full: 40 epochs."""
    from .. import datasets

    clock = time.perf_counter()
    data = datasets.digits()
    X, y = data.X_train, data.y_train
    n_hidden, epochs, batch_size, rate = 16, (12 if quick else 40), 32, 0.03
    onehot = np.eye(10)[y]
    rng = np.random.default_rng(0)
    probe = [rng.choice(len(X), batch_size, replace=False) for _ in range(16)]     # minibatches for the cosines

    start = BernoulliRBM(n_components=n_hidden, method="pcd", learning_rate=0.05, batch_size=20, n_iter=20,
                         random_state=0, verbose=False).fit(X).model_          # the common start
    tied = unroll(start, 1.0, steps=2, method="tap2")
    untied = unroll(start, 1.0, steps=2, method="tap2").untie()

    def free_energies(model):
        return _tap(model, X.mean(0)).free_energy, -exact(model, 1.0).log_z

    tracks = {"backprop, tied": [], "backprop, untied": [], "EMF": []}
    cosines = {"backprop, tied": [], "backprop, untied": []}
    for name, network in (("backprop, tied", tied), ("backprop, untied", untied)):
        def record(epoch, net, name=name):
            tracks[name].append(free_energies(_rbm_of(net)))
            cosines[name].append(alignment(net, X, onehot, probe, np.random.default_rng(epoch)))
        network.fit(X, y, epochs=epochs, batch_size=batch_size, learning_rate=rate, seed=0, progress=False,
                    callback=record)
    params = {name: value.copy() for name, value in start.parameters().items()}
    term = ModelTerm("tap2", n_chains=batch_size, seed_sequence=np.random.SeedSequence(0))
    batches = [X[s:s + batch_size] for s in range(0, len(X), batch_size)]
    for _ in range(epochs):
        for batch in batches:
            model = start.with_parameters(**params)
            ascent = gradient(model, batch, term.statistics(model, batch))
            params = {name: params[name] + 0.01 * ascent[key] for name, key in zip(params, ("W", "a", "b"))}
        tracks["EMF"].append(free_energies(start.with_parameters(**params)))
    tracks = {name: np.array(values) for name, values in tracks.items()}            # (epoch, [F_TAP, F])
    cosines = {name: np.array(values) for name, values in cosines.items()}          # (epoch, batch, 3)
    f0 = free_energies(start)

    rows = []
    for name, track in tracks.items():
        rows.append([name, f"{f0[0]:.2f} → {track[-1, 0]:.2f}", f"{f0[1]:.2f} → {track[-1, 1]:.2f}"]
                    + ([pm(cosines[name][..., k].mean(), cosines[name][..., k].std(ddof=1)) for k in range(3)]
                       if name in cosines else ["–", "–", "–"]))
    accuracy = {name: float((net.predict(data.X_test) == data.y_test).mean()) for name, net in
                (("backprop, tied", tied), ("backprop, untied", untied))}
    table = Table(f"{data.description}, RBM {X.shape[1]} × {n_hidden}, one start, {epochs} epochs; free energies "
                  "at β = 1 (TAP2 from the data mean; exact with the hidden layer enumerated), start → end; cosines "
                  "between backprop's descent direction for W and the RBM's directions, mean ± spread over "
                  f"{len(probe)} minibatches × {epochs} epochs",
                  ("training", "F_TAP", "F = −ln Z (exact)", "cos(−∂L/∂W, −∂F_TAP/∂W)", "cos(−∂L/∂W, EMF)",
                   "cos(−∂L/∂W, random)"), rows)
    c_tied, c_untied = cosines["backprop, tied"], cosines["backprop, untied"]
    null = np.concatenate([c_tied[..., 2].ravel(), c_untied[..., 2].ravel()]).std(ddof=1)

    def mean_se(values):
        values = values.ravel()
        return values.mean(), values.std(ddof=1) / np.sqrt(values.size)

    df = {name: track[-1, 1] - f0[1] for name, track in tracks.items()}
    (f_t, f_t_se), (e_t, e_t_se), (n_t, n_t_se) = (mean_se(c_tied[..., k]) for k in range(3))
    (f_u, f_u_se), (e_u, e_u_se) = (mean_se(c_untied[..., k]) for k in range(2))
    lower = all(change < 0 for change in df.values())
    aligned = e_t > 3 * e_t_se
    reading = (
        "Along backprop of the tied network the RBM's exact free energy F = −ln Z changes by "
        f"{df['backprop, tied']:+.2f}, untied by {df['backprop, untied']:+.2f}, and along EMF by {df['EMF']:+.2f}"
        + (" — all three lower it" if lower else "") + ". "
        f"Per minibatch, backprop's step for W and EMF's step have cosine {pm(e_t, e_t_se)} (mean ± standard error "
        f"over {c_tied[..., 1].size} minibatch-epochs; between minibatches it spreads by "
        f"{c_tied[..., 1].std(ddof=1):.2f}), backprop's step and the descent of F_TAP {pm(f_t, f_t_se)}, and a "
        f"random direction {pm(n_t, n_t_se)} (one random cosine spreads by {null:.3f}). "
        + (f"So the two steps are aligned beyond chance but weakly: a cosine of {e_t:.2f} is an angle of "
           f"{np.degrees(np.arccos(e_t)):.0f}°" if aligned and e_t < 0.5 else
           "So the two steps are well aligned" if aligned else "So the two steps are not aligned beyond chance")
        + f"; untied, the cosines are {pm(e_u, e_u_se)} with EMF's step and {pm(f_u, f_u_se)} with the descent of "
        "F_TAP. "
        + ("Read literally — backprop and EMF take the same steps on the same free-energy landscape — the "
           "conjecture is not what is measured: "
           + ("both lower the free energy, but by nearly orthogonal steps."
              if lower else "they do not even move the free energy the same way.")
           if not (aligned and e_t >= 0.5) else "The measurement supports the conjecture at this size.")
        + f" (Test accuracy: tied {accuracy['backprop, tied']:.1%}, untied {accuracy['backprop, untied']:.1%}.)")
    figure = _plot(out, tracks, cosines, f0, null)
    return ChapterReport("conjecture", "Do backprop and EMF descend the same free energy?",
                         "The EMF RBM and the backprop forward and backward steps effectively do the same thing: "
                         "minimise the free energy.",
                         REFERENCES, [table], [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, tracks, cosines, f0, null):
    plt = pyplot()
    if plt is None:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, track in tracks.items():
        epochs = np.arange(len(track) + 1)
        line, = left.plot(epochs, np.concatenate([[f0[1]], track[:, 1]]), "o-", label=f"{name}: exact F")
        left.plot(epochs, np.concatenate([[f0[0]], track[:, 0]]), "--", color=line.get_color(),
                  label=f"{name}: F_TAP")
    left.set(xlabel="epoch", ylabel="free energy at β = 1", title="the RBM's free energy along training")
    left.legend(fontsize=7)
    for name, c in cosines.items():
        epochs = np.arange(1, len(c) + 1)
        for k, label in ((0, "−∂F_TAP/∂W"), (1, "EMF step")):
            right.errorbar(epochs, c[..., k].mean(1), c[..., k].std(1, ddof=1), fmt="o-", capsize=2,
                           label=f"{name} vs {label}")
    right.axhspan(-2 * null, 2 * null, color="0.85", label="random direction (±2 sd)")
    right.set(xlabel="epoch", ylabel="cosine with backprop's step", title="gradient alignment")
    right.legend(fontsize=7)
    return save_figure(figure, out, "backprop_vs_emf.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
