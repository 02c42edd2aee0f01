"""Type aliases of statmech's annotations (the ``numpy.typing`` ones, and the vocabulary's).

``ArrayLike`` is anything numpy turns into an array; ``Seed`` what every stochastic call
takes as ``seed`` (an int, a SeedSequence, a Generator, or None for fresh entropy);
``PathLike`` a file path. Annotations describe; every function still validates its
arguments at run time.
"""
import os
from typing import Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "NDArray", "Seed", "PathLike"]

#: What ``seed`` takes.
Seed = Union[int, np.random.SeedSequence, np.random.Generator, None]
#: A file path.
PathLike = Union[str, "os.PathLike[str]"]
