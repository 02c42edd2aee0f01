"""A user-defined energy works with every exact routine: the plaquette model.
==========================================================================

The class below defines only ``energy`` (four-spin interactions around each square
of a torus). statmech checks it with the conformance kit, enumerates it exactly
(warning once that a class with no numba kernel takes the slow path), verifies the
canonical identities F = U - TS, C = beta^2 Var E = -beta^2 dU/dbeta, and counts its
density of states, whose entries must add up to 2**n.
"""
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
