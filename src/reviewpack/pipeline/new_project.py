"""``reviewpack init``: a project folder for any English council, built from the England-wide files.

A council's project has the same shape as the reviewpack checkout (Walsall's default project is one
instance of it)::

    DIR/params/defaults.yaml     the council, the data files, neutral text and marked places for its own context
    DIR/params/borough.yaml      the overview of the whole council
    DIR/params/<area>.yaml       one per area (of the user's mapping, or every ward)
    DIR/data/raw/                the England-wide files the packs use, copied from the checkout's data/raw/
                                 (about 4 MB), and the user's own mapping and register
    DIR/data/checksums.sha256    SHA-256 of every file in data/raw/ (verified at the start of every build)
    DIR/data/sources.yaml        publisher, release, licence of each file (the packs' sources table)
    DIR/notebooks/               the topic notebooks (so the project opens in JupyterLab)
    DIR/README.md                what to edit and the next command

How a project finds the national files: it holds **copies** of them (hard links where the file system
allows), checked against the checkout's checksums as they are copied.  ``data_dir`` stays ``data``
and every file is named ``raw/<name>`` relative to it, so the folder builds on its own, moves as a
whole, and nothing published names a path outside it.  Everything is validated before a file is
written: an unknown council code, a mapping without the columns, with a ward of another council,
a ward twice or a ward missing are one ``error:`` line naming the option and the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import NATIONAL_FILE, PARAMS_DIRNAME, deep_merge, read_yaml, slug
from ..config.names import check_pack_name
from ..errors import DataFileError, ParameterError
from ..ingest.files import sha256_file

#: the overview's pack name (the ``--grouping`` selections use the same)
OVERVIEW = "borough"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_GROUPING = re.compile(r"^[a-z][a-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class NewProject:
    """What :func:`init_project` wrote: the folder, the council and its packs."""

    folder: Path
    code: str
    name: str
    packs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _council_wards(lookup: Path, code: str) -> tuple[str, dict[str, str]]:
    """``(council name, {ward code: ward name})`` of one council in the England-wide LSOA 2021 -> ward lookup."""
    opener: Any = gzip.open if lookup.suffix == ".gz" else open
    wards: dict[str, str] = {}
    name = ""
    with opener(lookup, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        lad = next((c for c in cols if c.startswith("LAD") and c.endswith("CD")), None)
        lad_nm = next((c for c in cols if c.startswith("LAD") and c.endswith("NM")), None)
        wd = next((c for c in cols if c.startswith("WD") and c.endswith("CD")), None)
        wd_nm = next((c for c in cols if c.startswith("WD") and c.endswith("NM")), None)
        if not (lad and lad_nm and wd and wd_nm):
            raise DataFileError(f"National lookup '{lookup.name}' lacks the ONS LADyyCD/LADyyNM/WDyyCD/WDyyNM columns. Restore it from git.", file=lookup.name)
        for row in reader:
            if row[lad] == code:
                name = row[lad_nm]
                wards.setdefault(row[wd], row[wd_nm])
    return name, wards


def _read_mapping(path: Path, wards: dict[str, str], code: str, council: str, area_name: str | None) -> tuple[str, dict[str, str]]:
    """Validate the user's ``ward_code,<area column>`` mapping; return ``(area column, {ward code: area})``."""
    shown = path.name
    if not path.is_file():
        raise ParameterError(f"--areas names '{shown}', which is not a file. Give a CSV with the columns ward_code and one area column.", file=shown, parameter="--areas")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(f"--areas file '{shown}' is not UTF-8 text. Save it as CSV UTF-8.", file=shown, parameter="--areas") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "ward_code" not in columns:
        raise ParameterError(
            f"--areas file '{shown}' has no column 'ward_code' (its columns: {', '.join(columns) or 'none'}). "
            "Give a CSV with ward_code (the 2024 ONS ward code, E05...) and one area column.",
            file=shown, parameter="--areas", column="ward_code",
        )
    others = [c for c in columns if c not in ("ward_code", "ward_name")]
    if area_name is not None:
        if area_name not in others:
            raise ParameterError(
                f"--area-name '{area_name}' is not a column of --areas file '{shown}' (area columns: {', '.join(others) or 'none'}).",
                file=shown, parameter="--area-name", column=area_name,
            )
        column = area_name
    elif len(others) == 1:
        column = others[0]
    else:
        raise ParameterError(
            f"--areas file '{shown}' needs exactly one area column besides ward_code and ward_name, or --area-name naming it "
            f"(it has: {', '.join(others) or 'none'}).",
            file=shown, parameter="--area-name",
        )
    if not _GROUPING.match(column):
        raise ParameterError(
            f"--areas file '{shown}': the area column '{column}' must be a lower-case name of letters, digits and '_' "
            "(e.g. town); rename the column.",
            file=shown, parameter="--areas", column=column,
        )
    out: dict[str, str] = {}
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        ward, area = row.get("ward_code", ""), row.get(column, "")
        if not ward and not area:
            continue
        if ward not in wards:
            raise ParameterError(
                f"--areas file '{shown}', row {n}, column 'ward_code': {ward!r} is not a ward of {council} ({code}) in the "
                f"LSOA 2021 -> ward 2024 lookup. Use the council's 2024 ward codes (the mapping must name only its wards).",
                file=shown, parameter="--areas", row=n, column="ward_code",
            )
        if ward in out:
            raise ParameterError(
                f"--areas file '{shown}', row {n}: ward {ward} ({wards[ward]}) is listed twice. Put every ward in exactly one area.",
                file=shown, parameter="--areas", row=n, column="ward_code",
            )
        if not area or _CONTROL.search(area) or len(area) > 100:
            raise ParameterError(
                f"--areas file '{shown}', row {n}, column '{column}': give the ward's area name (1 to 100 characters, no control characters).",
                file=shown, parameter="--areas", row=n, column=column,
            )
        out[ward] = area
    missing = [w for w in wards if w not in out]
    if missing:
        listed = ", ".join(f"{w} ({wards[w]})" for w in sorted(missing)[:5]) + (" ..." if len(missing) > 5 else "")
        raise ParameterError(
            f"--areas file '{shown}' leaves out {len(missing)} of the {len(wards)} wards of {council}: {listed}. Put every ward in exactly one area.",
            file=shown, parameter="--areas", column="ward_code",
        )
    return column, out


