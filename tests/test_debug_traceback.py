"""``--debug`` prints the failing notebook cell's own traceback (not only the package's)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import papermill as pm
import pytest

from reviewpack.cli import _say_cell_traceback
from reviewpack.pipeline.executors.base import notebook_failure


def test_the_cell_traceback_travels_with_the_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exc = pm.PapermillExecutionError(
        cell_index=3, exec_count=4, source="_broken()", ename="KeyError", evalue="'no such key'",
        traceback=["\x1b[0;31mKeyError\x1b[0m  Traceback", "----> 2     return {}['no such key']", "KeyError: 'no such key'"],
    )
    err = notebook_failure(SimpleNamespace(pack="north"), tmp_path / "missing.ipynb", exc)  # type: ignore[arg-type]
    assert str(err) == "Pack 'north': the notebook failed in cell 4: KeyError: 'no such key'"
    assert err.cell_traceback == "KeyError  Traceback\n----> 2     return {}['no such key']\nKeyError: 'no such key'"  # type: ignore[attr-defined]
    _say_cell_traceback(err)
    assert capsys.readouterr().err == (
        "The notebook cell's traceback:\nKeyError  Traceback\n----> 2     return {}['no such key']\nKeyError: 'no such key'\n\n"
    )
