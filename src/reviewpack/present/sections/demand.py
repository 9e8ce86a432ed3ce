"""Demand beyond age, as shown: the pack's own area in words, then every area's Census 2021 measures with intervals."""

from __future__ import annotations

from ...analysis.sections import DemandSection
from ..display import show_markdown
from ..narrative import demand as words
from ._table import show_table

#: Columns shown on the page (the CSV holds every column of the table).
SHOWN = ("demand_label", "census_pct", "ci_lower_pct", "ci_upper_pct", "la_pct", "vs_la", "england_pct", "vs_england")


def findings(dem: DemandSection | None) -> None:
    """Each measure for the pack's area (or the borough) against the borough and England, in words."""
    if dem is None:
        show_markdown(words.none_configured())
        return
    show_markdown(words.findings(dem.focus(), dem.scope))


def table(dem: DemandSection | None) -> None:
    """Every area's and the borough's Census 2021 measures, with 95% intervals and the comparisons."""
    if dem is None:
        return
    t = dem.table()
    cols = [SHOWN[0], dem.scope.grouping, *SHOWN[1:]]
    if not dem.has_england:
        cols = [c for c in cols if c not in ("england_pct", "vs_england")]
        t = t.drop(columns=["england_pct", "vs_england"])
    show_table(t[cols], "census_demand", words.caption(dem.scope, dem.has_england), dem.scope, csv=t, note=words.note(dem.has_england))
