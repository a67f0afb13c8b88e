"""Korean (--lang ko): the console, report, charts, animation and two lesson sheets speak it; Hangul names
draw without a missing glyph; English stays the default."""

from __future__ import annotations

import re
import string
import warnings

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.i18n import catalogue, set_language
from tests.conftest import ROOT, SCENARIOS


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_translation_keeps_the_english_placeholders_and_every_kpi_has_a_korean_name():
    from simulator.kpis import KPIS

    ko = catalogue("ko")
    for english, korean in ko["text"].items():
        assert placeholders(english) == placeholders(korean), english
    assert {kpi.name for kpi in KPIS} <= set(ko["kpis"])


def test_the_console_speaks_korean_and_english_stays_the_default(tmp_path):
    said = invoke("--lang", "ko", "run", str(SCENARIOS / "help_desk.yaml"), "-r", "2", "--out", str(tmp_path / "ko"),
                  "--no-charts")
    assert "목표: 충족" in said and "서비스 레벨 (service_level)" in said and "95% 신뢰구간" in said
    lines = [line for line in said.splitlines() if line.startswith("인입 건수 (offered)")]
    header = next(line for line in said.splitlines() if line.startswith("KPI (전체 문의"))
    from simulator.console import display_width
    # columns line up in a terminal: Hangul is two columns wide
    assert display_width(lines[0]) <= display_width(header) + 40
    english = invoke("run", str(SCENARIOS / "help_desk.yaml"), "-r", "2", "--out", str(tmp_path / "en"), "--no-charts")
    assert "Targets: " in english and "목표" not in english


def test_the_report_and_charts_speak_korean_without_a_missing_glyph(tmp_path):
    data = yaml.safe_load((SCENARIOS / "help_desk.yaml").read_text(encoding="utf-8"))
    data["name"] = "IT 서비스 데스크"
    path = tmp_path / "데스크.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        invoke("--lang", "ko", "run", str(path), "-r", "2", "--out", str(tmp_path / "out"), "--report", "--quiet")
    assert not [w for w in caught if "Glyph" in str(w.message)]
    (page,) = (tmp_path / "out").glob("*/*/report.html")
    text = page.read_text(encoding="utf-8")
    assert '<html lang="ko">' in text
    for heading in ("목표", "차트", "실행 정보", "채널별: phone"):
        assert f"<h2>{heading}</h2>" in text, heading
    assert "서비스 레벨" in text and any(word in text for word in ("신뢰구간이 목표에 걸침", "충족", "미달"))
    assert page.parent.parent.name.startswith("it-서비스-데스크")


def test_the_animation_speaks_korean_and_draws_hangul(tmp_path):
    from simulator.animate import Scene, kpi_lines
    from simulator.scenario import load_scenario
    from simulator.snapshots import film_scenario, frame_times

    set_language("ko")
    scenario = load_scenario(SCENARIOS / "contact_centre.yaml")
    film = film_scenario(scenario, frame_times(scenario, 30.0, 0, 300))
    labels = [label for label, _ in kpi_lines(film, 3)]
    assert labels[0].startswith("서비스 레벨") and "상담원 평균 대기 (phone)" in labels
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scene = Scene([film], ["기준안"])
        frame = next(scene.frames())
    assert frame.shape[2] == 3 and not [w for w in caught if "Glyph" in str(w.message)]
    texts = [t.get_text() for t in scene.figure.legends[0].get_texts()]
    assert "대기 중" in texts and any(t.startswith("업무 중: ") for t in texts)


@pytest.mark.parametrize("name", ["pooling", "one_more_agent"])
def test_two_lessons_have_korean_sheets_with_the_same_claims(name):
    from simulator.lessons import find_lesson, translations

    english = find_lesson(name)
    assert set(translations(english)) == {"ko"}
    set_language("ko")
    korean = find_lesson(name)
    assert korean.sheet_file == ROOT / "scenarios" / "lessons" / "ko" / f"{name}.md"
    assert korean.scenario_file == english.scenario_file and korean.animation == english.animation
    strip = [(c.variant, c.kpi, c.direction, c.scope, c.by_at_least) for c in english.claims]
    assert [(c.variant, c.kpi, c.direction, c.scope, c.by_at_least) for c in korean.claims] == strip
    assert all(re.search("[가-힣]", claim.says) for claim in korean.claims)
    assert re.search("[가-힣]", korean.template) and "{{ baseline." in korean.template


@pytest.mark.slow   # a whole end-to-end check: pytest -m slow (.ci/run runs it)
def test_a_korean_lesson_runs_and_checks_its_claims_in_korean(tmp_path):
    said = invoke("--lang", "ko", "lesson", "one_more_agent", "--no-animation", "--out", str(tmp_path))
    assert "# 높은 부하에서 상담원 한 명 더" in said and "## 이번 실행이 보여 주는가?" in said
    assert said.count(": 확인됨") == 3
