"""The pages a user opens, in a real browser (headless Chromium through Selenium): the explorer's slider
moves and its numbers are the run's; the report reads at desktop and phone widths.

Skipped, with the reason, where Chromium, its driver or Selenium is not installed (``.ci/run`` installs
them: Debian's ``chromium`` and ``chromium-driver``, and Selenium with the test extras)."""

from __future__ import annotations

import itertools
import json
import shutil

import pytest
from click.testing import CliRunner

from simulator.cli import main
from tests.conftest import SCENARIOS

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install -e '.[test]')")
    if BROWSER is None or DRIVER is None:
        pytest.skip("no Chromium and chromedriver installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_explorer_slider_shows_what_the_run_gives(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    scenario = str(SCENARIOS / "mmc_textbook.yaml")
    invoke("explore", scenario, "--vary", "staff.agents.headcount=18:26", "-r", "4", "--out", str(tmp_path), "--quiet")
    (page,) = tmp_path.glob("*/*-explore/explorer.html")
    browser.set_window_size(1280, 900)
    browser.get(page.as_uri())
    slider = browser.find_element(By.ID, "slider-0")
    assert browser.find_element(By.ID, "value-0").text == "18"
    for _ in range(4):                       # 18 -> 22, as a user moves it with the keyboard
        slider.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "value-0").text == "22"
    shown = float(browser.find_element(By.ID, "kpi-service_level@all").get_attribute("data-value"))
    run = json.loads(invoke("run", scenario, "--set", "staff.agents.headcount=22", "-r", "4", "--json",
                            "--out", str(tmp_path / "run"), "--no-charts"))
    expected = next(row["mean"] for row in run["summary"] if row["metric"] == "service_level" and row["scope"] == "all")
    assert shown == pytest.approx(expected, abs=1e-12)
    status = run["verdicts"][0]["status"]                      # the same verdict as the run's
    assert browser.find_element(By.ID, "verdicts").text.upper().startswith(status.replace("_", " ").upper())
    browser.save_screenshot(str(tmp_path / "explorer-1280.png"))
    browser.set_window_size(420, 900)        # a phone: the estimate column stays on screen
    cell = browser.find_element(By.ID, "kpi-service_level@all")
    assert cell.rect["x"] + cell.rect["width"] <= 420
    assert browser.save_screenshot(str(tmp_path / "explorer-420.png"))


def test_the_report_leads_with_the_verdicts_at_desktop_and_phone_widths(browser, tmp_path):
    from selenium.webdriver.common.by import By

    invoke("run", str(SCENARIOS / "help_desk.yaml"), "-r", "2", "--report", "--out", str(tmp_path), "--quiet")
    (page,) = tmp_path.glob("*/*/report.html")
    for width in (1280, 420):
        browser.set_window_size(width, 900)
        browser.get(page.as_uri())
        headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
        assert headings[0] == "Targets", headings
        verdicts = browser.find_elements(By.CSS_SELECTOR, ".met, .missed, .ci_spans_target")
        assert verdicts                                  # the answer on screen, whatever the width
        first = verdicts[0].rect
        assert first["x"] >= 0 and first["x"] + min(first["width"], 100) <= width
        images = browser.find_elements(By.TAG_NAME, "img")
        assert images and all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
        assert browser.save_screenshot(str(tmp_path / f"report-{width}.png"))


