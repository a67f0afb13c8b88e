"""Units, distributions and arrival profiles: the building blocks of a scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.arrivals import arrival_times
from simulator.distributions import (Constant, Empirical, Erlang, Exponential, Gamma, Hyperexponential,
                                     LogNormal, TruncatedNormal, Triangular, Uniform)
from simulator.scenario.model import ArrivalProfile, Clock
from simulator.units import UnitError, format_duration, parse_clock, parse_duration


@pytest.mark.parametrize("text, minutes", [
    (5, 5.0), (2.5, 2.5), ("20s", 1 / 3), ("1.5min", 1.5), ("2h", 120.0), ("1d", 1440.0), ("90 sec", 1.5),
    ("3", 3.0), ("24h", 1440.0), ("1h30min", 90.0), ("1h 30m", 90.0), ("2min 30s", 2.5),
])
def test_durations_with_units(text, minutes):
    assert math.isclose(parse_duration(text), minutes)


@pytest.mark.parametrize("bad", ["5 parsecs", "soon", "", True, [1], "nan", "1h30", "1h 30 parsecs"])
def test_bad_durations_are_refused_with_the_value(bad):
    with pytest.raises(UnitError, match="duration"):
        parse_duration(bad)


def test_clock_times():
    assert parse_clock("08:30") == 510
    assert parse_clock("24:00") == 1440
    assert parse_clock(510) == 510          # YAML 1.1 reads an unquoted 08:30 as 510
    for bad in ("25:00", "8h", "08:61"):
        with pytest.raises(UnitError):
            parse_clock(bad)


def test_durations_are_printed_as_planners_say_them():
    assert format_duration(0.5) == "30s"
    assert format_duration(3.25) == "3.2 min"
    assert format_duration(150) == "2.5 h"


DISTRIBUTIONS = [Exponential(3.0), Constant(2.0), Uniform(1.0, 5.0), Triangular(1.0, 2.0, 6.0),
                 TruncatedNormal(4.0, 1.0), TruncatedNormal(1.0, 2.0), LogNormal(10.0, 6.0), Gamma(6.0, 0.8),
                 Gamma(1.0, 2.0), Erlang(5.0, 3), Empirical((1.0, 2.0, 4.0, 9.0)),
                 Hyperexponential.by_mean_and_cv(4.0, 1.3), Hyperexponential((0.8, 0.2), (5.0, 40.0))]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.family)
def test_sample_moments_match_the_exact_ones(dist):
    """Sample mean within 4 standard errors of the exact mean; the variance within 5%."""
    values = dist.sample(np.random.default_rng(3), 400_000)
    assert (values >= 0).all()
    sd = math.sqrt(max(dist.second_moment - dist.mean ** 2, 0.0))
    assert abs(values.mean() - dist.mean) <= 4 * sd / math.sqrt(len(values)) + 1e-12
    if sd > 0 and dist.cv < 1.5:   # heavy-tailed sample variances converge too slowly to test cheaply
        assert math.isclose(values.var(), sd ** 2, rel_tol=0.05)


def test_a_hyperexponential_by_mean_and_cv_has_exactly_them_and_reads_back_as_written():
    for mean, cv in ((12.0, 1.0), (12.0, 2.0), (3.0, 4.5)):
        dist = Hyperexponential.by_mean_and_cv(mean, cv)
        assert math.isclose(dist.mean, mean) and math.isclose(dist.cv, cv)
        assert math.isclose(dist.shares[0] * dist.means[0], dist.shares[1] * dist.means[1])   # balanced means
        assert dist.spec() == {"hyperexponential": {"mean": mean, "cv": cv}}
    phases = Hyperexponential((0.8, 0.2), (5.0, 40.0))
    assert phases.mean == 12.0 and math.isclose(phases.second_moment, 2 * (0.8 * 25 + 0.2 * 1600))
    assert phases.scaled(0.5).means == (2.5, 20.0)


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.family)
def test_scaling_multiplies_every_value(dist):
    assert math.isclose(dist.scaled(2.0).mean, 2.0 * dist.mean)


def test_arrivals_follow_the_day_profile_exactly_in_expectation():
    """Counts per period over many replications: mean within 4 standard errors of rate x length."""
    clock = Clock(day_length=600, days=2, interval=30)
    profile = ArrivalProfile((60.0, 0.0, 240.0, 120.0, 30.0))
    rng = np.random.default_rng(9)
    runs = 400
    counts = np.array([np.histogram(arrival_times(profile, clock, rng), bins=np.arange(11) * 120)[0]
                       for _ in range(runs)])
    expected = np.tile(np.array(profile.per_hour) * 2, 2)   # 2 hours per period, repeated each day
    standard_error = np.sqrt(np.maximum(expected, 1) / runs)
    assert np.all(np.abs(counts.mean(axis=0) - expected) <= 4 * standard_error)
    assert counts[:, 1].sum() == 0 and counts[:, 6].sum() == 0   # a closed period gets nobody


def test_arrivals_within_a_period_are_poisson():
    """Interarrival times of a constant rate: exponential (mean and coefficient of variation 1)."""
    clock = Clock(day_length=6000, interval=60)
    times = arrival_times(ArrivalProfile((120.0,)), clock, np.random.default_rng(4))
    gaps = np.diff(times)
    assert math.isclose(gaps.mean(), 0.5, rel_tol=0.02)
    assert math.isclose(gaps.std() / gaps.mean(), 1.0, rel_tol=0.03)
    assert times.min() >= 0 and times.max() < clock.horizon


def test_empirical_durations_from_a_csv_sample(tmp_path):
    from simulator.scenario import build_scenario
    from tests.conftest import single_queue
    (tmp_path / "handle_times.csv").write_text("call,minutes\n1,2.5\n2,4\n3,\"90s\"\n")
    mapping = single_queue(per_hour=60, duration={"empirical": {"csv": "handle_times.csv", "column": "minutes"}},
                           headcount=2, horizon=60, warmup=0, replications=1)
    scenario = build_scenario(mapping, "test.yaml", base_dir=tmp_path)
    assert scenario.processes[0].steps[0].duration == Empirical((2.5, 4.0, 1.5))


def test_multi_day_interval_labels_end_each_day_at_closing():
    clock = Clock(day_length=600, days=2, open_at=480, interval=30)
    assert clock.interval_labels(0) == ("d1 08:00", "d1 08:30")
    assert clock.interval_labels(19) == ("d1 17:30", "d1 18:00")
    assert clock.interval_labels(20) == ("d2 08:00", "d2 08:30")


def test_erlang_c_staffing_is_the_fewest_agents_meeting_the_target():
    from simulator.queueing import erlang_c_agents, mmc_service_level
    agents = erlang_c_agents(6.0, 1 / 3, 20 / 60, 0.8)
    assert mmc_service_level(6.0, 1 / 3, agents, 20 / 60) >= 0.8
    assert mmc_service_level(6.0, 1 / 3, agents - 1, 20 / 60) < 0.8
