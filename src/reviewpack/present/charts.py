"""Charts in one house style (Government Analysis Function guidance).

* a title that states the message, a subtitle with the measure and period;
* the Analysis Function colour-blind-safe categorical palette;
* horizontal labels, no dual axes, a source line;
* rendered to SVG deterministically (no dates, fixed hash salt), so two builds give the same bytes.

The house style lives in ``reviewpack.mplstyle`` next to this module and is applied with
:func:`matplotlib.style.context` only while a chart is built and drawn. Figures are made with
:class:`matplotlib.figure.Figure`, never pyplot: importing this module or drawing a chart leaves
matplotlib's backend and global settings alone, so a researcher's own inline plots in
JupyterLab look as they always do.

Every chart returned here is shown in a pack by :func:`reviewpack.present.display.show_figure`,
which also requires alt text.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

#: The house style sheet (fonts, axes, grid, deterministic SVG settings).
STYLE_PATH = Path(__file__).with_name("reviewpack.mplstyle")

#: Government Analysis Function categorical palette (colour-blind safe, in order).
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
#: Colour for "the rest" / context series.
CONTEXT_GREY = "#BFBFBF"
TEXT = "#0B0C0C"

_F = TypeVar("_F", bound=Callable[..., Any])


def house_style() -> AbstractContextManager[None]:
    """A context in which matplotlib uses the house style; the previous settings come back on exit.

    >>> with house_style():
    ...     fig = Figure()
    """
    return style.context(str(STYLE_PATH))


def _house_style(func: _F) -> _F:
    """Run a chart builder inside :func:`house_style` (every artist is made with the house settings)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with house_style():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def colours_for(areas: list[str]) -> dict[str, str]:
    """A stable colour per area, in the order given."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(areas)}


@_house_style
def new_figure(
    title: str, subtitle: str, source: str, size: tuple[float, float] = (8.0, 4.2), note: str | None = None,
    legend_row: bool = False, xlabel_row: bool = False,
) -> tuple[Figure, Axes]:
    """A figure with the house title (the message), subtitle (measure and period) and source line.

    Parameters
    ----------
    title : str
        The message, e.g. "North holds a fifth of Walsall's residents".
    subtitle : str
        The measure and period, e.g. "Residents, all ages, mid-2012 to Census 2021".
    source : str
        Source line shown under the chart.
    size : tuple
        Width and height in inches.
    note : str, optional
        A footnote (e.g. what a marker means), on its own line(s) above the source (one line per ``\\n``).
    legend_row : bool
        Leave a row between the subtitle and the plot for a legend placed above the plot.
    xlabel_row : bool
        Leave a row under the tick labels for an x-axis label (so it never meets the source line).
    """
    fig = Figure(figsize=size)
    width_chars = int(size[0] * 9.5)
    title_lines = textwrap.wrap(title, width=width_chars) or [""]
    inch = 1 / size[1]  # one inch as a fraction of the figure height
    top = 1 - 0.12 * inch
    fig.text(0.01, top, "\n".join(title_lines), fontsize=12.5, fontweight="bold", color=TEXT, va="top", ha="left", linespacing=1.25)
    sub_y = top - (0.24 * len(title_lines) + 0.04) * inch
    fig.text(0.01, sub_y, subtitle, fontsize=10, color="#505a5f", va="top", ha="left")
    fig.text(0.01, 0.015, f"Source: {source}", fontsize=8, color="#505a5f", va="bottom", ha="left")
    axes_top = sub_y - (0.62 if legend_row else 0.35) * inch
    bottom = (0.59 + (0.22 if xlabel_row else 0.0)) * inch  # tick labels and source line (and x-axis label)
    if note:
        lines = note.count("\n") + 1
        fig.text(0.01, 0.015 + 0.19 * inch, note, fontsize=8, color="#505a5f", va="bottom", ha="left", linespacing=1.3)
        bottom += 0.19 * inch * lines
    ax = fig.add_axes((0.11, bottom, 0.86, axes_top - bottom))
    return fig, ax


def to_svg(fig: Figure) -> str:
    """Render a figure to SVG text, deterministically (no date or tool metadata).

    Drawn inside the house style (text kept as text, ids from a fixed salt), so two builds
    give the same bytes; matplotlib's global settings are left as they were.
    """
    buf = io.StringIO()
    with house_style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


@_house_style
def population_trend(
    table: pd.DataFrame, areas: list[str], highlight: str | None, title: str, subtitle: str, source: str,
    marked: Collection[int] = (), marked_note: str | None = None,
) -> Figure:
    """Line chart of residents (all ages) by year, one line per area; estimates drawn hollow.

    Parameters
    ----------
    table : DataFrame
        ``year, area, population, estimated`` (all ages).
    areas : list of str
        Areas in legend order.
    highlight : str, optional
        An area drawn in colour while the others are grey (locality packs).
    marked : collection of int
        Years of another series (mid-2022 from IoD2025's File 7): drawn as diamonds reached by a
        dashed line, their tick labelled with a dagger.
    marked_note : str, optional
        The footnote saying what the marked years are (from :mod:`reviewpack.present.narrative`).
    """
    estimated = bool(table["estimated"].any())
    marked = {int(y) for y in marked} & {int(y) for y in table["year"]}
    notes = ["* estimated by linear interpolation (hollow markers)" if estimated else None, marked_note if marked else None]
    note = "\n".join(n for n in notes if n) or None
    fig, ax = new_figure(title, subtitle, source, note=note)
    cols = colours_for(areas)
    ends = []
    for area in areas:
        g = table[table["area"] == area].sort_values("year")
        colour = cols[area] if highlight in (None, area) else CONTEXT_GREY
        width = 2.4 if highlight == area else 1.6
        main, other = g[~g["year"].isin(marked)], g[g["year"].isin(marked)]
        ax.plot(main["year"], main["population"], color=colour, linewidth=width, zorder=3 if highlight == area else 2)
        if not other.empty:  # another series: a dashed line from the last year of the main one, diamonds
            joined = pd.concat([main.tail(1), other]) if not main.empty else other
            ax.plot(joined["year"], joined["population"], color=colour, linewidth=width, linestyle=(0, (3, 2)), zorder=2)
            ax.scatter(other["year"], other["population"], color=colour, marker="D", s=26, zorder=4)
        real = main[~main["estimated"]]
        est = main[main["estimated"]]
        ax.scatter(real["year"], real["population"], color=colour, s=22, zorder=4)
        ax.scatter(est["year"], est["population"], facecolor="white", edgecolor=colour, s=34, linewidth=1.6, zorder=4)
        last = g.iloc[-1]
        ends.append([float(last["population"]), area, colour if colour != CONTEXT_GREY else "#505a5f", float(last["year"])])
    _label_line_ends(ax, ends, table["population"].max() * 1.12, 0.25)
    ax.set_ylabel("Residents")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    years = sorted(table["year"].unique())
    ax.set_xticks(years)
    ax.set_xticklabels([f"{y}*" if table[(table["year"] == y)]["estimated"].any() else f"{y}\u2020" if y in marked else str(y) for y in years])
    ax.set_xlim(min(years) - 0.5, max(years) + 1.6)
    ax.set_ylim(0, table["population"].max() * 1.12)
    return fig


def _label_line_ends(ax: Axes, ends: list[list], ymax: float, dx: float) -> None:
    """Label each line at its right end (``[y, label, colour, x]``), nudging labels apart so they never overlap."""
    gap = 0.05 * ymax
    ends.sort(key=lambda e: e[0])
    placed: list[float] = []
    for e in ends:
        y = e[0]
        if placed and y - placed[-1] < gap:
            y = placed[-1] + gap
        placed.append(y)
        ax.annotate(e[1], (e[3], e[0]), xytext=(e[3] + dx, y), textcoords="data", va="center", color=e[2], fontsize=9)


@_house_style
def grouped_bars(table: pd.DataFrame, category: str, series: str, value: str, title: str, subtitle: str, source: str, value_fmt: str = "{:.0f}", ylabel: str = "", last: str | None = None) -> Figure:
    """Vertical grouped bars: one group per ``category``, one bar per ``series``, labelled with values.

    Parameters
    ----------
    table : DataFrame
        Long table with ``category``, ``series`` and ``value`` columns.
    last : str, optional
        A category to put last (e.g. the borough total).
    """
    cats = list(dict.fromkeys(table[category]))
    if last in cats:  # e.g. the borough total, set apart after the areas
        cats = [c for c in cats if c != last] + [last]
    sers = list(dict.fromkeys(table[series]))
    cols = colours_for(sers)
    horizontal = len(cats) > 6  # many areas (e.g. wards): horizontal bars keep every label readable
    size = (8.0, max(4.2, 1.6 + 0.22 * len(cats) * max(len(sers), 1))) if horizontal else (8.0, 4.2)
    fig, ax = new_figure(title, subtitle, source, size=size, legend_row=True, xlabel_row=horizontal and bool(ylabel))
    width = 0.8 / max(len(sers), 1)
    vmax = float(table[value].max()) if len(table) else 1.0
    if not vmax > 0:  # every value zero (e.g. a council with no neighbourhood in the most deprived decile)
        vmax = 1.0
    for j, s in enumerate(sers):
        sub = table[table[series] == s].set_index(category).reindex(cats)
        pos = [i + (j - (len(sers) - 1) / 2) * width for i in range(len(cats))]
        if horizontal:
            pos = [len(cats) - 1 - p for p in pos]
            bars = ax.barh(pos, sub[value], height=width * 0.95, color=cols[s], label=str(s))
            for b, v in zip(bars, sub[value]):
                if pd.notna(v):
                    ax.annotate(value_fmt.format(v), (b.get_width(), b.get_y() + b.get_height() / 2), xytext=(2, 0), textcoords="offset points", va="center", fontsize=7)
        else:
            bars = ax.bar(pos, sub[value], width=width * 0.95, color=cols[s], label=str(s))
            for b, v in zip(bars, sub[value]):
                if pd.notna(v):
                    ax.annotate(value_fmt.format(v), (b.get_x() + b.get_width() / 2, b.get_height()), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    if horizontal:
        ax.set_yticks([len(cats) - 1 - i for i in range(len(cats))])
        ax.set_yticklabels([str(c) for c in cats], fontsize=8)
        ax.set_xlabel(ylabel)
        ax.set_xlim(0, vmax * 1.15)
        ax.grid(axis="x", color="#dddddd")
        ax.grid(axis="y", visible=False)
        fig.subplots_adjust(left=0.3)
        ax.set_position((0.3, ax.get_position().y0, 0.65, ax.get_position().height))
    else:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels([str(c) for c in cats])
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, vmax * 1.2)
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(sers), fontsize=9)
    return fig


@_house_style
def age_profile_chart(profile: pd.DataFrame, area: str | None, borough_label: str, title: str, subtitle: str, source: str) -> Figure:
    """Age profile by single year of age: the area's bars against the borough's outline.

    Persons only: the source has no split by sex, so this is a one-sided pyramid.

    Parameters
    ----------
    profile : DataFrame
        From :func:`reviewpack.population.age_profile` (``age, borough_pct[, area_pct]``).
    """
    fig, ax = new_figure(title, subtitle, source, size=(8.0, 6.0), xlabel_row=True)
    ax.grid(axis="x", color="#dddddd")
    ax.grid(axis="y", visible=False)
    if area is not None and "area_pct" in profile:
        ax.barh(profile["age"], profile["area_pct"], height=1.0, color=PALETTE[0], label=area)
    else:
        ax.barh(profile["age"], profile["borough_pct"], height=1.0, color=PALETTE[0], label=borough_label)
    if area is not None:
        ax.step(profile["borough_pct"], profile["age"], where="mid", color=PALETTE[3], linewidth=1.6, label=borough_label)
    ax.set_xlabel("Share of residents at each single year of age (%)")
    ax.set_ylabel("Age (90 = 90 and over)")
    ax.set_ylim(-0.5, 90.5)
    ax.legend(frameon=False, loc="upper right")
    return fig


@_house_style
def concentration_curve(curve: pd.DataFrame, index: float, title: str, subtitle: str, source: str) -> Figure:
    """Concentration curve: cumulative share of £ against cumulative share of residents, most deprived first.

    Parameters
    ----------
    curve : DataFrame
        ``cum_population_share, cum_amount_share`` (0-1), from :func:`reviewpack.grants.concentration_index`.
    index : float
        The concentration index (shown on the chart).
    """
    fig, ax = new_figure(title, subtitle, source, size=(6.4, 5.6), xlabel_row=True)
    ax.grid(axis="x", color="#dddddd")
    ax.plot([0, 100], [0, 100], color="#505a5f", linewidth=1.2, linestyle="--")
    ax.plot(100 * curve["cum_population_share"], 100 * curve["cum_amount_share"], color=PALETTE[0], linewidth=2.2, marker="o", markersize=3)
    ax.annotate("Equal £ per head", (62, 55), color="#505a5f", fontsize=9, rotation=0)
    ax.annotate(f"Concentration index {index:+.2f}", (4, 92), color=PALETTE[0], fontsize=10, fontweight="bold")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Cumulative % of residents (wards from most to least deprived)")
    ax.set_ylabel("Cumulative % of grant £")
    return fig


@_house_style
def lines_by_series(table: pd.DataFrame, x: str, series: str, y: str, title: str, subtitle: str, source: str, xlabel: str, ylabel: str, highlight: str | None = None, marker_x: float | None = None) -> Figure:
    """One line per series (e.g. area) against ``x``; optional vertical marker (e.g. the chosen weight)."""
    fig, ax = new_figure(title, subtitle, source, xlabel_row=bool(xlabel))
    sers = list(dict.fromkeys(table[series]))
    cols = colours_for(sers)
    ends = []
    for s in sers:
        g = table[table[series] == s].sort_values(x)
        colour = cols[s] if highlight in (None, s) else CONTEXT_GREY
        ax.plot(g[x], g[y], color=colour, linewidth=2.4 if highlight == s else 1.8)
        ends.append([float(g[y].iloc[-1]), str(s), colour if colour != CONTEXT_GREY else "#505a5f", float(g[x].iloc[-1])])
    if marker_x is not None:
        ax.axvline(marker_x, color="#505a5f", linewidth=1, linestyle=":")
    _label_line_ends(ax, ends, float(table[y].max()) * 1.1, 0.02 * float(table[x].max() - table[x].min()))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, float(table[y].max()) * 1.1)
    ax.set_xlim(float(table[x].min()), float(table[x].max()) + 0.18 * float(table[x].max() - table[x].min()))
    return fig
