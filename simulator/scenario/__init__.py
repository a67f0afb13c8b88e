"""Scenario files: YAML in, a validated immutable :class:`Scenario` out."""

from simulator.scenario.loader import build_scenario, load_baseline, load_scenario, load_variants
from simulator.scenario.model import (ArrivalProfile, Channel, Clock, Demand, Pool, Process, Scenario,
                                      Segment, SkillLevel, Step, Target)

__all__ = [
    "ArrivalProfile", "Channel", "Clock", "Demand", "Pool", "Process", "Scenario", "Segment",
    "SkillLevel", "Step", "Target", "build_scenario", "load_baseline", "load_scenario", "load_variants",
]
