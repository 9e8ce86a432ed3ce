"""Chart furniture never collides: title, subtitle, footnote and source line against the plot's
labels, ticks and legend (found by looking at the packs: a footnote printed over the source line,
a legend over the subtitle, an x-axis label over the source)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from reviewpack.present import charts


def _trend() -> Figure:
    t = pd.DataFrame({"year": [2012, 2014, 2015, 2021] * 2, "area": ["North"] * 4 + ["South"] * 4,
                      "population": [55016, 56504, 57248, 59825, 59720, 60101, 60291, 61992], "estimated": [False, True, False, False] * 2})
    return charts.population_trend(t, ["North", "South"], "North", "North changed by +8.7% between 2012 and 2021 (Walsall: +4.9%)",
                                   "Residents, all ages, by locality, mid-2012 to 2021", "ONS mid-year estimates; MHCLG IoD population denominators; Census 2021")


def _trend_mid_2022() -> Figure:
    """The trend with an estimated year and a year of another series (mid-2022, IoD2025's File 7): two footnote lines."""
    years = [2012, 2014, 2015, 2017, 2019, 2020, 2021, 2022]
    t = pd.DataFrame({"year": years * 2, "area": ["North"] * 8 + ["South"] * 8,
                      "population": [55016, 56504, 57248, 59120, 60478, 60747, 59825, 60221,
                                     59720, 60101, 60291, 62465, 63708, 64132, 61992, 62732],
                      "estimated": [y == 2014 for y in years] * 2})
    fig = charts.population_trend(t, ["North", "South"], None, "South grew fastest from mid-2015 to mid-2020 (+6.4%)",
                                  "Residents, all ages, by locality, mid-2012 to mid-2022", "ONS mid-year estimates; Census 2021",
                                  marked=[2022], marked_note="† mid-2022: ONS estimates as IoD2025 used them, on 2021 LSOAs, a different series (diamond, dashed line)")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2012", "2014*", "2015", "2017", "2019", "2020", "2021", "2022†"]
    assert sum(1 for line in ax.get_lines() if line.get_linestyle() == "--") == 2  # one dashed step into mid-2022 per area
    return fig


def _bars(n: int) -> Figure:
    areas = [f"Ward number {i}" for i in range(n)]
    t = pd.DataFrame({"area": areas * 2, "s": ["Children (0-15)"] * n + ["Aged 65+"] * n, "v": list(range(n)) * 2})
    return charts.grouped_bars(t, "area", "s", "v", "North has the most children per working-age resident",
                               "Dependants per 100 residents aged 16-64, Census 2021", "Census 2021", ylabel="Per 100 aged 16-64")


def _age() -> Figure:
    prof = pd.DataFrame({"age": range(91), "borough_pct": [1.1] * 91, "area_pct": [1.2] * 91})
    return charts.age_profile_chart(prof, "North", "Walsall", "Age profile of North against Walsall",
                                    "Share of residents at each single year of age (%), mid-2020", "ONS mid-2020 estimates")


def _curve() -> Figure:
    c = pd.DataFrame({"cum_population_share": [0, 0.3, 0.6, 1.0], "cum_amount_share": [0, 0.1, 0.8, 1.0]})
    return charts.concentration_curve(c, -0.34, "More grant £ per head went to the more deprived wards",
                                      "Cumulative share of grant £ against residents, wards ranked by IoD2015 score", "360Giving publishers via GrantNav; MHCLG IoD; ONS")


def _lines() -> Figure:
    t = pd.DataFrame({"w": [0, 0.5, 1] * 2, "area": ["North"] * 3 + ["South"] * 3, "share": [10, 20, 30, 40, 30, 20]})
    return charts.lines_by_series(t, "w", "area", "share", "How the model's split moves with the weight on deprivation",
                                  "Share of the budget (%)", "reviewpack allocation model", "Weight on deprivation", "Share (%)")


CHARTS = {"trend": _trend, "trend with mid-2022": _trend_mid_2022, "bars": lambda: _bars(5), "ward bars": lambda: _bars(20), "age profile": _age,
          "concentration": _curve, "lines": _lines}


def _boxes(fig: Figure) -> tuple[dict[str, Bbox], dict[str, Bbox]]:
    """(figure furniture: title, subtitle, note, source) and (plot parts: axis labels, tick labels, legend)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    furniture = {f"figure text {t.get_text()[:30]!r}": t.get_window_extent(r) for t in fig.texts if t.get_text()}
    ax = fig.axes[0]
    plot: dict[str, Bbox] = {}
    for name, label in (("x-axis label", ax.xaxis.label), ("y-axis label", ax.yaxis.label)):
        if label.get_text():
            plot[name] = label.get_window_extent(r)
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        for tick in axis.get_major_ticks():
            t = tick.label1
            # ticks outside the plotted range are not drawn
            if t.get_text() and t.get_visible() and low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                plot[f"tick {t.get_text()!r}"] = t.get_window_extent(r)
    for i, t in enumerate(ax.texts):  # value labels, line-end labels, annotations
        if t.get_text():
            plot[f"annotation {i} {t.get_text()[:20]!r}"] = t.get_window_extent(r)
    if ax.get_legend() is not None:
        plot["legend"] = ax.get_legend().get_window_extent(r)
    return furniture, plot


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_text_collides_with_the_chart_furniture(name: str) -> None:
    furniture, plot = _boxes(CHARTS[name]())
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.product(furniture.items(), plot.items()) if ba.overlaps(bb)]
    clashes += [(a, b) for (a, ba), (b, bb) in itertools.combinations(furniture.items(), 2) if ba.overlaps(bb)]
    assert clashes == []


@pytest.mark.parametrize("name", list(CHARTS))
def test_everything_stays_inside_the_figure(name: str) -> None:
    fig = CHARTS[name]()
    furniture, plot = _boxes(fig)
    page = fig.bbox
    outside = [n for n, b in {**furniture, **plot}.items() if b.x0 < page.x0 - 1 or b.y0 < page.y0 - 1 or b.y1 > page.y1 + 1]
    assert outside == []


# ---------------------------------------------------------------------------
# the house style never leaks into a researcher's own plots


def test_importing_charts_leaves_the_backend_and_pyplot_alone() -> None:
    """Importing the charts (and the maps and section displays the notebooks import) in a fresh interpreter keeps the
    backend the user chose (here through ``MPLBACKEND``, as JupyterLab's inline backend is) and never
    imports pyplot; a chart built and drawn to SVG leaves every global rcParam as it was."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys, matplotlib\n"
        "raw_before = dict.__getitem__(matplotlib.rcParams, 'backend')\n"
        "rc_before = {k: repr(v) for k, v in matplotlib.rcParams.items() if k != 'backend'}\n"
        "import reviewpack.present.charts as charts, reviewpack.present.maps\n"
        "from reviewpack.present.sections import deprivation, grants, methodology, options, population, setup\n"
        "import pandas as pd\n"
        "t = pd.DataFrame({'a': ['x', 'y'], 's': ['one', 'one'], 'v': [1.0, 2.0]})\n"
        "svg = charts.to_svg(charts.grouped_bars(t, 'a', 's', 'v', 'Title', 'Subtitle', 'Source'))\n"
        "rc_after = {k: repr(v) for k, v in matplotlib.rcParams.items() if k != 'backend'}\n"
        "out = {'raw_before': raw_before, 'raw_after': dict.__getitem__(matplotlib.rcParams, 'backend'),\n"
        "       'pyplot': 'matplotlib.pyplot' in sys.modules,\n"
        "       'rc_changed': sorted(k for k in rc_before if rc_before[k] != rc_after.get(k)),\n"
        "       'text_as_text': '<text' in svg}\n"
        "out['backend'] = matplotlib.get_backend()\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["raw_after"] == out["raw_before"] == "svg"
    assert out["backend"] == "svg"
    assert out["pyplot"] is False, "importing or drawing a chart imported matplotlib.pyplot"
    assert out["rc_changed"] == [], f"the house style leaked into the global rcParams: {out['rc_changed']}"
    assert out["text_as_text"] is True  # the house svg.fonttype ('none') applied while drawing
