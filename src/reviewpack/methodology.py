"""The "Methodology and sources" section: sources, attribution, parameters, checksums, caveats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DataFileError
from .report import md_escape
from .sources import read_checksums

SOURCES_REGISTER = "sources.yaml"


def load_register(data_dir: Path) -> dict[str, Any]:
    """Read ``data/sources.yaml`` (the machine-readable source register)."""
    path = Path(data_dir) / SOURCES_REGISTER
    if not path.is_file():
        raise DataFileError(f"Source register '{path}' is missing; restore it from git.")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def files_used(params_dict: dict[str, Any]) -> list[str]:
    """Names of the raw files a pack's parameters point at (``raw/...`` values, any depth)."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and v.startswith("raw/"):
            found.append(v[len("raw/"):])

    walk(params_dict)
    return sorted(set(found))


def sources_markdown(data_dir: Path, params_dict: dict[str, Any], caveats: list[str]) -> str:
    """Markdown for the methodology section.

    Parameters
    ----------
    data_dir : Path
        The data folder (holds ``sources.yaml`` and ``checksums.sha256``).
    params_dict : dict
        The pack's resolved parameters (shown, and used to list the files).
    caveats : list of str
        Caveats collected from the sections.
    """
    register = load_register(data_dir)
    checksums = read_checksums(data_dir)
    used = files_used(params_dict)
    by_file = {s["file"]: s for s in register.get("sources", [])}
    lines = ["### Data sources", ""]
    lines.append("| Data | Publisher | Release | Licence | File | SHA-256 (first 12) |")
    lines.append("|---|---|---|---|---|---|")
    for name in used:
        s = by_file.get(name, {})
        lines.append(
            f"| {md_escape(s.get('title', name))} | {md_escape(s.get('publisher', 'see data/raw/SOURCES.md'))} | "
            f"{md_escape(s.get('release', ''))} | {md_escape(s.get('licence', ''))} | `{name}` | `{checksums.get(name, 'unregistered')[:12]}` |"
        )
    lines += ["", "Full provenance of every file (repository, commit, changes made, checks) is in `data/raw/SOURCES.md`.", ""]
    lines += ["### Attribution", ""] + [f"- {md_escape(a)}" for a in register.get("attribution", [])] + [""]
    lines += ["### Caveats", ""] + [f"- {c}" for c in caveats] + [""]
    lines += ["### Parameters used", "", "```yaml", yaml.safe_dump(params_dict, sort_keys=True, allow_unicode=True).strip(), "```", ""]
    return "\n".join(lines)


def population_caveats(params_dict: dict[str, Any]) -> list[str]:
    """Caveats that apply to the population section."""
    est = params_dict.get("population", {}).get("estimate_years", [])
    out = [
        "LSOAs are placed in wards, and wards in areas, by the ONS best-fit lookups: each LSOA goes wholly to the ward "
        "holding its population-weighted centroid. 13 of Walsall's 167 LSOAs (2011) straddle two wards.",
        "Mid-2012 and mid-2015 figures are the IoD population denominators: they exclude prisoners and have only the "
        "bands 0-15, 16-59 and 60+, so 16-64, 65+ and dependency ratios are not shown for those years.",
        "Census 2021 counts usual residents on 2021 LSOAs; the other years are mid-year estimates on 2011 LSOAs. "
        "Census custom datasets are cell-key perturbed, so totals differ slightly from published tables.",
    ]
    if est:
        out.append(
            f"{', '.join(map(str, est))} figures are **estimates** by linear interpolation between the nearest data years "
            "(no ONS estimate by LSOA and age was available for those years); they are marked as estimated everywhere."
        )
    return out
