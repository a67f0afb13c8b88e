"""Which files each chart is written as: PNG always (what DESIGN.md promises, and what the report embeds);
SVG too when asked for (``--svg``: for slides and print, where a vector scales). SVG doubled the time of
a chart set, so it is no longer drawn unasked. Kept here, apart from matplotlib, so the command line can
set it without importing matplotlib."""

from __future__ import annotations

_formats: tuple[str, ...] = ("png",)


def chart_formats() -> tuple[str, ...]:
    """The file formats a chart is saved in, PNG first."""
    return _formats


def set_chart_formats(svg: bool = False) -> None:
    """PNG only, or PNG and SVG."""
    global _formats
    _formats = ("png", "svg") if svg else ("png",)