def test_names_in_the_explorer_are_text_not_markup(browser, tmp_path):
    import yaml
    from selenium.webdriver.common.by import By

    hostile = {"name": "<script>alert(1)</script> desk", "clock": {"horizon": "2h", "interval": "1h"},
               "replications": 2, "channels": {"<b>phone</b>": {}},
               "demand": {"calls": {"channel": "<b>phone</b>", "arrivals": {"per_hour": 30}, "process": "p"}},
               "processes": {"p": {"steps": [{"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 3}}}]}},
               "staff": {"agents": {"headcount": 3, "skills": {"s": 3}}}, "service_level": {"within": "20s"},
               "targets": [{"kpi": "service_level", "at_least": 0.8, "scope": "channel:<b>phone</b>"}]}
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile))
    invoke("explore", str(path), "--vary", "staff.agents.headcount=3:4", "--out", str(tmp_path / "out"), "--quiet")
    (page,) = (tmp_path / "out").glob("*/*-explore/explorer.html")
    assert page.parent.parent.name == "script-alert-1-script-desk"      # no path tricks from a name
    browser.get(page.as_uri())
    assert not browser.find_elements(By.TAG_NAME, "b")                   # the channel's tags shown, not obeyed
    assert "<b>phone</b>" in browser.find_element(By.ID, "verdicts").text
    assert browser.title.startswith("Explorer: <script>")


def test_the_film_pauses_and_steps_in_the_browser(browser, tmp_path):
    """animate --out NAME.html: the GIF in a player; pause stops it, the arrow buttons step one frame, the
    slider jumps, and the canvas shows the frame asked for (its pixels differ from the first frame's)."""
    import time

    from selenium.webdriver.common.by import By

    page = tmp_path / "film.html"
    invoke("animate", str(SCENARIOS / "lessons" / "pooling.yaml"), "--compare", "pooled", "--from", "09:00",
           "--until", "09:40", "--speed", "10min", "--out", str(page))
    browser.set_window_size(1280, 900)
    browser.get(page.as_uri())
    figure = browser.find_element(By.CSS_SELECTOR, "figure.player")
    deadline = time.monotonic() + 20
    while figure.get_attribute("data-playing") != "yes" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert figure.get_attribute("data-playing") == "yes", browser.find_element(By.CLASS_NAME, "where").text
    assert browser.find_element(By.TAG_NAME, "canvas").is_displayed()
    browser.find_element(By.CLASS_NAME, "play").click()                  # pause
    assert figure.get_attribute("data-playing") == "no"
    paused_at = int(figure.get_attribute("data-frame"))
    time.sleep(0.5)
    assert int(figure.get_attribute("data-frame")) == paused_at          # it stays paused

    def frame_after(action) -> int:
        action()
        time.sleep(0.3)
        return int(figure.get_attribute("data-frame"))

    stepped = frame_after(browser.find_element(By.CLASS_NAME, "next").click)
    assert stepped == min(paused_at + 1, 40)
    assert frame_after(browser.find_element(By.CLASS_NAME, "back").click) == stepped - 1
    slider = browser.find_element(By.CSS_SELECTOR, "figure.player input")
    assert slider.get_attribute("max") == "40"                           # 41 frames
    pixels = "return arguments[0].toDataURL()"
    canvas = browser.find_element(By.TAG_NAME, "canvas")
    browser.execute_script("arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))", slider)
    time.sleep(0.3)
    first = browser.execute_script(pixels, canvas)
    browser.execute_script("arguments[0].value = 35; arguments[0].dispatchEvent(new Event('input'))", slider)
    time.sleep(0.3)
    assert int(figure.get_attribute("data-frame")) == 35
    assert browser.execute_script(pixels, canvas) != first              # the clock (at least) moved on
    assert "frame 36 of 41" in browser.find_element(By.CLASS_NAME, "where").text


def test_the_verdict_styles_stay_apart_in_chromium_with_deuteranopia_emulated(browser, tmp_path):
    """The report's three verdict styles as Chromium draws them for a deuteranope (DevTools' vision
    deficiency emulation): their ink colours differ clearly, and each carries its own mark."""
    import io

    colorspacious = pytest.importorskip("colorspacious", reason="colorspacious is not installed")
    import numpy as np
    from PIL import Image
    from selenium.webdriver.common.by import By

    from simulator.report import STYLE

    page = tmp_path / "verdicts.html"
    page.write_text(f"<html><head><style>{STYLE} span {{ font-size: 40px; }}</style></head><body>"
                    + "".join(f"<p><span id=\"{kind}\" class=\"{kind}\">MMMMMMMM</span></p>"
                              for kind in ("met", "missed", "ci_spans_target")) + "</body></html>")
    browser.set_window_size(900, 700)
    browser.get(page.as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedVisionDeficiency", {"type": "deuteranopia"})
    try:
        shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
        ratio = shot.width / browser.execute_script("return window.innerWidth")
        inks = {}
        for kind in ("met", "missed", "ci_spans_target"):
            rect = browser.find_element(By.ID, kind).rect
            box = [round(v * ratio) for v in (rect["x"], rect["y"], rect["x"] + rect["width"], rect["y"] + rect["height"])]
            pixels = np.asarray(shot.crop(box), dtype=float).reshape(-1, 3) / 255
            dark = pixels[pixels.sum(axis=1) < 1.6]               # the letters, not the paper or the tint
            inks[kind] = dark.mean(axis=0)
        marks = [browser.execute_script("return getComputedStyle(arguments[0], '::before').content",
                                        browser.find_element(By.ID, kind)) for kind in inks]
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
    for a, b in itertools.combinations(inks, 2):
        assert colorspacious.deltaE(inks[a], inks[b], input_space="sRGB1") > 10, (a, b, inks)
    assert len(set(marks)) == 3
