"""Colours that stay apart for readers with colour-vision deficiency: the chart palette, the report's
three verdict styles and the animation's tiles, compared after simulating deuteranopia and protanopia
(Machado et al. 2009, full severity, via colorspacious) by their CAM02-UCS colour difference.

A difference of about 10 or more is easy to see side by side; the Okabe-Ito palette reaches 14 in the
worst pair. The browser test of the report adds the same check on what Chromium draws with deuteranopia
emulated (tests/test_browser.py)."""

from __future__ import annotations

import itertools

import pytest

colorspacious = pytest.importorskip("colorspacious", reason="colorspacious is not installed (pip install -e '.[test]')")

from simulator.animate import CHANNEL_COLOURS, STATE_COLOURS  # noqa: E402
from simulator.charts import COLOURS, TARGET  # noqa: E402
from simulator.report import VERDICT_COLOURS  # noqa: E402

DEFICIENCIES = ("deuteranomaly", "protanomaly")


def rgb(colour: str) -> list[float]:
    return [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]


def seen(colour: str, deficiency: str):
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return colorspacious.cspace_convert(rgb(colour), space, "sRGB1")


def closest_pair(colours, deficiency: str) -> tuple[float, str, str]:
    return min((colorspacious.deltaE(seen(a, deficiency), seen(b, deficiency), input_space="sRGB1"), a, b)
               for a, b in itertools.combinations(colours, 2))


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_the_series_colours_stay_apart(deficiency):
    """The six colours charts draw series in (a seventh, yellow, is for fills only), and the target's
    neutral grey against each of them."""
    assert closest_pair(COLOURS[:6], deficiency)[0] >= 12
    assert closest_pair(COLOURS[:6] + [TARGET["color"]], deficiency)[0] >= 12


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_the_three_verdicts_stay_apart(deficiency):
    """Met, missed and CI-spans-target: before, missed red and spans amber were 2 apart under deuteranopia."""
    assert closest_pair(VERDICT_COLOURS.values(), deficiency)[0] >= 15


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_the_animation_tiles_stay_apart(deficiency):
    """Idle, break, training, not at work, and the first three channels' busy colours."""
    assert closest_pair(list(STATE_COLOURS.values()) + CHANNEL_COLOURS[:3], deficiency)[0] >= 12
