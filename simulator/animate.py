"""An animation of a day (or part of one): queues, every member of staff as a tile, bots, running KPIs.

Built for a trainer's screen: one panel per scenario (two, side by side, for a comparison on the same
customers), a clock on top, a legend of what the tile colours mean, and a small chart of how many
contacts were waiting so far. Frames come from :mod:`simulator.snapshots`; matplotlib draws them (Agg,
on the figure's own canvas) and its animation writers save them: a GIF through Pillow, an MP4 through
ffmpeg when ffmpeg is installed. The file is written whole or not at all.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.animation import FFMpegWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from simulator.charts import COLOURS
from simulator.errors import InputError
from simulator.i18n import tr
from simulator.metrics.compute import unused_kpis
from simulator.output import current_umask
from simulator.player import player_page
from simulator.units import format_duration
from simulator.snapshots import (BREAK, BUSY, IDLE, OFF, STATE_NAMES, TRAINING, Film, idle_elsewhere,
                                 running_target)

STATE_COLOURS = {IDLE: "#b8e0c2", BREAK: "#b3b3b3", TRAINING: "#b9a6d9", OFF: "#ffffff"}   # break: grey, apart
#                                                                  from every channel colour, also to deuteranopes
CHANNEL_COLOURS = [COLOURS[0], COLOURS[1], COLOURS[5], COLOURS[6], COLOURS[7], COLOURS[3]]
COLUMNS = 20          # tiles per row
ROW = 0.5             # height of a row, in panel units (a panel's drawing is 10 units wide)
PANEL_WIDTH = 5.6     # inches
UNIT = (PANEL_WIDTH - 0.3) / 10    # inches per panel unit, across and down (tiles are square)
CLOCK, TITLE, HISTORY, TICKS, LEGEND = 0.5, 0.35, 1.0, 0.45, 0.25   # inches (LEGEND: a row of the legend)
LEGEND_ENTRY = 1.75   # inches a legend entry may take ("busy: <channel>"), so the legend wraps, never clips
DPI = 80


def nice_step(window: float, frames: int = 240) -> float:
    """Minutes between frames so that ``window`` minutes take about ``frames`` frames, rounded up to a step a
    trainer can say aloud (15 s, 30 s, 1 min, 2 min, 5 min ...)."""
    for step in (0.25, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120):
        if window / step <= frames:
            return float(step)
    return float(math.ceil(window / frames))


def write_animation(films: list[Film], titles: list[str], path: Path, fps: int = 10) -> Path:
    """Draw the films (one panel each, same frame times) and write them to ``path``: .gif, .html (the GIF
    in a page with a player that pauses and steps) or .mp4."""
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4", ".html"):
        raise InputError(f"--out {path}: expected a file name ending in .gif, .html or .mp4")
    if suffix == ".mp4" and not FFMpegWriter.isAvailable():
        raise InputError(f"--out {path}: writing MP4 needs ffmpeg, which is not installed; write a .gif instead")
    scene = Scene(films, titles)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=suffix, prefix=f".{path.stem}-", dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".gif":
            _write_gif(scene.frames(), Path(temporary), fps)
        elif suffix == ".html":
            _write_gif(scene.frames(), Path(temporary), fps)
            gif = Path(temporary).read_bytes()
            Path(temporary).write_text(player_page(gif, " beside ".join(titles), fps), encoding="utf-8")
        else:
            scene.animated(False)   # ffmpeg's writer draws whole figures
            writer = FFMpegWriter(fps=fps)
            with writer.saving(scene.figure, temporary, DPI):
                for frame in range(len(films[0])):
                    scene.show(frame)
                    writer.grab_frame()
        os.chmod(temporary, 0o666 & ~current_umask())   # mkstemp makes it private
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _write_gif(frames, path: Path, fps: int) -> None:
    """An animated GIF with one shared palette (taken from a sample of the frames), looping, no dithering."""
    images = [Image.fromarray(frame) for frame in frames]
    sample = images[:: max(1, len(images) // 8)]
    strip = Image.new("RGB", (images[0].width, images[0].height * len(sample)))
    for number, image in enumerate(sample):
        strip.paste(image, (0, number * image.height))
    palette = strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    paletted = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    paletted[0].save(path, format="GIF", save_all=True, append_images=paletted[1:], duration=round(1000 / fps),
                     loop=0)


class Scene:
    """The figure and the artists each frame updates (created once: only colours, sizes and texts change).

    Frames are drawn by blitting: everything that never changes is drawn once, and each frame restores
    that background and draws only the artists that move, which is several times faster than redrawing.
    """

    def __init__(self, films: list[Film], titles: list[str]):
        self.films = films
        scenario = films[0].scenario
        self.channels = [c.name for c in scenario.channels]
        self.bar_scale = max(5, int(max(film.waiting.max(initial=0) for film in films)))
        self.waiting_top = max(5.0, float(max(film.waiting.sum(axis=1).max(initial=0) for film in films)))
        units = max(self.panel_height(film) for film in films)   # the same scale in every panel
        handles = self.legend_handles()
        columns = max(1, min(len(handles), int(PANEL_WIDTH * len(films) / LEGEND_ENTRY)))
        legend = LEGEND * math.ceil(len(handles) / columns) + 0.1      # every entry inside the picture
        height = CLOCK + TITLE + units * UNIT + 0.25 + HISTORY + TICKS + legend
        self.figure = Figure(figsize=(PANEL_WIDTH * len(films), height), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.clock = self.figure.text(0.5, 1 - 0.3 / height, "", ha="center", va="center", fontsize=15,
                                      fontweight="bold")
        self.dynamic = [self.clock]
        self.panels = []
        for number, (film, title) in enumerate(zip(films, titles)):
            left = number / len(films)
            width = 1 / len(films)
            main = self.figure.add_axes((left + 0.15 / self.figure.get_figwidth(),
                                         1 - (CLOCK + TITLE + units * UNIT) / height,
                                         10 * UNIT / self.figure.get_figwidth(), units * UNIT / height))
            history = self.figure.add_axes((left + 0.09 * width, (legend + TICKS) / height, 0.86 * width,
                                            HISTORY / height))
            self.panels.append(Panel(self, film, title, main, history, units))
        self.figure.legend(handles=handles, loc="lower center", ncols=columns, frameon=False,
                           fontsize=9, bbox_to_anchor=(0.5, 0.0))

    @staticmethod
    def panel_height(film: Film) -> float:
        """The panel's drawing height in units: headings, a row per queue, pool and tile row, bots, KPIs."""
        pools = np.unique(film.agent_pool)
        tile_rows = sum(math.ceil((film.agent_pool == pool).sum() / COLUMNS) for pool in pools)
        bots = len(film.scenario.automation)
        return (2 + len(film.resources) + (1 if _can_idle_elsewhere(film) else 0) + len(pools) + tile_rows
                + (1 + bots if bots else 0) + 1 + len(kpi_lines(film, 0))) * ROW

    def legend_handles(self) -> list[Patch]:
        seen = set(np.unique(np.concatenate([film.states.ravel() for film in self.films])).tolist())
        handles = [Patch(facecolor=STATE_COLOURS[IDLE], edgecolor="#777777", label=tr(STATE_NAMES[IDLE]))]
        handles += [Patch(facecolor=self.channel_colour(BUSY + c), edgecolor="#777777",
                          label=tr("busy: {channel}", channel=name))
                    for c, name in enumerate(self.channels) if BUSY + c in seen]
        handles += [Patch(facecolor=STATE_COLOURS[state], edgecolor="#777777", label=tr(STATE_NAMES[state]))
                    for state in (BREAK, TRAINING, OFF) if state in seen]
        return handles

    @staticmethod
    def channel_colour(state: int) -> str:
        return CHANNEL_COLOURS[(state - BUSY) % len(CHANNEL_COLOURS)]

    def colour(self, state: int) -> str:
        return STATE_COLOURS[state] if state < BUSY else self.channel_colour(state)

    def animated(self, flag: bool) -> None:
        for artist in self.dynamic:
            artist.set_animated(flag)

    def show(self, frame: int) -> None:
        """Set every moving artist to frame number ``frame``."""
        self.clock.set_text(self.films[0].scenario.clock.label(self.films[0].times[frame], closing=True, seconds=True))
        for panel in self.panels:
            panel.show(frame)

    def frames(self):
        """Each frame as an RGB array, drawn by blitting the moving artists on the still background."""
        canvas = self.figure.canvas
        self.animated(True)
        canvas.draw()
        background = canvas.copy_from_bbox(self.figure.bbox)
        for frame in range(len(self.films[0])):
            canvas.restore_region(background)
            self.show(frame)
            for artist in self.dynamic:
                self.figure.draw_artist(artist)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()


