"""A film a trainer can pause: an animated GIF inside a small player (play/pause, step, scrub).

The GIF is embedded as a data URI, so the page stays self-contained. Where the browser has the
WebCodecs ``ImageDecoder`` (Chromium and Edge, Firefox 133 and later), the player decodes the GIF's
frames itself and shows them on a canvas at the film's speed, so it can stop on a frame, step one frame
either way (buttons, or the arrow keys and space bar once the player has focus) and jump anywhere with
the slider. Elsewhere the GIF simply plays, and the player says why its buttons are disabled.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from PIL import Image

STYLE = """
.player { margin: 1rem 0; } .player canvas { width: 100%; height: auto; border: 1px solid #e3e8ee; }
.player .controls { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.4rem 0; }
.player button { font: inherit; padding: 0.25rem 0.7rem; min-width: 2.6rem; }
.player input[type=range] { flex: 1 1 12rem; } .player .where { font-variant-numeric: tabular-nums; color: #4a5663; }
.player:focus { outline: 2px solid #1f5f8b; outline-offset: 4px; }
@media print { .player .controls { display: none; } }
"""

SCRIPT = r"""
(function () {
  document.querySelectorAll("figure.player").forEach(function (figure) {
    var image = figure.querySelector("img"), canvas = figure.querySelector("canvas");
    var play = figure.querySelector(".play"), back = figure.querySelector(".back"), next = figure.querySelector(".next");
    var slider = figure.querySelector("input"), where = figure.querySelector(".where");
    var buttons = [play, back, next, slider];
    if (!("ImageDecoder" in window)) {
      buttons.forEach(function (b) { b.disabled = true; });
      where.textContent = "This browser plays the film but cannot pause it (it needs WebCodecs: Chrome, Edge, Firefox 133+).";
      return;
    }
    var fps = Number(figure.dataset.fps) || 10, count = 0, frame = 0, playing = true, timer = null, busy = false;
    var text = atob(image.src.split(",")[1]), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    var decoder = new ImageDecoder({data: bytes, type: "image/gif"});
    function show(k) {
      if (busy) return Promise.resolve();
      busy = true;
      return decoder.decode({frameIndex: k}).then(function (result) {
        var picture = result.image;
        canvas.width = picture.displayWidth; canvas.height = picture.displayHeight;
        canvas.getContext("2d").drawImage(picture, 0, 0);
        picture.close();
        frame = k; slider.value = k;
        where.textContent = "frame " + (k + 1) + " of " + count;
        figure.dataset.frame = k;
      }).finally(function () { busy = false; });
    }
    function pause() { playing = false; clearInterval(timer); play.textContent = "Play"; figure.dataset.playing = "no"; }
    function resume() {
      playing = true; play.textContent = "Pause"; figure.dataset.playing = "yes";
      clearInterval(timer);
      timer = setInterval(function () { if (!busy) show((frame + 1) % count); }, 1000 / fps);
    }
    function step(by) { pause(); show(Math.min(Math.max(frame + by, 0), count - 1)); }
    decoder.tracks.ready.then(function () { return decoder.completed; }).then(function () {
      count = decoder.tracks.selectedTrack.frameCount;
      slider.max = count - 1;
      image.hidden = true; canvas.hidden = false;
      return show(0);
    }).then(resume);
    play.addEventListener("click", function () { playing ? pause() : resume(); });
    back.addEventListener("click", function () { step(-1); });
    next.addEventListener("click", function () { step(1); });
    slider.addEventListener("input", function () { pause(); show(Number(slider.value)); });
    figure.addEventListener("keydown", function (event) {
      if (event.target === slider) return;
      if (event.key === " ") { event.preventDefault(); playing ? pause() : resume(); }
      if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
      if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
    });
  });
})();
"""


def gif_fps(path: Path) -> int:
    """The frames a second a GIF was written at (from its first frame's duration)."""
    with Image.open(path) as image:
        duration = image.info.get("duration") or 100
    return max(1, round(1000 / duration))


def player_html(gif: bytes, caption: str, fps: int = 10) -> str:
    """A ``<figure>`` that plays ``gif`` and lets the viewer pause, step and scrub it (include
    :data:`STYLE` and :data:`SCRIPT` once in the page)."""
    data = base64.b64encode(gif).decode("ascii")
    text = html.escape(caption)
    return (f"<figure class=\"player\" tabindex=\"0\" data-fps=\"{int(fps)}\" aria-label=\"{text}\">"
            f"<img alt=\"{text}\" src=\"data:image/gif;base64,{data}\"><canvas hidden></canvas>"
            "<div class=\"controls\"><button type=\"button\" class=\"play\">Pause</button>"
            "<button type=\"button\" class=\"back\" aria-label=\"one frame back\">&#9664;</button>"
            "<button type=\"button\" class=\"next\" aria-label=\"one frame on\">&#9654;</button>"
            "<input type=\"range\" min=\"0\" max=\"0\" value=\"0\" aria-label=\"frame\">"
            f"<span class=\"where\"></span></div><figcaption>{text}</figcaption></figure>")


def player_page(gif: bytes, title: str, fps: int = 10) -> str:
    """A whole page holding one film in a player (``servicesim animate --out NAME.html``)."""
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>body {{ font-family: system-ui, sans-serif; margin: 0 auto; "
            f"max-width: 1100px; padding: 1rem; }}{STYLE}</style></head><body>"
            f"{player_html(gif, title, fps)}<script>{SCRIPT}</script></body></html>")
