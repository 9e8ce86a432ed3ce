"""Loading parameters: read the YAML files, merge them, validate them, and check the files and
area they name -- all before any notebook runs.

A pack's parameters are ``defaults.yaml`` <- ``<pack>.yaml`` <- ``--params FILE``
(later files win; mappings are merged key by key, lists and scalars replaced).
"""

from __future__ import annotations

import copy
import re
import reprlib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DataFileError, ParameterError
from . import safe_yaml
from .models import PackParams
from .names import check_pack_name
from .paths import DEFAULTS_FILE, PARAMS_DIRNAME, data_path

# ---------------------------------------------------------------------------
# YAML reading


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one parameter file with a safe loader and return its mapping.

    Raises
    ------
    ParameterError
        If the file is missing, empty, not valid YAML or not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        if path.is_symlink():
            raise ParameterError(
                f"Parameter file '{path}' is a symbolic link that leads to no file (a missing target or a loop of links). "
                "Point it at a real file, or pass the file itself.",
                file=path,
            )
        raise ParameterError(
            f"Parameter file '{path}' does not exist. Check the path. A --params file holds only the settings you change "
            "(e.g. 'deprivation: {most_deprived_n: 20}'); it is merged over every pack's parameters.",
            file=path,
        )
    try:
        data = safe_yaml.read(path)  # size, encoding, nesting, aliases, duplicate keys; parsed once per build
    except OSError as exc:
        raise ParameterError(f"Parameter file '{path}' cannot be read ({exc.strerror or exc}). Check its permissions.", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, safe_yaml.LimitError):
            raise ParameterError(
                f"Parameter file '{path}' is refused{at}: {problem}. A parameter file holds plain 'key: value' settings; "
                "check it is the right file.",
                file=path,
                row=mark.line + 1 if mark is not None else None,
            ) from None
        raise ParameterError(
            f"Parameter file '{path}' is not valid YAML{at}: {problem}. Fix the syntax (indent with spaces, 'key: value').",
            file=path,
            row=mark.line + 1 if mark is not None else None,
        ) from None
    if data is None:
        raise ParameterError(f"Parameter file '{path}' is empty. Give at least one 'key: value' line, or remove the file.", file=path)
    if not isinstance(data, dict):
        raise ParameterError(
            f"Parameter file '{path}' must be a mapping of 'key: value' lines, not a {type(data).__name__}.",
            file=path,
        )
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------------------
# validation


def _origin(loc: tuple[Any, ...], layers: list[tuple[str, Any]]) -> str | None:
    """The last of the merged files (``(label, data)``, in merge order) that sets the value at ``loc``."""
    found = None
    for label, data in layers:
        node = data
        for part in loc:
            if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
                node = node[part]
            else:
                break
        else:
            found = label
    return found


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 3, 3, 3, 3
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 60, 60, 40


def excerpt(value: Any, limit: int = 80) -> str:
    """A short ``repr`` of a parameter value for a message: never more than ``limit`` characters,
    and never built in full (a value made of shared aliases would expand without end)."""
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_validation_error(exc: ValidationError, sources: str, layers: list[tuple[str, Any]] | None = None) -> str:
    lines = []
    several = layers if layers is not None and len(layers) > 1 else None
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = _origin(tuple(err["loc"]), several) if several else None
        at = f" (set in {where})" if where else ""
        kind = err["type"]
        if kind == "extra_forbidden":
            lines.append(f"unknown parameter '{loc}'{at}")
        elif kind == "missing":
            lines.append(f"missing parameter '{loc}'")
        elif not loc:
            # a check across several parameters (a model validator): its message names them; the
            # whole merged configuration is not the "value" to quote
            lines.append(str(err["msg"]).removeprefix("Value error, "))
        else:
            lines.append(f"parameter '{loc}': {err['msg']} (got {excerpt(err.get('input'))}{', set in ' + where if where else ''})")
    return f"Invalid parameters in {sources}: " + "; ".join(lines) + "."


def _first_parameter(exc: ValidationError) -> str | None:
    """Dotted name of the first invalid parameter of a validation error (for ``ParameterError.parameter``)."""
    errors = exc.errors()
    return ".".join(str(p) for p in errors[0]["loc"]) if errors and errors[0]["loc"] else None


def _valid_keys_hint(exc: ValidationError) -> str:
    hints = []
    for err in exc.errors():
        if err["type"] != "extra_forbidden":
            continue
        model: type[BaseModel] = PackParams
        for part in err["loc"][:-1]:
            field = model.model_fields.get(str(part))
            ann = getattr(field, "annotation", None) if field else None
            # unwrap Optional / unions / lists to find the nested model (e.g. ``Grants | None``)
            candidates = [ann, *typing.get_args(ann)] if ann is not None else []
            for cand in candidates:
                if isinstance(cand, type) and issubclass(cand, BaseModel):
                    model = cand
                    break
        hints.append(", ".join(sorted(model.model_fields)))
    return f" Valid keys here: {hints[0]}." if hints else ""


