"""Golden tables: a fresh default build publishes exactly the committed tables, key messages and headlines.

A commit that moves a published number updates ``tests/golden/`` in the same commit
(``python tests/golden_tools.py reports/latest``) and says why in its message.
"""

from __future__ import annotations

import difflib

import pytest
from golden_tools import golden, key_messages, published

pytestmark = pytest.mark.slow


def test_golden_packs_are_the_published_packs(built_reports):
    assert sorted(published(built_reports)) == sorted(golden()) == ["borough", "east", "north", "south", "west"]


@pytest.mark.parametrize("pack", ["borough", "north", "south", "east", "west"])
def test_published_files_match_golden(built_reports, pack):
    want = golden()[pack]
    got = published(built_reports)[pack]
    assert sorted(got) == sorted(want), f"{pack}: tables added {sorted(set(got) - set(want))}, removed {sorted(set(want) - set(got))}"
    diffs = []
    for name in sorted(want):
        if got[name] != want[name]:
            diffs.extend(difflib.unified_diff(
                want[name].splitlines(), got[name].splitlines(), f"golden/{pack}/{name}", f"build/{pack}/{name}", lineterm="", n=1))
    assert not diffs, "published figures moved from the golden files:\n" + "\n".join(diffs[:80])


def test_key_messages_reader():
    page = '<div class="key-messages">\n<ul>\n<li>North&#x27;s <strong>50%</strong></li>\n<li>b</li></ul></div>'
    assert key_messages(page) == ["North's 50%", "b"]
    assert key_messages("<p>no box</p>") == []


def test_golden_north_pins_real_figures():
    north = golden()["north"]
    # mid-2022 residents of North and Walsall from IoD2025's File 7 (Walsall's total, 286,218, is File 10's population base)
    assert "North had 60,221 residents at mid-2022 (ONS estimates, as IoD2025 used them): 21.0% of Walsall's 286,218." in north["key_messages.txt"]
    # the 2021 rows are still Census 2021 (the published TS001 total for Walsall is 284,106)
    assert "2021,North,all,59825,21.1,False" in north["population_by_locality.csv"]
    assert len(north) > 15
