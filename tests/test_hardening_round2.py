"""Issue 17, point 10 (the smaller items): dates in UTC whatever the time zone, only file parameters
opened as files, control characters kept off the terminal, a bare CR inside a quoted CSV cell.

(The atomic publish, the lock and killed builds are in test_publish_atomic.py; two builds compared
with ``diff -r`` in test_reproducible.py; the bad-input cases in bad_inputs/cases.yaml.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT

from reviewpack.cli import terminal_safe
from reviewpack.config import load_pack_params
from reviewpack.pipeline.verify import referenced_files

CORPUS = Path(__file__).resolve().parent / "bad_inputs"

# UTC+14 and UTC-12: at every instant their calendar dates differ (by one or two days)
FAR_EAST, FAR_WEST = "Pacific/Kiritimati", "Etc/GMT+12"


def _in_time_zone(tz: str, code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["TZ"] = tz
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout.strip()


def test_the_time_zones_used_really_differ() -> None:
    """Guards the next test: if the machine ignored TZ, it could not fail."""
    code = "import datetime; print(datetime.date.today().isoformat())"
    assert _in_time_zone(FAR_EAST, code) != _in_time_zone(FAR_WEST, code)


@pytest.mark.parametrize(
    "code",
    [
        "from reviewpack.config import reference_date; print(reference_date().isoformat())",
        # what the grant register checks award dates against when no date is given
        "from reviewpack.ingest.threesixtygiving.register import _check_today; print(_check_today(None).date().isoformat())",
    ],
    ids=["reference_date", "register-today"],
)
def test_in_the_future_does_not_depend_on_the_time_zone(code: str) -> None:
    for _ in range(3):  # a run straddling midnight UTC is tried again
        before = datetime.now(tz=UTC).date().isoformat()
        east, west = _in_time_zone(FAR_EAST, code), _in_time_zone(FAR_WEST, code)
        if datetime.now(tz=UTC).date().isoformat() == before:
            break
    assert east == west == before


def test_only_parameters_that_name_files_are_opened_as_files(tmp_path: Path) -> None:
    """A title that looks like a path (``/proc/self/pagemap`` would hang a reader) is text, not a file to hash."""
    register = tmp_path / "register.csv"
    register.write_bytes((CORPUS / "grants" / "utf8_bom.csv").read_bytes())
    extra = tmp_path / "p.yaml"
    extra.write_text(
        f"title: /proc/self/pagemap\ngrants:\n  register: '{register}'\n  description: /etc/shadow\n", encoding="utf-8"
    )
    params = load_pack_params(ROOT, "borough", [extra])
    assert params.title == "/proc/self/pagemap"
    data_dir = (ROOT / params.data_dir).resolve()
    assert referenced_files(params, data_dir) == [register.resolve()]


def test_the_default_parameters_name_no_file_outside_data() -> None:
    params = load_pack_params(ROOT, "north")
    assert referenced_files(params, (ROOT / params.data_dir).resolve()) == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31m800\x07", "\\x1b[2J\\x1b[31m800\\x07"),  # clear screen, red, bell
        ("ok\rFAKE", "ok\\x0dFAKE"),  # a carriage return would overwrite the start of the line
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("\x9b31m", "\\x9b31m"),  # the 8-bit CSI
        ("tab\there\nnext line, £ and é", "tab\there\nnext line, £ and é"),  # kept
    ],
)
def test_control_characters_never_reach_the_terminal(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


def test_a_bare_cr_inside_a_quoted_cell_keeps_the_row_whole() -> None:
    """Both CSV readers (pandas' C parser, and the csv module used when a row has extra cells)."""
    from reviewpack.ingest.threesixtygiving.formats import _read_csv_text

    text = (CORPUS / "grants" / "bare_cr_in_quoted_cell.csv").read_bytes().decode("utf-8-sig")
    ragged = text.replace(",E05001316\r\n", ",E05001316,an extra cell\r\n", 1)
    assert ragged != text
    for variant in (text, ragged, text.replace("\r\n", "\n")):
        table = _read_csv_text(Path("register.csv"), variant, "utf-8", None)
        assert len(table.frame) == 6
        assert list(table.source_row) == [2, 3, 4, 5, 6, 7]
        assert table.frame.iloc[1, 2] == "Made-up test record,\rsplit by a bare CR (old Mac line end)."


# ---------------------------------------------------------------------------
# `make test` without root: browser tests skip loudly, except under CI=true


@pytest.mark.parametrize(("ci", "outcome"), [(None, "skip"), ("", "skip"), ("false", "skip"), ("true", "fail"), ("TRUE", "fail"), ("1", "fail")])
def test_a_missing_browser_skips_loudly_except_on_ci(ci: str | None, outcome: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import conftest

    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(conftest, "BROWSER_SKIPS", [])
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected) as raised:
        conftest.browser_missing("Chromium not found")
    if outcome == "skip":
        assert str(raised.value) == "BROWSER TESTS SKIPPED: Chromium not found"
        assert conftest.BROWSER_SKIPS == ["Chromium not found"]  # repeated at the end of the run
    else:
        assert str(raised.value) == "Chromium not found (CI=true: the browser tests must run here)"
        assert conftest.BROWSER_SKIPS == []
