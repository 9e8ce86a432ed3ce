"""Page furniture: the title block, navigation and footer values every page of a build shares.

Two of them change without any input changing -- the build date and the git commit.  Packs are
executed and cached with :data:`STAMPED` tokens in their place, and :func:`stamp` puts this
publication's values in, so a new day or a new commit re-publishes from the cache without
running a notebook.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import DataFileError, ParameterError

if TYPE_CHECKING:
    from ..config import PackParams
    from .publish import PackOutput

# ``reviewpack.config`` (pydantic) and the source register (yaml) are imported where they are
# needed: :func:`stamped_values` runs on the no-op path, which must not import them.

#: Page furniture that changes without any input changing (the day, the git commit), as the tokens
#: packs are executed and cached with; :func:`stamp` replaces them when the packs are published.
STAMPED = {"build_date": "\ue000build_date\ue000", "commit": "\ue000commit\ue000"}


def git_commit(root: Path) -> str:
    """The project's git commit (``-dirty`` when the tree has uncommitted changes), or ``unknown``."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build_date(root: Path) -> str:
    """The date shown in packs: ``SOURCE_DATE_EPOCH`` if set, else today (UTC), as ``22 November 2026``.

    Raises
    ------
    ParameterError
        If ``SOURCE_DATE_EPOCH`` is not a whole number of seconds (as :func:`reviewpack.config.reference_date`).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        when = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch else datetime.now(tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ParameterError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got {epoch!r}.") from None
    return f"{when.day} {when:%B %Y}"


def stamped_values(root: Path) -> dict[str, str]:
    """This publication's values of the :data:`STAMPED` furniture: ``{"build_date": ..., "commit": ...}``."""
    return {"build_date": build_date(root), "commit": git_commit(root)}


def _attribution(data_dir: Path, files: list[str] | None = None) -> list[str]:
    """The ``attribution`` lines of ``data/sources.yaml`` that apply to ``files`` (the raw files the build uses).

    Read here with yaml rather than through :func:`reviewpack.ingest.register.load_register`,
    which checks every entry: only the attribution is needed for the page.
    """
    import yaml

    from ..ingest.register import SOURCES_REGISTER, attribution_lines, load_register

    path = data_dir / SOURCES_REGISTER
    if not path.is_file():
        load_register(data_dir)  # raises the usual DataFileError
    try:
        register = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        load_register(data_dir)  # raises DataFileError naming the file and line
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"Source register '{path}' cannot be read as UTF-8 text ({exc}). Restore it from git.") from None
    if not isinstance(register, dict):
        raise DataFileError(f"Source register '{path}' must be a mapping with 'files' and 'attribution'. Restore it from git.")
    return attribution_lines(register, files)


def _files_used(all_params: dict[str, PackParams]) -> list[str]:
    """Every raw file any pack of the build uses (for the attribution lines that depend on them)."""
    from ..config import params_as_dict
    from ..ingest.register import files_used

    return sorted({f for p in all_params.values() for f in files_used(params_as_dict(p))})


def data_vintages(root: Path, params: PackParams) -> str:
    """The title block's "Data" line, from the parameters: IoD editions, population years, Census 2021.

    The population years are read from the ``mid_year`` column of ``population.lsoa_panel``
    (a small file); if it cannot be read here the line names no years (the build's
    input checks report the file properly).
    """
    parts = ["IoD " + ", ".join(str(v.year) for v in sorted(params.deprivation.vintages, key=lambda v: v.year))]
    pop = params.population
    if pop.lsoa_panel:
        import csv
        import gzip

        path = root / params.data_dir / pop.lsoa_panel
        try:
            opener: Any = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
                years = sorted({int(row["mid_year"]) for row in csv.DictReader(fh)})
            parts.append(f"population mid-{years[0]} to mid-{years[-1]}" if len(years) > 1 else f"population mid-{years[0]}")
        except (OSError, KeyError, ValueError, TypeError, IndexError, UnicodeDecodeError, EOFError):
            parts.append("small-area population estimates")
    if pop.census2021:
        parts.append("Census 2021")
    parts.extend(_denominator_years(root, params))
    return "; ".join(parts)


def _denominator_years(root: Path, params: PackParams) -> list[str]:
    """``mid-2022 (IoD2025 File 7)`` for each edition whose File 7 denominators give the population section a year.

    The year is read from the File 7 header (``Total population: mid 2022``, as
    :mod:`reviewpack.ingest.imd` reads it); nothing is added when the header cannot be read here.
    """
    import csv
    import gzip
    import re

    out = []
    for v in sorted(params.deprivation.vintages, key=lambda v: v.year):
        if not v.file7 or v.population != "iod_denominator":
            continue
        path = root / params.data_dir / v.file7
        try:
            opener: Any = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh))
        except (OSError, StopIteration, UnicodeDecodeError, EOFError, csv.Error):
            continue
        years = [int(m.group(1)) for col in header if (m := re.match(r"Total population: mid[ -]?(\d{4})", col))]
        if years:
            out.append(f"mid-{years[0]} (IoD{v.year} File 7)")
    return out


def ward_boundaries(root: Path, params: PackParams) -> str:
    """The title block's "Wards" line when the areas are wards (``""`` when they come from a mapping file).

    The vintage is read from the lookup's ward code column (``WD24CD``: 2024 boundaries).
    """
    from ..config.wards import ward_vintages
    from ..present.narrative.wards import ward_vintage_line

    found = ward_vintages(root, params)
    return ward_vintage_line(*found) if found else ""


def page_furniture(root: Path, params: PackParams, all_params: dict[str, PackParams]) -> dict[str, Any]:
    """Title-block, navigation and footer values shared by every page of a build.

    Parameters
    ----------
    root : Path
        Project root.
    params : PackParams
        The first pack of the build (its data folder, vintages and grouping label are used).
    all_params : dict
        Every pack of the build's pack list (the navigation), built or not.
    """
    councils = list(dict.fromkeys(p.local_authority.name for p in all_params.values()))
    label = params.geography.grouping_label.lower()
    if len(councils) > 1:  # a --national build: one overview per council
        la_name = "English local authorities"
        intro = f"One borough overview for each of {len(councils)} local authorities, each with its {label}s side by side."
    else:
        la_name = params.local_authority.name
        intro = f"One pack for the borough overview and one for each {label}."
    return {
        "la_name": la_name,
        "intro": intro,
        "illustrative": any(p.grants is not None and p.grants.illustrative for p in all_params.values()),
        "grouping_label": params.geography.grouping_label,
        "packs": [
            {"name": n, "label": p.area or ("Borough overview" if len(councils) == 1 else p.local_authority.name)}
            for n, p in all_params.items()
        ],
        "vintages": data_vintages(root, params),
        "wards": ward_boundaries(root, params),
        **stamped_values(root),
        "version": __version__,
        "attribution": " ".join(_attribution(root / params.data_dir, _files_used(all_params))),
    }


def pack_page(page: dict[str, Any]) -> dict[str, Any]:
    """The page furniture a pack is executed and cached with: the stamped values as tokens."""
    return {**page, **STAMPED}


def stamp(output: PackOutput, page: dict[str, Any]) -> PackOutput:
    """A pack's output with the stamped tokens replaced by this publication's values."""
    html = output.html
    for name, token in STAMPED.items():
        html = html.replace(token, str(page[name]))
    return replace(output, html=html)
