"""servicesim: a discrete-event simulator for service-delivery capacity planning.

The flow runs one way: a scenario file is validated into immutable objects
(:mod:`simulator.scenario`), simulated replication by replication on SimPy
(:mod:`simulator.model`), recorded cheaply and turned into tables and KPIs
(:mod:`simulator.metrics`), summarised with confidence intervals
(:mod:`simulator.analysis`) and written out (:mod:`simulator.output`). The
command line (:mod:`simulator.cli`) is a thin layer over :mod:`simulator.experiment`.
"""

__version__ = "0.1.0"

from simulator.errors import InputError, ScenarioError, SimulatorError  # noqa: E402

# the rest on first use (PEP 562): `servicesim --version` and `validate` need neither pandas nor the model
_LAZY = {"Scenario": "simulator.scenario", "load_scenario": "simulator.scenario",
         "RunResult": "simulator.experiment", "run_scenario": "simulator.experiment"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")

__all__ = [
    "__version__",
    "InputError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimulatorError",
    "load_scenario",
    "run_scenario",
]
