"""Pack selections beyond ``params/``: a pack per area of a grouping (``--grouping``) and the
borough overview of any English council (``--national``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import DataFileError, ParameterError
from .loading import _first_parameter, _format_validation_error, _valid_keys_hint, deep_merge, load_pack_params, read_yaml
from .models import PackParams
from .names import check_pack_name
from .paths import PARAMS_DIRNAME, data_path
from .wards import WARD_GROUPING, WARD_LABEL, lookup_wards, ward_lookup_parameter


def slug(text: str) -> str:
    """A pack name from an area name: ``"Brownhills, Pelsall & Co" -> "brownhills-pelsall-co"``, ``"St Matthew's" -> "st-matthews"``."""
    import re

    out = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['\u2019]", "", text.lower())).strip("-")
    return out or "area"


def grouping_pack_params(root: Path, grouping: str, extra: list[Path] | None = None) -> dict[str, PackParams]:
    """Parameters of the packs for a grouping from ``groupings.options``: the borough overview plus one per area.

    Parameters
    ----------
    root : Path
        Project root.
    grouping : str
        Name of a grouping listed under ``groupings.options`` (e.g. ``area_partnership``), or
        ``ward`` (built in, unless an option has that name): every ward of the configured LSOA ->
        ward lookup its own area, with no mapping file.
    extra : list of Path, optional
        ``--params`` files merged over every pack.

    Returns
    -------
    dict
        ``{pack name: PackParams}``, the borough first, then the areas in name order.

    Raises
    ------
    ParameterError
        If the grouping is unknown (listing the valid ones), or its file lacks the column.
    """
    import csv

    base = load_pack_params(root, "borough", extra)
    options = {o.name: o for o in base.groupings.options}
    if grouping == WARD_GROUPING and grouping not in options:
        return _ward_pack_params(root, base, extra)
    if grouping not in options:
        raise ParameterError(
            f"Unknown grouping '{grouping}'. Valid groupings (groupings.options in params): {', '.join(options) or 'none'}; "
            f"built in: {WARD_GROUPING} (every ward its own area).",
            parameter="groupings.options",
        )
    opt = options[grouping]
    path = data_path(root, base, opt.file)
    if not path.is_file():
        raise DataFileError(
            f"Grouping '{grouping}': file '{opt.file}' does not exist under '{base.data_dir}'.", file=opt.file, parameter="groupings.options"
        )
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if opt.column not in (reader.fieldnames or []):
            raise ParameterError(
                f"Grouping '{grouping}': column '{opt.column}' is not in '{opt.file}'; it has {', '.join(reader.fieldnames or [])}.",
                file=opt.file,
                column=opt.column,
                parameter="groupings.options",
            )
        areas = sorted({row[opt.column].strip() for row in reader if row.get(opt.column, "").strip()})
    names = {a: slug(a) for a in areas}
    if len(set(names.values())) != len(names) or "borough" in names.values():
        raise ParameterError(
            f"Grouping '{grouping}': area names {areas} do not give distinct pack names.", file=opt.file, column=opt.column, parameter="groupings.options"
        )
    for area, name in names.items():
        check_pack_name(name, f"made from area {area[:40]!r} of column '{opt.column}' in '{opt.file}'")
    geo = {"ward_area_mapping": opt.file, "grouping": opt.name, "grouping_column": opt.column, "grouping_label": opt.label}
    packs = ["borough", *names.values()]
    out = {"borough": load_pack_params(root, "borough", extra, overrides={"geography": geo, "packs": packs})}
    for area, name in names.items():
        overrides = {"geography": geo, "packs": packs, "pack": name, "title": f"{area} {opt.label}", "area": area}
        out[name] = load_pack_params(root, "borough", extra, overrides=overrides)
    return out


def _ward_pack_params(root: Path, base: PackParams, extra: list[Path] | None) -> dict[str, PackParams]:
    """The built-in ``ward`` grouping: the borough plus a pack per ward of the configured LSOA -> ward lookup.

    No mapping file: ``geography.ward_area_mapping`` is null, so every ward is its own area (as in
    a national build), named as :func:`reviewpack.config.wards.ward_area_names` names it.
    """
    _, wards = lookup_wards(root, base)
    areas = sorted(wards.values())
    names = {a: slug(a) for a in areas}
    if len(set(names.values())) != len(names) or "borough" in names.values():
        raise ParameterError(
            f"Grouping '{WARD_GROUPING}': ward names {areas} do not give distinct pack names.",
            parameter=(ward_lookup_parameter(base) or ("geography.lsoa21_ward_lookup", ""))[0],
        )
    geo = {"ward_area_mapping": None, "grouping": WARD_GROUPING, "grouping_column": None, "grouping_label": WARD_LABEL}
    packs = ["borough", *names.values()]
    out = {"borough": load_pack_params(root, "borough", extra, overrides={"geography": geo, "packs": packs})}
    for area, name in names.items():
        overrides = {"geography": geo, "packs": packs, "pack": name, "title": f"{area} {WARD_LABEL}", "area": area}
        out[name] = load_pack_params(root, "borough", extra, overrides=overrides)
    return out


NATIONAL_FILE = "national.yaml"


def national_authorities(root: Path) -> dict[str, str]:
    """``{LA code: name}`` of every local authority in the national LSOA 2021 lookup (``params/national.yaml``)."""
    import csv
    import gzip

    base = read_yaml(root / PARAMS_DIRNAME / NATIONAL_FILE)
    rel = (base.get("geography") or {}).get("lsoa21_ward_lookup")
    if not rel:
        raise ParameterError(
            f"'{PARAMS_DIRNAME}/{NATIONAL_FILE}' must set geography.lsoa21_ward_lookup (an England-wide LSOA 2021 lookup).",
            file=root / PARAMS_DIRNAME / NATIONAL_FILE,
            parameter="geography.lsoa21_ward_lookup",
        )
    path = (root / base.get("data_dir", "data") / rel).resolve()
    if not path.is_file():
        raise DataFileError(f"National lookup '{path}' does not exist. Restore it from git.", file=path, parameter="geography.lsoa21_ward_lookup")
    opener = gzip.open if path.suffix == ".gz" else open
    out: dict[str, str] = {}
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        code_col = next((c for c in reader.fieldnames or [] if c.startswith("LAD") and c.endswith("CD")), None)
        name_col = next((c for c in reader.fieldnames or [] if c.startswith("LAD") and c.endswith("NM")), None)
        if code_col is None or name_col is None:
            raise DataFileError(f"National lookup '{path}' has no LADyyCD/LADyyNM columns.", file=path)
        for row in reader:
            out.setdefault(row[code_col], row[name_col])
    return dict(sorted(out.items()))


def national_pack_params(root: Path, codes: list[str], extra: list[Path] | None = None) -> dict[str, PackParams]:
    """Borough-overview parameters for English local authorities from ``params/national.yaml``.

    Parameters
    ----------
    root : Path
        Project root.
    codes : list of str
        ONS local authority codes, or ``["all"]`` for every authority in the national lookup.
    extra : list of Path, optional
        ``--params`` files merged over each.

    Returns
    -------
    dict
        ``{pack name (the code in lower case): PackParams}``.

    Raises
    ------
    ParameterError
        For a code that is not in the lookup (naming it), or invalid parameters.
    """
    known = national_authorities(root)
    wanted = list(known) if codes == ["all"] else list(dict.fromkeys(codes))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ParameterError(
            f"Unknown local authority code(s) {', '.join(unknown)}: not in the national lookup of {len(known)} English authorities "
            "(ONS codes such as E08000030; 'reviewpack list --national' lists them).",
            parameter="local_authority.code",
        )
    base = read_yaml(root / PARAMS_DIRNAME / NATIONAL_FILE)
    for p in extra or []:
        base = deep_merge(base, read_yaml(Path(p)))
    packs = [c.lower() for c in wanted]
    out = {}
    for code, name in ((c, known[c]) for c in wanted):
        merged = deep_merge(base, {"local_authority": {"code": code, "name": name}, "pack": code.lower(), "title": f"{name}: borough overview", "area": None, "packs": packs})
        try:
            out[code.lower()] = PackParams.model_validate(merged)
        except ValidationError as exc:
            raise ParameterError(
                _format_validation_error(exc, f"'{PARAMS_DIRNAME}/{NATIONAL_FILE}'") + _valid_keys_hint(exc), parameter=_first_parameter(exc)
            ) from None
    return out