def pack_names(root: Path, extra: list[Path] | None = None) -> list[str]:
    """Names of the packs listed in ``params/defaults.yaml`` (key ``packs``), or in the last
    ``--params`` file that sets ``packs`` (as :func:`load_pack_params` merges them)."""
    defaults = read_yaml(root / PARAMS_DIRNAME / DEFAULTS_FILE)
    packs = defaults.get("packs")
    if not isinstance(packs, list) or not packs:
        raise ParameterError(
            f"'{PARAMS_DIRNAME}/{DEFAULTS_FILE}' must list the packs, e.g. 'packs: [borough, north]'.",
            file=root / PARAMS_DIRNAME / DEFAULTS_FILE,
            parameter="packs",
        )
    source = f"{PARAMS_DIRNAME}/{DEFAULTS_FILE}"
    for path in extra or []:
        listed = read_yaml(Path(path)).get("packs")
        if listed:
            packs, source = listed, str(path)
    if not isinstance(packs, list):
        raise ParameterError(f"'packs' in '{source}' must be a list of pack names, e.g. 'packs: [borough, north]'.", parameter="packs")
    return [check_pack_name(p, f"in 'packs' of '{source}'") for p in packs]


def load_pack_params(
    root: Path, pack: str, extra: list[Path] | None = None, overrides: dict[str, Any] | None = None
) -> PackParams:
    """Load, merge and validate the parameters of one pack.

    Parameters
    ----------
    root : Path
        Project root (holds ``params/``).
    pack : str
        Pack name; must be listed under ``packs`` in ``defaults.yaml`` and have a ``params/<pack>.yaml``.
    extra : list of Path, optional
        Further YAML files merged over the pack's own (``--params``).
    overrides : dict, optional
        A mapping merged last (used by tests and notebooks).

    Returns
    -------
    PackParams
        Validated parameters.

    Raises
    ------
    ParameterError
        On any unknown key, wrong type, unknown pack or area, naming the file(s) and the valid choices.
    """
    pdir = root / PARAMS_DIRNAME
    merged = read_yaml(pdir / DEFAULTS_FILE)
    sources = [f"'{PARAMS_DIRNAME}/{DEFAULTS_FILE}'"]
    layers: list[tuple[str, Any]] = [(sources[0], merged)]
    for extra_path in extra or []:
        extra_data = read_yaml(Path(extra_path))
        if "packs" in extra_data:
            merged["packs"] = extra_data["packs"]
    listed = merged.get("packs") or []
    valid = [check_pack_name(p, "in 'packs'") for p in (listed if isinstance(listed, list) else [listed])]
    if pack not in valid:
        raise ParameterError(f"Unknown pack '{pack}'. Valid packs: {', '.join(valid)}.", parameter="packs")
    pack_file = pdir / f"{pack}.yaml"
    pack_data = read_yaml(pack_file)
    merged = deep_merge(merged, pack_data)
    sources.append(f"'{PARAMS_DIRNAME}/{pack}.yaml'")
    layers.append((sources[-1], pack_data))
    for extra_path in extra or []:
        extra_data = read_yaml(Path(extra_path))
        merged = deep_merge(merged, extra_data)
        sources.append(f"'{extra_path}'")
        layers.append((sources[-1], extra_data))
    if overrides:
        merged = deep_merge(merged, overrides)
    merged.setdefault("pack", pack)
    try:
        params = PackParams.model_validate(merged)
    except ValidationError as exc:
        raise ParameterError(
            _format_validation_error(exc, " + ".join(sources), layers) + _valid_keys_hint(exc), parameter=_first_parameter(exc)
        ) from None
    _check_files(root, params, sources)
    _check_area(root, params, sources)
    return params


def data_files(params: PackParams) -> list[tuple[str, str]]:
    """Every data file the parameters name, as ``(parameter, path relative to data_dir)``."""
    g, p, d = params.geography, params.population, params.deprivation
    out = [
        (f"geography.{k}", v)
        for k, v in (
            ("ward_area_mapping", g.ward_area_mapping), ("lsoa11_ward_lookup", g.lsoa11_ward_lookup),
            ("lsoa21_ward_lookup", g.lsoa21_ward_lookup), ("lsoa11_lsoa21_lookup", g.lsoa11_lsoa21_lookup),
            ("lsoa11_boundaries", g.lsoa11_boundaries), ("lsoa21_boundaries", g.lsoa21_boundaries),
            ("ward_boundaries", g.ward_boundaries), ("newer_wards.file", g.newer_wards.file if g.newer_wards else None),
        )
        if v
    ]
    out += [(f"population.{k}", v) for k, v in (("lsoa_panel", p.lsoa_panel), ("single_year_of_age", p.single_year_of_age), ("census2021", p.census2021)) if v]
    out += [(f"deprivation.vintages[{i}].file", v.file) for i, v in enumerate(d.vintages)]
    out += [(f"deprivation.vintages[{i}].file7", v.file7) for i, v in enumerate(d.vintages) if v.file7]
    if d.la_summaries:
        out.append(("deprivation.la_summaries", d.la_summaries))
    if params.grants is not None:
        out.append(("grants.register", params.grants.register))
        out += [(f"grants.known_codes_from[{i}]", f) for i, f in enumerate(params.grants.known_codes_from)]
        if params.grants.postcode_lookup:
            out.append(("grants.postcode_lookup", params.grants.postcode_lookup))
    out += [(f"groupings.options[{i}].file", o.file) for i, o in enumerate(params.groupings.options)]
    if params.census_topics is not None:
        out += [(f"census_topics.{k}", v) for k, v in (("file", params.census_topics.file), ("england", params.census_topics.england)) if v]
    return out


