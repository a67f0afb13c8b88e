"""Fonts for names in any script: matplotlib falls back, glyph by glyph, from DejaVu Sans to NanumGothic
(shipped in the koreanize-matplotlib package, MIT/OFL), so a scenario written in Korean draws its Hangul
instead of empty boxes. The package is not imported (its import restyles matplotlib and needs distutils);
only its font files are registered."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FALLBACK = "NanumGothic"
_registered = False


def use_fonts() -> None:
    """Register the fallback fonts once and put them after the default family."""
    global _registered
    if _registered:
        return
    _registered = True
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    for path in sorted(fonts.glob("NanumGothic*.ttf")):
        font_manager.fontManager.addfont(str(path))
    # glyph-by-glyph fallback runs along font.family's entries (a generic "sans-serif" resolves to one font)
    families = [f for f in matplotlib.rcParams["font.family"] if f != FALLBACK]
    families = ["DejaVu Sans" if f == "sans-serif" else f for f in families]
    matplotlib.rcParams["font.family"] = families + [FALLBACK]
