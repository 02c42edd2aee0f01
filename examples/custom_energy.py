"""A user-defined energy works with every exact routine: the plaquette model.
==========================================================================

The class below defines only ``energy`` (four-spin interactions around each square
of a torus). statmech checks it with the conformance kit, enumerates it exactly
(warning once that a class with no numba kernel takes the slow path), verifies the
canonical identities F = U - TS, C = beta^2 Var E = -beta^2 dU/dbeta, and counts its
density of states, whose entries must add up to 2**n.

::

    python examples/custom_energy.py [--out DIR]
"""
import argparse
import pathlib

import numpy as np

import statmech
from statmech.testing import check_hamiltonian, check_thermodynamic_identities


class Plaquette(statmech.Hamiltonian):
    """E(s) = -sum over squares of the product of its four spins, on an L x L torus."""

    domain = "spin"

    def __init__(self, L):
        self.L, self.n = L, L * L

    def energy(self, s):
        g = np.asarray(s, dtype=float).reshape(np.shape(s)[:-1] + (self.L, self.L))
        right, down = np.roll(g, 1, -1), np.roll(g, 1, -2)
        return -(g * right * down * np.roll(right, 1, -2)).sum((-1, -2))


parser = argparse.ArgumentParser(description="A user-defined energy: the plaquette model")
parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the figure")
args = parser.parse_args()
model = Plaquette(4)
check_hamiltonian(model)
betas = np.array([0.1, 0.5, 1.0, 2.0])
thermo = check_thermodynamic_identities(model, betas)
print(thermo.per_spin().table())

dos = statmech.density_of_states(model)
assert dos.counts.sum() == 2 ** model.n
print("\nenergy  number of states")
for energy, count in zip(dos.energies, dos.counts):
    print(f"{energy:6.0f}  {count}")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from statmech import plot  # noqa: E402

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
plot.density_of_states(dos, ax=left, label="exact count")
left.set_title("plaquette model, 4 x 4: ln g(E)")
curve = statmech.exact(model, np.geomspace(0.1, 3.0, 100))
plot.thermodynamics(curve, "specific_heat", ax=right, label="exact")
right.set_title("specific heat per spin")
fig.tight_layout()
args.out.mkdir(parents=True, exist_ok=True)
fig.savefig(args.out / "custom_energy.png", dpi=120)
print(f"figure: {args.out / 'custom_energy.png'}")