def _write_mapping(path: Path, column: str, mapping: dict[str, str], wards: dict[str, str]) -> None:
    """The user's mapping with the ONS ward names added (the packs name wards; the user's rows and order unchanged)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ward_code", "ward_name", column])
        for ward, area in mapping.items():
            w.writerow([ward, wards[ward], area])


def _pack_names(areas: list[str], shown: str) -> dict[str, str]:
    names = {a: slug(a) for a in areas}
    clash = len(set(names.values())) != len(names) or OVERVIEW in names.values()
    if clash:
        raise ParameterError(f"The area names of {shown} do not give distinct pack names (or one is '{OVERVIEW}'): rename the areas.", file=shown, parameter="--areas")
    for area, name in names.items():
        check_pack_name(name, f"made from area {area[:40]!r} of {shown}")
    return names


def _safe_copy_name(path: Path, fallback: str, taken: set[str]) -> str:
    name = path.name if _SAFE_NAME.match(path.name) else fallback + path.suffix.lower()
    return name if name not in taken else "project_" + name


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _raw_values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _raw_values(v)]
    if isinstance(value, list):
        return [x for v in value for x in _raw_values(v)]
    return [value[len("raw/"):]] if isinstance(value, str) and value.startswith("raw/") else []


_DEFAULTS_HEAD = """\
# Parameters of every pack of {name} ({code}), written by `reviewpack init`.
# Each pack file (borough.yaml, one per area) is merged over these; `--params FILE` over both.
# Every key, its type and default: src/reviewpack/config/models.py (PackParams).
# Files are named relative to data_dir (this project's data/ folder), never by an absolute path.
#
# >>> YOUR COUNCIL'S OWN WORDS: `title` in params/borough.yaml and each area's file, and
# >>> `context.*` and `context.contact` below. They are empty (nothing is shown) until you fill them.
"""

_README = """\
# Review packs for {name} ({code})

Written by `reviewpack init`. Packs: the overview (`borough`) and one per {label_lower} ({count}).

