"""Slow, obvious reference implementations the fast code is tested against."""
import itertools

import numpy as np


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
