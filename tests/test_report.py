"""report.html: valid, self-contained (nothing fetched), with every section."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from tests.conftest import SCENARIOS


class Checker(HTMLParser):
    """Collects headings, resource references and tag balance."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.headings, self.sources, self._in_heading = [], [], [], False

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
        self._in_heading = tag in ("h1", "h2", "h3")
        for name, value in attrs:
            if name in ("src", "href"):
                self.sources.append(value)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
        self._in_heading = False

    def handle_data(self, data):
        if self._in_heading and data.strip():
            self.headings.append(data.strip())


def check(path: Path) -> Checker:
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>")
    checker = Checker()
    checker.feed(text)
    assert checker.stack == []                                    # every tag closed
    assert checker.sources and all(s.startswith("data:image/png;base64,") for s in checker.sources)
    assert not re.search(r"https?://", text)                      # nothing fetched from the network
    return checker


def run(*args: str, out: Path) -> Path:
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--quiet", "--report"])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder / "report.html"


@pytest.fixture(scope="module")
def contact_centre_report(tmp_path_factory) -> Path:
    """One run of the contact centre over two days with its report, read by several tests."""
    return run("run", str(SCENARIOS / "contact_centre.yaml"), "-r", "2", "--set", "clock.days=2",
               out=tmp_path_factory.mktemp("contact_centre"))


def test_a_run_report_has_every_section(contact_centre_report):
    checker = check(contact_centre_report)
    for heading in ("Retail bank contact centre", "Targets", "KPIs, all contacts (waits: real-time contacts)",
                    "Charts", "By channel: phone", "By step: billing.follow_up", "By pool: agents", "Provenance"):
        assert heading in checker.headings, heading
    # the answer first: the verdicts right after the title, before any table of KPIs
    assert checker.headings.index("Targets") < checker.headings.index("KPIs, all contacts (waits: real-time contacts)")
    assert len(checker.sources) == 15     # every chart (backlog, its age, response time, the heat map, four views)


def test_a_comparison_report_has_the_comparison(tmp_path):
    checker = check(run("compare", str(SCENARIOS / "contact_centre.yaml"), "-r", "2", "--set", "clock.days=1",
                        out=tmp_path))
    assert "Comparison" in checker.headings and "service_level" in checker.headings
    assert "Provenance" in checker.headings


def test_report_command_on_an_existing_folder_and_on_a_wrong_one(tmp_path):
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "bank_branch.yaml"), "-r", "2", "--out", str(tmp_path),
                                       "--quiet"])
    (folder,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0 and (folder / "report.html").exists()
    check(folder / "report.html")
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a results folder" in result.stderr


def test_charts_come_in_reading_order_the_answer_first(contact_centre_report):
    from simulator.report import _charts

    folder = contact_centre_report.parent
    captions = [part.split("<figcaption>")[1] for part in _charts(folder)]
    assert captions[0].startswith("Service level by interval")
    assert captions.index(next(c for c in captions if c.startswith("Of everyone who queued"))) < \
        captions.index(next(c for c in captions if c.startswith("Distribution of the satisfaction")))


def test_a_lesson_sheet_cannot_put_markup_or_scripts_in_the_report(tmp_path):
    """Raw HTML in a sheet's body or a claim is shown as text; javascript: links are not links."""
    import shutil

    lessons = SCENARIOS / "lessons"
    shutil.copy(lessons / "pooling.yaml", tmp_path / "hostile.yaml")
    sheet = (lessons / "pooling.md").read_text(encoding="utf-8")
    sheet = sheet.replace('says: "Pooled, customers wait less"', 'says: "<img src=x onerror=alert(1)> wait less"')
    sheet = sheet.replace("## The set-up", "## The set-up\n\n<script>alert('sheet')</script>\n\n"
                                           "[click me](javascript:alert(1)) and [docs](https://example.org)")
    (tmp_path / "hostile.md").write_text(sheet, encoding="utf-8")
    result = CliRunner().invoke(main, ["lesson", str(tmp_path / "hostile.md"), "-r", "2", "--no-animation", "-q",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (page,) = (tmp_path / "out").glob("*/*/report.html")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(" in text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert 'href="javascript:' not in text and '<a href="https://example.org">docs</a>' in text