def _check_files(root: Path, params: PackParams, sources: list[str]) -> None:
    """Every file the parameters name must exist (checked before anything runs).

    Registered raw files (in ``checksums.sha256``) are left to the checksum check, whose message
    says how to restore them.
    """
    manifest = root / params.data_dir / "checksums.sha256"
    registered = set()
    if manifest.is_file():
        registered = {"raw/" + line.split(None, 1)[1].strip().lstrip("*") for line in manifest.read_text(encoding="utf-8").splitlines() if len(line.split(None, 1)) == 2}
    for name, rel in data_files(params):
        if rel not in registered and not data_path(root, params, rel).is_file():
            raise DataFileError(
                f"parameter '{name}' names file '{rel}', which does not exist under '{params.data_dir}' "
                f"(parameters from {' + '.join(sources)}). Check the path and the spelling.",
                file=rel,
                parameter=name,
            )


def _check_area(root: Path, params: PackParams, sources: list[str]) -> None:
    """Check that the pack's area is one of the values of the grouping column."""
    if params.geography.ward_area_mapping is None:
        return  # every ward is its own area: checked when the lookup is read
    mapping = data_path(root, params, params.geography.ward_area_mapping)
    if not mapping.is_file():
        raise DataFileError(
            f"Ward-to-area mapping file '{params.geography.ward_area_mapping}' (parameter geography.ward_area_mapping) "
            f"does not exist under '{params.data_dir}'. Check the path.",
            file=params.geography.ward_area_mapping,
            parameter="geography.ward_area_mapping",
        )
    # the csv module, not pandas: this runs on every build, including a no-op one
    import csv
    import io

    raw = mapping.read_bytes()
    text = safe_yaml.decode(raw, mapping, "Ward-to-area mapping")  # UTF-8, else Windows-1252 with a warning, else an error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = list(reader.fieldnames or [])
    rows = list(reader)
    col = params.geography.grouping_column or params.geography.grouping
    if col not in columns:
        raise ParameterError(
            f"parameter 'geography.grouping' is '{col}', which is not a column of '{mapping.name}' (set geography.grouping_column to name the column). "
            f"Valid groupings: {', '.join(c for c in columns if c not in ('ward_code', 'ward_name'))}.",
            file=mapping,
            parameter="geography.grouping_column" if params.geography.grouping_column else "geography.grouping",
        )
    _check_area_names(mapping, rows, col, params.geography.grouping_label)
    if params.area is not None:
        valid = sorted({row[col] for row in rows if row.get(col)})
        if params.area not in valid:
            raise ParameterError(
                f"Unknown {params.geography.grouping_label.lower()} '{params.area}' (parameter 'area' in "
                f"{' + '.join(sources)}). Valid choices: {', '.join(valid)}.",
                parameter="area",
            )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _check_area_names(mapping: Path, rows: list[dict[str, Any]], col: str, label: str) -> None:
    """Refuse area names that differ only in capitals or spaces (``North`` and ``north`` would make two areas),
    and names or ward names holding control characters (they would reach the terminal and the page)."""
    seen: dict[str, tuple[str, int]] = {}
    for n, row in enumerate(rows, start=2):
        for key in (col, "ward_name"):
            value = row.get(key) or ""
            bad = _CONTROL.search(value)
            if bad:
                raise DataFileError(
                    f"Ward-to-area mapping '{mapping}', row {n}, column '{key}': {excerpt(value)} holds a control character "
                    f"(U+{ord(bad.group()):04X}). Remove it.",
                    file=mapping, row=n, column=key,
                )
        name = row.get(col) or ""
        folded = " ".join(name.split()).casefold()
        if not folded:
            continue
        first = seen.setdefault(folded, (name, n))
        if first[0] != name:
            raise DataFileError(
                f"Ward-to-area mapping '{mapping}', column '{col}': {label.lower()} {excerpt(name)} (row {n}) and "
                f"{excerpt(first[0])} (row {first[1]}) differ only in capitals or spaces, so they would be two areas. "
                "Spell every ward's area the same way.",
                file=mapping, row=n, column=col,
            )
