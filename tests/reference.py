"""Slow, obvious reference implementations the fast code is tested against."""
import itertools

import numpy as np
from scipy import stats

import statmech


def all_states(n, domain):
    low = -1 if domain == "spin" else 0
    return np.array(list(itertools.product([low, 1], repeat=n)), dtype=np.int8).reshape(-1, n)


def pairwise_energy(couplings, fields, offset, states):
    """E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + offset, by explicit loops over pairs."""
    J = np.asarray(couplings.toarray() if hasattr(couplings, "toarray") else couplings)
    n = J.shape[0]
    s = states.astype(float)
    e = np.full(s.shape[0], float(offset))
    for i in range(n):
        e -= fields[i] * s[:, i]
        for j in range(i + 1, n):
            e -= J[i, j] * s[:, i] * s[:, j]
    return e


def brute_thermodynamics(energies, mags, beta):
    """Dict of ln Z, U, C, <M>, <|M|>, chi from a full list of state energies."""
    log_w = -beta * energies
    top = log_w.max()
    w = np.exp(log_w - top)
    z = w.sum()
    p = w / z
    u = p @ energies
    m = p @ mags
    return dict(log_z=top + np.log(z), energy=u, specific_heat=beta ** 2 * (p @ (energies - u) ** 2),
                magnetization=m, abs_magnetization=p @ np.abs(mags),
                susceptibility=beta * (p @ (mags - m) ** 2))


def boltzmann(energies, beta):
    w = np.exp(-beta * (energies - energies.min()))
    return w / w.sum()


def state_index(states, domain):
    """Row index of each state in all_states(n, domain) (first variable is the most significant bit)."""
    bits = (np.asarray(states) == 1).astype(np.int64)
    n = bits.shape[-1]
    return bits @ (1 << np.arange(n - 1, -1, -1))


def _components(n, bonds):
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in bonds:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


def cluster_transition_matrix(couplings, beta, kind):
    """Exact transition matrix of one Wolff cluster flip or one Swendsen-Wang sweep.

    Every aligned bond is active with probability p = 1 - exp(-2 beta J) (FK representation,
    which gives the same cluster law as growing it); enumerate all subsets of aligned bonds.
    Wolff: a uniformly random seed's component flips. SW: each component flips with 1/2.
    """
    J = np.asarray(couplings.toarray() if hasattr(couplings, "toarray") else couplings)
    n = J.shape[0]
    states = all_states(n, "spin")
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if J[i, j] != 0]
    P = np.zeros((len(states), len(states)))
    for a, s in enumerate(states):
        aligned = [(i, j) for i, j in edges if s[i] == s[j]]
        probs = [1 - np.exp(-2 * beta * J[i, j]) for i, j in aligned]
        for mask in itertools.product([0, 1], repeat=len(aligned)):
            weight = np.prod([p if m else 1 - p for p, m in zip(probs, mask)])
            roots = _components(n, [e for e, m in zip(aligned, mask) if m])
            if kind == "wolff":
                for seed in range(n):
                    new = s.copy()
                    new[[k for k in range(n) if roots[k] == roots[seed]]] *= -1
                    P[a, state_index(new, "spin")] += weight / n
            else:
                labels = sorted(set(roots))
                for flips in itertools.product([0, 1], repeat=len(labels)):
                    new = s.copy()
                    for label, f in zip(labels, flips):
                        if f:
                            new[[k for k in range(n) if roots[k] == label]] *= -1
                    P[a, state_index(new, "spin")] += weight / 2 ** len(labels)
    return P


def ar1(rho, size, seed):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=size)
    x = np.empty(size)
    x[0] = noise[0] / np.sqrt(1 - rho ** 2)
    for t in range(1, size):
        x[t] = rho * x[t - 1] + noise[t]
    return x


def exact_samples(hamiltonian, beta, size, seed):
    states = all_states(hamiltonian.n, hamiltonian.domain)
    pi = boltzmann(hamiltonian.energy(states), beta)
    return states[np.random.default_rng(seed).choice(len(states), size=size, p=pi)], pi


def chi_square_p_value(observed_states, pi, domain):
    counts = np.bincount(state_index(observed_states, domain), minlength=len(pi))
    expected = pi * counts.sum()
    keep = expected >= 5
    observed = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if expected[-1] == 0:
        observed, expected = observed[:-1], expected[:-1]
    return stats.chisquare(observed, expected).pvalue


class Triangles(statmech.Hamiltonian):
    """A user model that defines only energy: three-spin plaquettes on a ring."""

    domain = "spin"

    def __init__(self, n):
        self.n = n

    def energy(self, s):
        s = np.asarray(s, dtype=float)
        return -(s * np.roll(s, 1, -1) * np.roll(s, 2, -1)).sum(-1) - 0.3 * s[..., 0]
