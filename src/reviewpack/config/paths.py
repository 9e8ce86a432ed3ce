"""Where things are: the project root, data files named by the parameters, the build's date,
and the parameters as plain values."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError

if TYPE_CHECKING:
    from .models import PackParams

PARAMS_DIRNAME = "params"
DEFAULTS_FILE = "defaults.yaml"


def find_project_root(start: Path | None = None) -> Path:
    """Return the directory holding ``params/defaults.yaml``, searching upwards.

    Parameters
    ----------
    start : Path, optional
        Where to start (default: ``$REVIEWPACK_ROOT`` if set, else the current directory).  A notebook opened in
        JupyterLab runs in ``notebooks/``, so searching upwards finds the project.

    Raises
    ------
    ParameterError
        If no ``params/defaults.yaml`` is found in ``start`` or any parent.
    """
    if start is None and os.environ.get("REVIEWPACK_ROOT"):
        start = Path(os.environ["REVIEWPACK_ROOT"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / PARAMS_DIRNAME / DEFAULTS_FILE).is_file():
            return candidate
    raise ParameterError(
        f"Cannot find '{PARAMS_DIRNAME}/{DEFAULTS_FILE}' in '{here}' or any folder above it. "
        "Run reviewpack from the project folder (the one with the Makefile), or pass --project DIR."
    )



def reference_date() -> date:
    """The build's "today" in UTC: the date of ``SOURCE_DATE_EPOCH`` when set, so builds are reproducible; else
    today's date in UTC -- never the machine's time zone, so "in the future" is decided alike everywhere (and
    agrees with the build date the pages show)."""
    from datetime import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ParameterError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got {epoch!r}.") from None
    return datetime.now(tz=UTC).date()


def param_strings(value: Any) -> Iterator[str]:
    """Every string value in a parameters dict, at any depth (dict values and list items)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from param_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from param_strings(v)
    elif isinstance(value, str):
        yield value


def data_path(root: Path, params: PackParams, relative: str) -> Path:
    """Resolve a data file named in the parameters (relative to ``data_dir``)."""
    return (root / params.data_dir / relative).resolve()


def params_as_dict(params: PackParams) -> dict[str, Any]:
    """The parameters as plain JSON-able values (what papermill passes to a notebook)."""
    return params.model_dump(mode="json")

