"""The API reference, module by module: (module, page title). A name is documented once,
under the first module here that exports it (``statmech.sample`` before ``statmech.mc``).
docs/conf.py writes the pages from this list; tests/test_docs.py checks that every name it
reaches has a docstring."""
API = [("statmech", "statmech: models, drivers, exact results"),
       ("statmech.models", "statmech.models"),
       ("statmech.mc", "statmech.mc: Monte Carlo"),
       ("statmech.meanfield", "statmech.meanfield: mean field and TAP"),
       ("statmech.nn", "statmech.nn: networks and unrolling"),
       ("statmech.learning", "statmech.learning"),
       ("statmech.estimators", "statmech.estimators"),
       ("statmech.study", "statmech.study: studies"),
       ("statmech.plot", "statmech.plot"),
       ("statmech.unit_types", "statmech.unit_types"),
       ("statmech.analysis", "statmech.analysis"),
       ("statmech.testing", "statmech.testing"),
       ("statmech.dimod", "statmech.dimod: D-Wave Ocean"),
       ("statmech.datasets", "statmech.datasets"),
       ("statmech.schedules", "statmech.schedules"),
       ("statmech.thermodynamics", "statmech.thermodynamics"),
       ("statmech.exact", "statmech.exact"),
       ("statmech.results", "statmech.results: records"),
       ("statmech.errors", "statmech.errors: warnings and errors")]


def documented(obj):
    """Whether a name of a module's ``__all__`` gets an API page: statmech's own functions
    and classes (not constants, not re-exported third-party objects)."""
    import inspect
    return (inspect.isclass(obj) or callable(obj)) and getattr(obj, "__module__", "").startswith("statmech")