Next command, from this folder (the reviewpack checkout's virtual environment active):

    reviewpack --project . build      # builds every pack into reports/latest/
    reviewpack --project . list       # lists the packs

Before publishing, add your council's own words where `params/defaults.yaml` marks them
(`context.population`, `context.deprivation`, `context.grants`, `context.options`, `context.contact`)
and check the titles in `params/*.yaml`. Describe your own files (licence, release) in
`data/sources.yaml`: {own_files}.

The England-wide data files in `data/raw/` are copies of the reviewpack checkout's, checked against
its checksums; `data/checksums.sha256` holds the SHA-256 of every file in `data/raw/`, verified at
the start of every build. If you replace a file, update its line (`sha256sum data/raw/FILE`).
"""


def init_project(source_root: Path, folder: Path, code: str, areas: Path | None = None, area_name: str | None = None, grants: Path | None = None) -> NewProject:
    """Write a project folder for one English council.

    Parameters
    ----------
    source_root : Path
        The reviewpack checkout (holds ``params/national.yaml``, ``data/raw/`` and ``notebooks/``).
    folder : Path
        The new project's folder; must not exist or be empty.
    code : str
        ONS local authority code (``reviewpack list --national`` lists them).
    areas : Path, optional
        ``ward_code,<area column>`` CSV putting every ward of the council in one area; default: every ward its own area.
    area_name : str, optional
        The mapping's area column, when it has several.
    grants : Path, optional
        A 360Giving register (CSV, XLSX or JSON) with ward codes, LSOA codes or postcodes.

    Raises
    ------
    ParameterError
        Before anything is written, naming the option and the file at fault.
    """
    code = code.strip().upper()
    national = read_yaml(source_root / PARAMS_DIRNAME / NATIONAL_FILE)
    src_data = source_root / str(national.get("data_dir", "data"))
    lookup_rel = (national.get("geography") or {}).get("lsoa21_ward_lookup") or ""
    council, wards = _council_wards(src_data / lookup_rel, code)
    if not wards:
        raise ParameterError(
            f"--council '{code}' is not one of the English councils in the national lookup ({lookup_rel}). "
            "'reviewpack list --national' lists the codes (e.g. E06000001 Hartlepool).",
            parameter="--council",
        )
    if grants is not None and not grants.is_file():
        raise ParameterError(f"--grants names '{grants.name}', which is not a file. Give a 360Giving register (CSV, XLSX or JSON).", file=grants.name, parameter="--grants")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ParameterError(f"Project folder '{folder.name}' already exists and is not empty. Choose a new folder.", parameter="DIR")

    if areas is not None:
        column, mapping = _read_mapping(areas, wards, code, council, area_name)
        has_ward_name = "ward_name" in (areas.read_text(encoding="utf-8-sig").splitlines() or [""])[0].split(",")
        label = column.replace("_", " ").capitalize()
        area_list = sorted(set(mapping.values()))
    else:
        column, mapping, label, has_ward_name = "ward", {}, "Ward", True
        area_list = sorted(wards.values())
    names = _pack_names(area_list, f"'{areas.name}'" if areas else f"the wards of {council}")

    # the national files the packs use, checked against the checkout's checksums as they are copied
    national_files = sorted(set(_raw_values(national)))
    from ..ingest.files import read_checksums

    expected = read_checksums(src_data)
    register = read_yaml(src_data / "sources.yaml")
    by_file = {s.get("file"): s for s in register.get("sources", []) if isinstance(s, dict)}
    for name in national_files:
        if name not in by_file:
            raise DataFileError(f"National file 'raw/{name}' is not described in the checkout's data/sources.yaml.", file=name)
    taken = set(national_files)
    own: list[tuple[Path, str, str]] = []  # (source, copied name, what it is)
    if areas is not None:
        own.append((areas, _safe_copy_name(areas, "areas", taken), f"ward to {label.lower()} mapping"))
        taken.add(own[-1][1])
    if grants is not None:
        own.append((grants, _safe_copy_name(grants, "grants", taken), "grant register (360Giving)"))

    params: dict[str, Any] = deep_merge(national, {})
    params.pop("title", None)
    geo: dict[str, Any] = {"grouping": column, "grouping_label": label, "ward_area_mapping": None}
    if areas is not None:
        geo["ward_area_mapping"] = f"raw/{own[0][1]}"
    params["geography"] = deep_merge(params.get("geography") or {}, geo)
    if grants is not None:
        params["grants"] = {
            "register": f"raw/{own[-1][1]}",
            "description": f"Grants in the 360Giving register '{own[-1][1]}' (see the sources table).",
            "placement_note": "Grants are placed by the ward or LSOA 2021 code each row gives, or by postcode where "
            "grants.postcode_lookup names a postcode lookup.",
            "postcode_lookup": None,
        }
    packs = [OVERVIEW, *names.values()]
    head = {"local_authority": {"code": code, "name": council}, "data_dir": "data"}
    body = {k: v for k, v in params.items() if k not in ("local_authority", "data_dir", "packs", "context")}
    context = {"population": "", "deprivation": "", "grants": "", "options": "", "contact": ""}

    # ---- everything is valid: write
    raw_dir = folder / "data" / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    sums: dict[str, str] = {}
    for name in national_files:
        src = src_data / "raw" / name
        digest = sha256_file(src)
        if expected.get(name) not in (None, digest):
            raise DataFileError(f"National file 'raw/{name}' does not match the checkout's data/checksums.sha256. Restore it from git.", file=name)
        _link_or_copy(src, raw_dir / name)
        sums[name] = digest
    for src, name, _ in own:
        if areas is not None and src == areas and not has_ward_name:
            _write_mapping(raw_dir / name, column, mapping, wards)
        else:
            shutil.copyfile(src, raw_dir / name)
        sums[name] = sha256_file(raw_dir / name)
    (folder / "data" / "checksums.sha256").write_text("".join(f"{sums[n]}  {n}\n" for n in sorted(sums)), encoding="utf-8")
    sources = {
        "attribution": register.get("attribution", []),
        "sources": [by_file[n] for n in national_files]
        + [
            {"file": name, "title": f"{council} {what}", "publisher": f"{council} (supplied for this project)",
             "release": "as supplied" if not (what.startswith("ward") and not has_ward_name) else "as supplied; ward names added from the ONS lookup by reviewpack init",
             "licence": "not stated", "topic": "grants" if "grant" in what else "geography"}
            for _, name, what in own
        ],
    }
    (folder / "data" / "sources.yaml").write_text(
        "# Register of the files in data/raw/ (each pack's sources table). The England-wide entries are copied from the\n"
        "# reviewpack checkout; state the release and licence of your own files (the last entries).\n"
        + yaml.safe_dump(sources, sort_keys=False, allow_unicode=True, width=120),
        encoding="utf-8",
    )
    pdir = folder / PARAMS_DIRNAME
    pdir.mkdir()
    dump = lambda d: yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=120)  # noqa: E731
    (pdir / "defaults.yaml").write_text(
        _DEFAULTS_HEAD.format(name=council, code=code) + dump(head) + dump(body)
        + "\n# >>> YOUR COUNCIL'S CONTEXT for each section (Markdown, shown at the start of the section), and who a reader\n"
        "# >>> asks for the pack in another format. Leave '' to show nothing.\n"
        + dump({"context": context}) + dump({"packs": packs}),
        encoding="utf-8",
    )
    (pdir / f"{OVERVIEW}.yaml").write_text(
        "# The overview of the whole council. >>> Your own title here.\n" + dump({"title": f"{council} overview", "area": None}), encoding="utf-8"
    )
    for area, name in names.items():
        (pdir / f"{name}.yaml").write_text(f"# One {label.lower()}'s pack.\n" + dump({"title": f"{area} {label}", "area": area}), encoding="utf-8")
    shutil.copytree(source_root / "notebooks", folder / "notebooks", ignore=shutil.ignore_patterns(".*"))
    (folder / ".gitignore").write_text("reports/\n.cache/\n", encoding="utf-8")
    own_files = ", ".join(f"`data/raw/{n}`" for _, n, _ in own) or "none yet"
    (folder / "README.md").write_text(
        _README.format(name=council, code=code, label_lower=label.lower(), count=len(names), own_files=own_files), encoding="utf-8"
    )
    return NewProject(folder=folder, code=code, name=council, packs=packs, files=sorted(sums))
