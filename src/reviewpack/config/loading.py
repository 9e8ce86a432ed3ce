"""Loading parameters: read the YAML files, merge them, validate them, and check the files and
area they name -- all before any notebook runs.

A pack's parameters are ``defaults.yaml`` <- ``<pack>.yaml`` <- ``--params FILE``
(later files win; mappings are merged key by key, lists and scalars replaced).
"""

from __future__ import annotations

import copy
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DataFileError, ParameterError
from .models import PackParams
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
        raise ParameterError(
            f"Parameter file '{path}' does not exist. Check the path. A --params file holds only the settings you change "
            "(e.g. 'deprivation: {most_deprived_n: 20}'); it is merged over every pack's parameters.",
            file=path,
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
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
        else:
            lines.append(f"parameter '{loc}': {err['msg']} (got {err.get('input')!r}{', set in ' + where if where else ''})")
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
    for path in extra or []:
        listed = read_yaml(Path(path)).get("packs")
        if listed:
            packs = listed
    return [str(p) for p in packs]


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
    valid = [str(p) for p in merged.get("packs") or []]
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
            ("ward_boundaries", g.ward_boundaries),
        )
        if v
    ]
    out += [(f"population.{k}", v) for k, v in (("lsoa_panel", p.lsoa_panel), ("single_year_of_age", p.single_year_of_age), ("census2021", p.census2021)) if v]
    out += [(f"deprivation.vintages[{i}].file", v.file) for i, v in enumerate(d.vintages)]
    if d.la_summaries:
        out.append(("deprivation.la_summaries", d.la_summaries))
    if params.grants is not None:
        out.append(("grants.register", params.grants.register))
        out += [(f"grants.known_codes_from[{i}]", f) for i, f in enumerate(params.grants.known_codes_from)]
    out += [(f"groupings.options[{i}].file", o.file) for i, o in enumerate(params.groupings.options)]
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

    with open(mapping, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
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
    if params.area is not None:
        valid = sorted({row[col] for row in rows if row.get(col)})
        if params.area not in valid:
            raise ParameterError(
                f"Unknown {params.geography.grouping_label.lower()} '{params.area}' (parameter 'area' in "
                f"{' + '.join(sources)}). Valid choices: {', '.join(valid)}.",
                parameter="area",
            )

