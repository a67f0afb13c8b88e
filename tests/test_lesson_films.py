"""Each lesson's film shows what its sheet asks the room to watch (replication 1, the lesson's window).

The sheets' "What to watch" items are claims about the film; these tests check them on the frames the
lesson command draws, so a change of scenario, seed or window that makes the film stop showing them fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.cli import film_times
from simulator.lessons import find_lesson
from simulator.scenario import load_variants
from simulator.snapshots import BUSY, IDLE, Film, film_scenario, idle_elsewhere

def lesson_films(name: str) -> tuple[Film, Film]:
    lesson = find_lesson(name)
    variants = load_variants(lesson.scenario_file, {})
    animation = lesson.animation
    times = film_times(variants["baseline"], animation.start, animation.until, animation.speed, animation.fps)
    return film_scenario(variants["baseline"], times), film_scenario(variants[animation.compare], times)


def seconds_of_film(name: str, frames: int) -> float:
    return frames / find_lesson(name).animation.fps


def longest_run(moments: np.ndarray) -> int:
    best = run = 0
    for moment in moments:
        run = run + 1 if moment else 0
        best = max(best, run)
    return best


def stranded(film: Film) -> np.ndarray:
    """Frames where customers wait while a pool that cannot take them has idle agents."""
    return np.array([bool(idle_elsewhere(film, frame)) for frame in range(len(film))])


def everyone_busy_and_waiting(film: Film) -> np.ndarray:
    return (film.states >= BUSY).all(axis=1) & (film.waiting.sum(axis=1) > 0)


def test_pooling_two_queues_with_idle_agents_beside_one_queue():
    two_teams, pooled = lesson_films("pooling")
    assert two_teams.resources == ["billing", "tech"] and pooled.resources == ["billing + tech"]
    assert seconds_of_film("pooling", longest_run(stranded(two_teams))) >= 2   # a key moment lasts 2 s of film or more
    assert stranded(two_teams).mean() > 0.1
    assert not stranded(pooled).any()                        # pooled: nobody waits while someone is free


def test_chatbot_resolves_chats_and_brings_repeat_chats_back():
    no_bot, bot = lesson_films("chatbot")
    assert bot.bots_busy.max() > 0 and no_bot.bots_busy.max() == 0
    assert bot.contained[-1] > 50 and np.all(np.diff(bot.contained) >= 0)
    assert bot.repeats[-1] > no_bot.repeats[-1]
    chat = bot.resources.index("chat")
    assert bot.waiting[:, chat].mean() < no_bot.waiting[:, chat].mean()   # fewer chats reach the team


def test_one_more_agent_drains_the_same_bursts_faster():
    ten, eleven = lesson_films("one_more_agent")
    assert eleven.waiting.mean() < 0.6 * ten.waiting.mean()
    assert everyone_busy_and_waiting(ten).mean() > everyone_busy_and_waiting(eleven).mean()


def test_premium_priority_leaves_the_queue_as_long():
    fifo, premium_first = lesson_films("premium_priority")
    assert premium_first.waiting.mean() == pytest.approx(fifo.waiting.mean(), rel=0.25)


def test_process_redesign_two_queues_with_stranded_capacity_beside_one():
    two_teams, one_team = lesson_films("process_redesign")
    assert two_teams.resources == ["registration", "assessment"] and one_team.resources == ["assessment"]
    assert seconds_of_film("process_redesign", longest_run(stranded(two_teams))) >= 1
    assert not stranded(one_team).any()


def test_training_shortens_the_queue_and_leaves_more_agents_idle():
    untrained, trained = lesson_films("training")
    assert trained.waiting.mean() < 0.5 * untrained.waiting.mean()
    assert (trained.states == IDLE).sum(axis=1).mean() > (untrained.states == IDLE).sum(axis=1).mean()


def test_quality_at_source_the_assessors_queue_never_empties_and_trained_assessors_have_time_to_spare():
    untrained, trained = lesson_films("quality_at_source")
    assessing = untrained.resources.index("assessment")
    after_an_hour = len(untrained) // 4
    assert (untrained.waiting[after_an_hour:, assessing] > 0).mean() > 0.9
    assert (trained.states == IDLE).sum(axis=1).mean() > (untrained.states == IDLE).sum(axis=1).mean() + 1


def test_recovering_a_failure_one_handlers_queue_grows_all_day_and_three_keep_up():
    one, three = lesson_films("recovering_a_failure")
    complaints = one.resources.index("complaints")
    queue = one.waiting[:, complaints]
    assert queue[-1] > queue[len(queue) // 4] > 0
    assert three.waiting[:, complaints].mean() < 0.25 * queue.mean()


def test_standard_work_keeps_the_queue_short_at_the_same_average_speed():
    today, standard = lesson_films("standard_work")
    assert standard.waiting.mean() < 0.7 * today.waiting.mean()
    assert standard.waiting.max() < today.waiting.max()
