"""The animation: snapshots show what the run did (and change nothing), the file has the frames asked for."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.animation import FFMpegWriter
from PIL import Image

from simulator.animate import DPI, PANEL_WIDTH
from simulator.cli import main
from simulator.model.customers import Customers
from simulator.output import current_umask
from simulator.randomness import replication_seed
from simulator.replication import run_model, run_replication
from simulator.scenario import load_scenario
from simulator.snapshots import BREAK, BUSY, IDLE, OFF, TRAINING, SnapshotSystem, film_scenario, frame_times
from tests.conftest import SCENARIOS, build, values


def shift_day() -> dict:
    """Two agents 09:00-10:00 with a staggered 10-minute break 20 minutes in; one more, from 09:30, is in
    training 09:30-09:40 (course off the floor); a bot before the agents."""
    return {
        "name": "shift day", "clock": {"open": "09:00", "close": "10:00"},
        "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 5}]}},
        "staff": {
            "early": {"shifts": [{"start": "09:00", "end": "10:00", "count": 2}], "skills": {"s": 3},
                      "breaks": [{"after": "20min", "length": "10min", "stagger": "20min"}]},
            "late": {"shifts": [{"start": "09:30", "end": "10:00", "count": 1}], "skills": {"s": 3}},
        },
        "training": {"course": {"pool": "late", "skill": "s", "to_level": 4, "share": 1.0,
                                "off_floor": {"start": "09:30", "length": "10min"}}},
    }


def test_snapshots_show_who_does_what_at_each_moment():
    """One call at 09:02 (5 minutes with the first agent, the longest idle); the first agent's break is
    09:20-09:30, the second's 09:30-09:40; the late agent trains 09:30-09:40 and works from 09:40."""
    scenario = build(shift_day())
    people = Customers([2.0], np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), [math.inf],
                       [[(0, 5.0, 1.0, 1.0)]])
    times = np.array([0.0, 3.0, 21.0, 31.0, 45.0])
    system, _ = run_model(scenario, 1, partial(SnapshotSystem, times=times), people)
    assert system.states.tolist() == [
        [IDLE, IDLE, OFF],          # 09:00: the late shift has not started
        [BUSY, IDLE, OFF],          # 09:03: the call (channel 0) is with the first agent
        [BREAK, IDLE, OFF],         # 09:21: first agent's break
        [IDLE, BREAK, TRAINING],    # 09:31: second agent's break; the late agent is on the course
        [IDLE, IDLE, IDLE],         # 09:45
    ]
    assert system.waiting.sum() == 0


def test_looking_changes_nothing_and_the_last_frame_equals_the_replication_kpis():
    scenario = load_scenario(SCENARIOS / "contact_centre.yaml")
    seed = replication_seed(scenario.seed, 0)
    _, plain = run_model(scenario, seed)
    times = frame_times(scenario, 7.0, 0, 2 * scenario.clock.horizon)
    _, watched = run_model(scenario, seed, partial(SnapshotSystem, times=times))
    for column in ("arrived_at", "answered_at", "departed_at", "service_start", "service_agent", "outcome"):
        np.testing.assert_array_equal(getattr(plain, column), getattr(watched, column))
    film = film_scenario(scenario, times)
    kpis = values(run_replication(scenario, 0).kpis)
    # service level, wait and abandonment in the first service-level target's scope: callers only
    assert film.scope == "channel:phone"
    assert film.service_level[-1] == kpis[("service_level", "channel:phone")]
    assert film.abandonment[-1] == kpis[("abandon_rate", "channel:phone")]
    assert math.isclose(film.wait_mean[-1], kpis[("wait_mean", "channel:phone")], rel_tol=1e-12)
    assert film.repeats[-1] == kpis[("repeat_contacts", "all")]
    assert math.isclose(film.satisfaction[-1], kpis[("satisfaction_mean", "all")], rel_tol=1e-12)
    # at the end only the email backlog still waits (for the next opening); every customer was served
    email = next(k for k, name in enumerate(film.resources) if "email" in name.split(" + "))
    assert film.waiting[-1].sum() == film.waiting[-1][email] == kpis[("unfinished", "channel:email")]
    assert np.all(np.diff(film.completed) >= 0)


