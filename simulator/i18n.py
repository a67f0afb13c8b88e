"""The words the simulator speaks: English by default, Korean with ``--lang ko`` (console, report, charts,
the animation and lesson sheets).

A catalogue per language lives in ``simulator/locale/<code>.yaml``: ``kpis`` (a KPI's label, by its code
name), and ``text`` (any other phrase, by its English wording, with ``{placeholders}`` kept as they are).
:func:`tr` looks a phrase up and fills it in; a phrase missing from the catalogue is said in English, so a
new message is never lost, only untranslated. Code names (``service_level``, file and column names) stay
as they are in every language: they are what scripts and the docs use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

LANGUAGES = ("en", "ko")
_current = os.environ.get("SERVICESIM_LANG", "en") if os.environ.get("SERVICESIM_LANG") in LANGUAGES else "en"


def set_language(code: str) -> None:
    """Speak ``code`` (one of LANGUAGES) from now on (the CLI sets it from ``--lang`` or SERVICESIM_LANG)."""
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}: expected one of {', '.join(LANGUAGES)}")
    _current = code


def language() -> str:
    return _current


@lru_cache(maxsize=None)
def catalogue(code: str) -> dict:
    if code == "en":
        return {"kpis": {}, "text": {}}
    path = Path(__file__).with_name("locale") / f"{code}.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {"kpis": data.get("kpis") or {}, "text": data.get("text") or {}}


def tr(text: str, **values) -> str:
    """``text`` in the current language, with ``values`` filled into its ``{placeholders}``."""
    said = catalogue(_current)["text"].get(text, text)
    return said.format(**values) if values else said


def kpi_name(metric: str) -> str | None:
    """The KPI's label in the current language, or None (then the English label is used)."""
    return catalogue(_current)["kpis"].get(metric)