class Panel:
    """One scenario's column: waiting per skill, staff tiles by pool, bots, KPIs so far, waiting over time."""

    def __init__(self, scene: Scene, film: Film, title: str, axes, history, units: float):
        self.scene, self.film = scene, film
        scenario = film.scenario
        axes.set_xlim(0, 10)
        axes.set_ylim(units, 0)
        axes.set_axis_off()
        axes.set_title(title, fontsize=12, loc="left", fontweight="bold")
        y = 0.5 * ROW
        axes.text(0, y, tr("Waiting (bars to {scale})", scale=scene.bar_scale), fontsize=10, fontweight="bold", va="center")
        y += ROW
        self.bars, self.counts = [], []
        for name in film.resources:
            axes.text(3.0, y, name, ha="right", va="center", fontsize=9)
            axes.add_patch(Rectangle((3.2, y - 0.2), 6.0, 0.4, facecolor="#f2f2f2", edgecolor="none"))
            bar = Rectangle((3.2, y - 0.2), 0, 0.4, facecolor=COLOURS[1])
            axes.add_patch(bar)
            self.bars.append(bar)
            self.counts.append(axes.text(3.3, y, "", va="center", fontsize=9))
            scene.dynamic += [bar, self.counts[-1]]
            y += ROW
        self.elsewhere = None
        if _can_idle_elsewhere(film):   # customers waiting while others' agents sit idle: said in words
            self.elsewhere = axes.text(0.1, y, "", va="center", fontsize=9, fontweight="bold", color=COLOURS[5])
            scene.dynamic.append(self.elsewhere)
            y += ROW
        axes.text(0, y, tr("Staff"), fontsize=10, fontweight="bold", va="center")
        y += ROW
        tiles, self.chat_labels = [], []
        chats_seen = film.chats.max(axis=0, initial=0) if film.chats.size else np.zeros(0)
        for pool_number, pool in enumerate(scenario.staff):
            members = np.flatnonzero(film.agent_pool == pool_number)
            if not len(members):
                continue
            axes.text(0, y, f"{pool.name} ({len(members)})", fontsize=9, va="center", color="#333333")
            y += ROW
            for position, agent in enumerate(members):
                x = 0.05 + (position % COLUMNS) * 0.48
                row_y = y + (position // COLUMNS) * ROW
                tiles.append(Rectangle((x, row_y - 0.19), 0.38, 0.38))
                if chats_seen[agent] > 0:   # agents who hold chats show how many
                    self.chat_labels.append((agent, axes.text(x + 0.19, row_y, "", ha="center", va="center",
                                                              fontsize=7, color="white")))
            y += math.ceil(len(members) / COLUMNS) * ROW
        self.tiles = PatchCollection(tiles, edgecolor="#777777", linewidth=0.6)
        axes.add_collection(self.tiles)
        scene.dynamic += [self.tiles] + [label for _, label in self.chat_labels]
        self.bots = []
        if scenario.automation:
            axes.text(0, y, tr("Automation"), fontsize=10, fontweight="bold", va="center")
            y += ROW
            for tool in scenario.automation:
                axes.text(3.0, y, tool.name, ha="right", va="center", fontsize=9)
                axes.add_patch(Rectangle((3.2, y - 0.2), 2.4, 0.4, facecolor="#f2f2f2", edgecolor="#999999"))
                bar = Rectangle((3.2, y - 0.2), 0, 0.4, facecolor=COLOURS[2])
                axes.add_patch(bar)
                self.bots.append((tool.capacity, bar, axes.text(5.75, y, "", va="center", fontsize=9)))
                scene.dynamic += [bar, self.bots[-1][2]]
                y += ROW
        axes.text(0, y, tr("So far"), fontsize=10, fontweight="bold", va="center")
        self.kpis = []
        for label, _ in kpi_lines(film, 0):
            y += ROW
            axes.text(0.1, y, label, va="center", fontsize=10)
            self.kpis.append(axes.text(5.2, y, "", va="center", fontsize=10, fontweight="bold"))
        scene.dynamic += self.kpis
        history.set_xlim(film.times[0], max(film.times[-1], film.times[0] + 1e-9))
        history.set_ylim(0, scene.waiting_top * 1.05)
        history.set_ylabel(tr("contacts waiting"), fontsize=9)
        history.tick_params(labelsize=8)
        ticks = np.linspace(film.times[0], film.times[-1], 5)
        history.set_xticks(ticks, [scenario.clock.label(t, closing=True) for t in ticks])
        history.spines[["top", "right"]].set_visible(False)
        (self.line,) = history.plot([], [], color=COLOURS[1], linewidth=1.2)
        scene.dynamic.append(self.line)

    def show(self, frame: int) -> None:
        film, scene = self.film, self.scene
        for bar, text, waiting in zip(self.bars, self.counts, film.waiting[frame]):
            width = 6.0 * min(waiting / scene.bar_scale, 1.0)
            bar.set_width(width)
            text.set_x(3.3 + width)
            text.set_text(str(waiting))
        if self.elsewhere is not None:
            found = idle_elsewhere(film, frame)
            self.elsewhere.set_text("" if not found else tr("{count} waiting for {queue} while {idle} of {pool} sit idle",
                                                            count=found[0][1], queue=found[0][0], idle=found[0][3],
                                                            pool=found[0][2]))
        self.tiles.set_facecolor([scene.colour(state) for state in film.states[frame]])
        for agent, label in self.chat_labels:
            held = film.chats[frame, agent]
            label.set_text(str(held) if held else "")
        for (capacity, bar, text), busy in zip(self.bots, film.bots_busy[frame]):
            bar.set_width(2.4 * busy / capacity)
            text.set_text(tr("{busy} of {capacity} busy", busy=busy, capacity=capacity))
        for value, (_, text) in zip(self.kpis, kpi_lines(film, frame)):
            value.set_text(text)
        self.line.set_data(film.times[:frame + 1], film.waiting[:frame + 1].sum(axis=1))


def _can_idle_elsewhere(film: Film) -> bool:
    """Whether some pool cannot take some queue's contacts (so customers can wait while it is idle)."""
    return any(len(pools) < len(film.scenario.staff) for pools in film.served_by)


def kpi_lines(film: Film, frame: int) -> list[tuple[str, str]]:
    """The "So far" block: (label, value) lines. The service level is shown when the scenario has a
    service-level target (it means little for a back office), with the target beside it; the wait and
    abandonment are in the same scope (a phone target's film shows callers' waits, not chats'). Repeat
    contacts are counted when errors can bring customers back, resolutions by automation when there is
    automation."""
    scenario = film.scenario
    lines = []
    target = running_target(scenario)
    where = "" if film.scope == "all" else f" ({film.scope.split(':', 1)[1]})"
    if target is not None:
        within = tr(" within {duration}", duration=format_duration(target.within)) if target.within is not None else ""
        lines.append((tr("service level{within}{where}", within=within, where=where),
                      f"{_share(film.service_level[frame])} " + tr("(target {bound})", bound=f"{target.bound:.0%}")))
    lines += [(tr("mean wait for a person{where}", where=where), format_duration(film.wait_mean[frame])),
              (tr("abandoned{where}", where=where), _share(film.abandonment[frame])),
              (tr("satisfaction (1 to 5)"), _number(film.satisfaction[frame])),
              (tr("completed"), f"{int(film.completed[frame])}"),
              (tr("waiting now"), f"{int(film.waiting[frame].sum())}")]
    if "repeat_contacts" not in unused_kpis(scenario):
        lines.append((tr("repeat contacts (after an error)"), f"{int(film.repeats[frame])}"))
    if scenario.automation:
        lines.append((tr("resolved by automation"), f"{int(film.contained[frame])}"))
    return lines


def _share(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.0%}"


def _number(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2f}"