def test_frame_times_cover_the_window_at_the_step():
    scenario = build(shift_day())
    assert frame_times(scenario, 3.0).tolist() == [3.0 * k for k in range(21)]
    assert frame_times(scenario, 7.0, 10.0, 30.0).tolist() == [10.0, 17.0, 24.0]


def test_animate_writes_a_gif_with_one_frame_per_step_and_a_panel_per_scenario(tmp_path):
    out = tmp_path / "day.gif"
    result = CliRunner().invoke(main, ["animate", str(SCENARIOS / "contact_centre.yaml"), "--compare",
                                       "plus_two_agents", "--from", "09:00", "--until", "09:30", "--speed", "20min",
                                       "--fps", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "16 frames" in result.output       # every 2 minutes from 09:00 to 09:30, both ends
    with Image.open(out) as image:
        assert image.n_frames == 16
        assert image.width == round(2 * PANEL_WIDTH * DPI)
    assert [p.name for p in tmp_path.iterdir()] == ["day.gif"]    # no temporary file left behind
    assert out.stat().st_mode & 0o777 == 0o666 & ~current_umask()


def test_animate_rejects_bad_requests_with_a_clear_message(tmp_path):
    scenario = str(SCENARIOS / "contact_centre.yaml")
    for args, message in [
        (["--compare", "nope"], "--compare nope: expected one of plus_two_agents"),
        (["--from", "07:00"], "--from: must be within opening hours (08:00-18:00)"),
        (["--from", "10:00", "--until", "09:00"], "--until must be later than --from"),
        (["--day", "9"], "--day 9: the scenario has 3 days"),
        (["--speed", "fast"], "--speed: must be a duration"),
    ]:
        result = CliRunner().invoke(main, ["animate", scenario, "--out", str(tmp_path / "x.gif"), *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    result = CliRunner().invoke(main, ["animate", scenario, "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "expected a file name ending in .gif, .html or .mp4" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not FFMpegWriter.isAvailable(), reason="ffmpeg is not installed")
def test_animate_writes_an_mp4_when_ffmpeg_is_installed(tmp_path):
    out = tmp_path / "day.mp4"
    result = CliRunner().invoke(main, ["animate", str(SCENARIOS / "bank_branch.yaml"), "--until", "09:20",
                                       "--speed", "10min", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "21 frames" in result.output and out.stat().st_size > 0


def test_skills_the_same_pools_serve_show_as_one_queue():
    """Pooled, every agent takes billing and tech calls, the longest-waiting first: one queue on film."""
    from simulator.snapshots import shared_queues
    from simulator.scenario.loader import load_variants
    scenarios = load_variants(SCENARIOS / "lessons" / "pooling.yaml")
    base, pooled = scenarios["baseline"], scenarios["pooled"]
    assert shared_queues(base) == (["billing", "tech"], [[0], [1]])
    assert shared_queues(pooled) == (["billing + tech"], [[0, 1]])
    times = frame_times(pooled, 5.0, 0, 240)
    film, raw = film_scenario(pooled, times), run_model(pooled, replication_seed(pooled.seed, 0),
                                                          partial(SnapshotSystem, times=times))[0]
    assert film.resources == ["billing + tech"]
    np.testing.assert_array_equal(film.waiting[:, 0], raw.waiting.sum(axis=1))


def test_the_legend_stays_inside_a_single_panel():
    from simulator.animate import Scene
    scenario = load_scenario(SCENARIOS / "contact_centre.yaml")
    scene = Scene([film_scenario(scenario, frame_times(scenario, 30.0, 0, 600))], ["contact centre"])
    scene.figure.canvas.draw()
    box = scene.figure.legends[0].get_window_extent()
    figure = scene.figure.bbox
    assert box.x0 >= figure.x0 and box.x1 <= figure.x1 and box.y0 >= figure.y0
    labels = [text.get_text() for text in scene.figure.legends[0].get_texts()]
    assert "idle" in labels and any(label.startswith("busy: ") for label in labels)
