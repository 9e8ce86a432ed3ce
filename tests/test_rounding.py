"""Round once: CSVs keep full precision and tables show each value rounded once, at display."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def _shown_rows(page: str, pack: str, table: str) -> list[list[str]]:
    end = page.index(f'href="tables/{pack}/{table}.csv"')
    start = page.rindex("<table>", 0, end)
    body = page[start:end].split("<tbody>", 1)[1]
    return [[html.unescape(c) for c in _CELL.findall(r)] for r in _ROW.findall(body)]


@pytest.mark.parametrize("pack", ["south", "borough"])
def test_quintile_shares_shown_are_the_full_precision_values_rounded_once(built_reports: Path, pack: str):
    with (built_reports / "tables" / pack / "deprivation_quintile_distribution.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    shown = _shown_rows((built_reports / f"{pack}.html").read_text(encoding="utf-8"), pack, "deprivation_quintile_distribution")
    assert len(shown) == len(rows)
    assert sum(len(r["share_of_quintile_pct"].split(".")[-1]) > 2 for r in rows) > len(rows) / 2, "the CSV keeps full precision"
    for row, cells in zip(rows, shown):
        value = float(row["share_of_quintile_pct"])
        assert cells[-1] == f"{value:.1f}", (row, cells)


def test_the_two_values_that_were_rounded_twice(built_reports: Path):
    """IoD2025 Q1 South is 40.55...% (shown 40.5 when a 2-dp CSV value was rounded again); IoD2019 29.65...%."""
    shown = _shown_rows((built_reports / "south.html").read_text(encoding="utf-8"), "south", "deprivation_quintile_distribution")
    q1_south = {r[0]: r[-1] for r in shown if r[1] == "1" and r[2] == "South"}
    assert q1_south == {"IoD2015": "33.1", "IoD2019": "29.7", "IoD2025": "40.6"}
