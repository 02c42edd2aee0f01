"""Studies: a task run at every point of a grid of coordinates (sizes, temperatures,
disorder instances, hyperparameters), on a local process pool, any
``concurrent.futures.Executor`` or a Dask cluster, into a zarr store that survives
crashes and resumes; then disorder averages with jackknife or bootstrap errors.

>>> from statmech import study
>>> s = study.Study("ea3d.zarr", binder, grid={"L": [4, 6, 8], "instance": range(1000)}, seed=0)  # doctest: +SKIP
>>> s.run()                                                                                       # doctest: +SKIP
>>> g = study.disorder_average(s.results(), "instance",
...                            statistic=lambda q2, q4: 0.5 * (3 - q4 / q2**2))                  # doctest: +SKIP
"""
from ._average import disorder_average
from ._grid import point_key, point_seed
from ._study import Failure, Study, StudyRun

__all__ = ["Failure", "Study", "StudyRun", "disorder_average", "point_key", "point_seed"]
