"""Build: validate everything, execute the pack notebooks with papermill, publish atomically.

Reads like the pipeline it runs::

    up_to_date(...)               # nothing changed since the last build into this folder? done
    plan = plan_build(...)        # parameters of every pack, validated before any kernel starts
    verify data checksums         # raw files unchanged
    cache keys                    # what each pack depends on; unchanged folder -> nothing to do
    reconcile                     # totals add up, every LSOA in exactly one area (cached)
    run packs                     # papermill -> HTML + CSV, in parallel (executors.py), cached
    publish                       # index + manifest, staged, then swapped in whole

Nothing is written to the output folder until every pack has succeeded; on any
failure the previous output is left exactly as it was.

The cache (``.cache/reviewpack/``; deleting it only costs time)
---------------------------------------------------------------
``packs/<pack>-<key>.json``
    A pack's HTML, tables and headlines.  The key digests **everything the pack's
    bytes depend on**: the notebook's text, the pack's resolved parameters, every
    file under ``data/`` (raw files by their verified SHA-256; the others, such as
    ``sources.yaml`` and ``checksums.sha256``, by content), any file the parameters
    name outside ``data/``, the package's own code and templates, the installed
    distributions and Python version, the package version, and the page furniture
    (pack list, titles, attribution; not the build date and git commit, which are
    stamped into the cached HTML when it is published: see :data:`STAMPED`).  The
    notebook text hashed is the text executed (it is passed to the run, not read
    again), and data, external files and
    code are checked again after the runs: if one changed meanwhile, nothing is
    cached (data: nothing is published either).  A few versions per pack are kept,
    so switching back to earlier parameters is a cache hit.
``reconcile/<key>.json``
    The reconciliation result (it needs pandas and about a second), keyed on the
    data digest, external files, code, environment, version and the parameters that
    are not pack-specific.  A failed reconciliation is never stored.  ``--force``
    rebuilds packs but reuses this; ``--no-cache`` runs the checks again.
``published/<out>.json``
    What the last build published into an output folder: each pack's key, the
    SHA-256 of every file written, and the digest of the build's inputs taken
    before anything was parsed.  A build writes nothing when the folder already
    holds exactly what it would publish (every file as recorded, every pack's key
    unchanged), and :func:`up_to_date` answers from file digests alone -- request,
    parameter files, notebook, data, external files, code, environment, version,
    build date, commit -- without importing pydantic, pandas, papermill or
    nbconvert and without re-running the reconciliation: every input of the
    reconciliation is among those digests, and it passed for exactly these inputs
    when the folder was published.
``file-hashes.json``
    ``(size, mtime, ctime, inode)`` -> SHA-256 of data files, as git's index does,
    so a no-op build does not re-read every data file.  An entry is only recorded
    once the file is more than 2 s old, so a change within the clock's resolution
    cannot hide; any write to a file changes its ctime.  ``--force`` and
    ``--no-cache`` hash everything again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import __version__
from .errors import BuildError, ChecksumError, DataFileError, ParameterError, ReviewpackError, ReviewpackUserError
from .executors import PackTask, check_request, environment_fingerprint, make_executor, source_digest
from .sources import CHECKSUM_FILE, sha256_file

if TYPE_CHECKING:
    from .config import PackParams

# ``reviewpack.config`` (pydantic, YAML parsing) and everything that imports pandas
# are imported inside the functions that need them: :func:`up_to_date` must not.

log = logging.getLogger("reviewpack")

NOTEBOOK = Path("notebooks") / "pack.ipynb"
CACHE_DIR = Path(".cache") / "reviewpack"
SOURCES_REGISTER = "sources.yaml"
TIMINGS_FILE = "build-timings.json"
#: how many cached versions of one pack are kept (e.g. default and trial parameters)
CACHE_VERSIONS_PER_PACK = 4


# ---------------------------------------------------------------------------
# plan


def params_as_dict(params: PackParams) -> dict[str, Any]:
    """The parameters as plain JSON-able values (see :func:`reviewpack.config.params_as_dict`)."""
    from .config import params_as_dict as as_dict

    return as_dict(params)


@dataclass
class BuildPlan:
    """Everything a build needs, resolved and validated."""

    root: Path
    out_dir: Path
    packs: dict[str, PackParams]
    all_packs: list[str]
    notebook: Path
    jobs: int
    force: bool = False
    use_cache: bool = True
    page: dict[str, Any] = field(default_factory=dict)
    executor: str = "local"
    scheduler: str | None = None
    prefork: bool = True
    notebook_text: str = ""
    request: str = ""  # digest of the request and the parameter files, taken before they were parsed


def default_jobs() -> int:
    """Default parallelism: the number of usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def plan_build(
    root: Path | None = None,
    packs: list[str] | None = None,
    extra_params: list[Path] | None = None,
    out_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    use_cache: bool = True,
    executor: str = "local",
    scheduler: str | None = None,
    grouping: str | None = None,
    national: list[str] | None = None,
) -> BuildPlan:
    """Resolve and validate the parameters of every pack to build.

    Parameters
    ----------
    root : Path, optional
        Project root (default: found from the current directory).
    packs : list of str, optional
        Packs to build (default: every pack in ``params/defaults.yaml``).
    extra_params : list of Path, optional
        YAML files merged over every pack's parameters (``--params``).
    out_dir : Path, optional
        Output folder (default ``reports/latest``).
    jobs : int, optional
        Packs built at once (default: number of cores); with ``executor="dask"``
        and no scheduler, the number of local Dask workers.
    force : bool
        Rebuild every pack even when the cache holds it.
    use_cache : bool
        Read and write the build cache (``--no-cache`` turns it off).
    executor : str
        ``local`` (worker processes on this machine) or ``dask``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); none starts a local cluster.
    grouping : str, optional
        Build a pack per area of this grouping (``groupings.options``, e.g.
        ``area_partnership``) plus the borough overview, into ``reports/<grouping>``.
    national : list of str, optional
        Build a borough overview for each of these English local authority codes
        (or ``["all"]``) from ``params/national.yaml``, into ``reports/national``.

    Raises
    ------
    ParameterError
        For any invalid parameter of any pack, before anything runs.
    """
    from .config import find_project_root, load_pack_params, pack_names

    root = find_project_root(root)
    if grouping and national:
        raise ParameterError("Use --grouping or --national, not both: a build publishes one set of packs.")
    selection = {"grouping": grouping} if grouping else {"national": list(national)} if national else None
    out = default_out_dir(root, grouping, national) if out_dir is None else Path(out_dir)
    out = out if out.is_absolute() else (Path.cwd() / out)
    check_out_dir(root, out)
    request = request_digest(root, packs, extra_params, out, selection)  # before any file is parsed
    if selection is None:
        all_packs = pack_names(root, extra_params)
    else:
        from .config import grouping_pack_params, national_pack_params

        generated = grouping_pack_params(root, grouping, extra_params) if grouping else national_pack_params(root, list(national or []), extra_params)
        all_packs = list(generated)
    wanted = packs or all_packs
    unknown = [p for p in wanted if p not in all_packs]
    if unknown and selection is not None:
        raise ParameterError(f"Unknown pack(s) {', '.join(unknown)} for this build. Valid packs: {', '.join(all_packs)}.")
    check_request(executor, scheduler, jobs)
    # each pack's parameters are loaded and validated once
    if selection is None:
        loaded = {name: load_pack_params(root, name, extra_params) for name in dict.fromkeys([*wanted, *all_packs])}
    else:
        loaded = generated
    resolved = {name: loaded[name] for name in dict.fromkeys(wanted)}
    if out_dir is None and selection is None and any(p.grants is not None and p.grants.illustrative for p in resolved.values()):
        # made-up example data never lands in reports/latest unless asked for by name
        out = root / "reports" / "illustrative"
        request = request_digest(root, packs, extra_params, out, selection)
    notebook = root / NOTEBOOK
    try:
        notebook_text = notebook.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"Cannot read the pack notebook '{notebook}': {exc.strerror}. Restore it from git.") from None
    plan = BuildPlan(
        root=root,
        out_dir=out,
        packs=resolved,
        all_packs=all_packs,
        notebook=notebook,
        jobs=jobs or default_jobs(),
        force=force,
        use_cache=use_cache,
        executor=executor,
        scheduler=scheduler,
        prefork=os.environ.get("REVIEWPACK_PREFORK", "1").strip().lower() not in ("0", "no", "false", "off"),
        notebook_text=notebook_text,
        request=request,
    )
    first = next(iter(resolved.values()))
    plan.page = page_furniture(root, first, {n: loaded[n] for n in all_packs})
    return plan


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
        when = datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ParameterError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got {epoch!r}.") from None
    return f"{when.day} {when:%B %Y}"


def _attribution(data_dir: Path) -> list[str]:
    """The ``attribution`` lines of ``data/sources.yaml``.

    Read here with yaml rather than through ``methodology.load_register``, which
    imports pandas and matplotlib: this runs on every build, including a no-op one.
    """
    path = data_dir / SOURCES_REGISTER
    if not path.is_file():
        from .methodology import load_register

        load_register(data_dir)  # raises the usual DataFileError
    import yaml

    try:
        register = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        from .methodology import load_register

        load_register(data_dir)  # raises DataFileError naming the file and line
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"Source register '{path}' cannot be read as UTF-8 text ({exc}). Restore it from git.") from None
    if not isinstance(register, dict):
        raise DataFileError(f"Source register '{path}' must be a mapping with 'files' and 'attribution'. Restore it from git.")
    return [str(line) for line in register.get("attribution", []) or []]


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
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
                years = sorted({int(row["mid_year"]) for row in csv.DictReader(fh)})
            parts.append(f"population mid-{years[0]} to mid-{years[-1]}" if len(years) > 1 else f"population mid-{years[0]}")
        except (OSError, KeyError, ValueError, TypeError, IndexError, UnicodeDecodeError, EOFError):
            parts.append("small-area population estimates")
    if pop.census2021:
        parts.append("Census 2021")
    return "; ".join(parts)


def page_furniture(root: Path, params: PackParams, all_params: dict[str, PackParams]) -> dict[str, Any]:
    """Title-block, navigation and footer values shared by every page of a build."""
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
        "build_date": build_date(root),
        "version": __version__,
        "commit": git_commit(root),
        "attribution": " ".join(_attribution(root / params.data_dir)),
    }


# ---------------------------------------------------------------------------
# data: verify checksums, digest everything under data/


class _FileHashes:
    """SHA-256 of files, remembered by ``(size, mtime, ctime, inode)`` between builds (see module docstring)."""

    SAFE_AGE_NS = 2_000_000_000

    def __init__(self, root: Path, enabled: bool) -> None:
        self.path = root / CACHE_DIR / "file-hashes.json"
        self.enabled = enabled
        self.known: dict[str, list[Any]] = {}
        self.fresh: dict[str, list[Any]] = {}
        if enabled:
            try:
                self.known = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.known = {}

    def sha256(self, path: Path) -> str:
        st = path.stat()
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        key = str(path)
        hit = self.known.get(key)
        if self.enabled and hit and hit[:4] == sig:
            self.fresh[key] = hit
            return str(hit[4])
        digest = sha256_file(path)
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > self.SAFE_AGE_NS:
            self.fresh[key] = [*sig, digest]
        return digest

    def save(self) -> None:
        if not self.enabled or self.fresh == self.known:
            return
        _write_atomic(self.path, json.dumps(self.fresh, sort_keys=True))


def _read_checksum_file(data_dir: Path) -> dict[str, str] | None:
    """``{name: sha256}`` from ``checksums.sha256``, or ``None`` if it is missing or malformed
    (:func:`verify_data` then lets :func:`reviewpack.sources.verify_checksums` say what is wrong)."""
    from .sources import read_checksums

    try:
        return read_checksums(data_dir)
    except (ChecksumError, OSError, UnicodeDecodeError):
        return None


def verify_data(data_dir: Path, hashes: _FileHashes) -> tuple[dict[str, str], str]:
    """Verify the raw files against ``checksums.sha256`` and digest the whole data folder.

    Returns
    -------
    tuple
        ``({raw file: sha256}, digest of every file under data_dir)``.

    Raises
    ------
    ChecksumError
        As :func:`reviewpack.sources.verify_checksums` (which writes every message).
    """
    expected = _read_checksum_file(data_dir)
    ok = expected is not None
    if ok:
        for name, sha in sorted(expected.items()):
            path = data_dir / "raw" / name
            if not path.is_file() or hashes.sha256(path) != sha:
                ok = False
                break
    if not ok:
        from .sources import verify_checksums

        verify_checksums(data_dir)  # raises, naming the file and what to do
        raise ChecksumError(f"The data files in '{data_dir}' do not match '{CHECKSUM_FILE}'.")  # pragma: no cover
    assert expected is not None
    h = hashlib.sha256()
    registered = {f"raw/{n}" for n in expected}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(data_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # editor and OS litter (.DS_Store, .swp)
        sha = expected[rel[4:]] if rel in registered else hashes.sha256(path)
        h.update(f"{rel}\0{sha}\n".encode())
    return dict(sorted(expected.items())), h.hexdigest()


def referenced_files(params: dict[str, Any], data_dir: Path) -> list[Path]:
    """Files the parameters name **outside** the data folder (e.g. ``grants.register: /srv/grants.csv``).

    Every string value is read as a path the way :func:`reviewpack.config.data_path`
    resolves it (relative to ``data_dir``, or absolute); those inside ``data_dir`` are
    already in the data digest.
    """
    from .config import param_strings

    found: set[Path] = set()
    for value in param_strings(params):
        if not value or len(value) >= 4096 or "\n" in value or "\0" in value:
            continue
        try:
            path = (data_dir / value).resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        if path != data_dir and data_dir not in path.parents:
            found.add(path)
    return sorted(found)


def _file_states(paths: list[Path] | list[str], hashes: _FileHashes) -> dict[str, str]:
    """``{path: sha256 | "dir" | "missing"}`` for files named by the parameters outside the data folder."""
    states = {}
    for path in map(Path, paths):
        states[str(path)] = hashes.sha256(path) if path.is_file() else ("dir" if path.is_dir() else "missing")
    return states


# ---------------------------------------------------------------------------
# cache


#: Page furniture that changes without any input changing (the day, the git commit). Packs are
#: executed and cached with these tokens in their place; the values are stamped in when the packs
#: are published, so a new day or a new commit re-publishes from the cache without running a notebook.
STAMPED = {"build_date": "\ue000build_date\ue000", "commit": "\ue000commit\ue000"}


def pack_page(page: dict[str, Any]) -> dict[str, Any]:
    """The page furniture a pack is executed and cached with: the stamped values as tokens."""
    return {**page, **STAMPED}


def stamp(output: Any, page: dict[str, Any]) -> Any:
    """A pack's output with the stamped tokens replaced by this publication's values."""
    from dataclasses import replace

    html = output.html
    for name, token in STAMPED.items():
        html = html.replace(token, str(page[name]))
    return replace(output, html=html)


def _published_key(key: str, page: dict[str, Any]) -> str:
    """What the output folder records for a pack: its cache key plus the stamped values it was published with."""
    return hashlib.sha256("|".join([key, *(str(page[n]) for n in sorted(STAMPED))]).encode()).hexdigest()[:32]


@dataclass
class Fingerprint:
    """What every pack of a build depends on, besides its own parameters."""

    notebook: str
    data: str
    source: str
    environment: str
    page: str

    def common(self) -> str:
        return hashlib.sha256("|".join([self.notebook, self.data, self.source, self.environment, __version__, self.page]).encode()).hexdigest()


def fingerprint(plan: BuildPlan, data_digest: str) -> Fingerprint:
    """Digest the build-wide inputs of the cache keys."""
    return Fingerprint(
        notebook=hashlib.sha256(plan.notebook_text.encode("utf-8")).hexdigest(),
        data=data_digest,
        source=source_digest(),
        environment=environment_fingerprint(),
        page=hashlib.sha256(json.dumps(pack_page(plan.page), sort_keys=True).encode()).hexdigest(),
    )


def cache_key(plan: BuildPlan, pack: str, fp: Fingerprint, external: dict[str, str] | None = None) -> str:
    """Key of a pack's cached output: the build-wide fingerprint, the pack's resolved parameters,
    and the contents of any file they name outside the data folder."""
    h = hashlib.sha256()
    h.update(fp.common().encode())
    h.update(json.dumps(params_as_dict(plan.packs[pack]), sort_keys=True).encode())
    h.update(json.dumps(external or {}, sort_keys=True).encode())
    h.update(pack.encode())
    return h.hexdigest()[:32]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cache_load(root: Path, pack: str, key: str) -> Any | None:
    path = root / CACHE_DIR / "packs" / f"{pack}-{key}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        from .publish import PackOutput

        return PackOutput(html=data["html"], tables=data["tables"], headlines=data["headlines"])
    except (OSError, ValueError, KeyError):
        return None


def _cache_store(root: Path, pack: str, key: str, output: Any) -> None:
    cdir = root / CACHE_DIR / "packs"
    _write_atomic(cdir / f"{pack}-{key}.json", json.dumps({"html": output.html, "tables": output.tables, "headlines": output.headlines}))
    older = sorted(cdir.glob(f"{pack}-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in older[CACHE_VERSIONS_PER_PACK:]:
        old.unlink(missing_ok=True)


def _stamp_path(root: Path, out: Path) -> Path:
    return root / CACHE_DIR / "published" / (hashlib.sha256(str(out).encode()).hexdigest()[:24] + ".json")


def _published_files(out: Path) -> dict[str, str]:
    """SHA-256 of every file in a published folder (except the timings, which change every build)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            if rel != TIMINGS_FILE:
                found[rel] = sha256_file(path)
    return found


def _published_keys(plan: BuildPlan) -> dict[str, str]:
    """``{pack: key}`` of what the output folder holds now, per the last build's record.

    Empty unless every file the last build wrote is still there, unchanged, and
    nothing else is (a ``--no-cache`` build, or a hand edit, voids the record).
    """
    try:
        stamp = json.loads(_stamp_path(plan.root, plan.out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if stamp.get("out") != str(plan.out_dir) or not plan.out_dir.is_dir():
        return {}
    if _published_files(plan.out_dir) != stamp.get("files"):
        return {}
    return dict(stamp.get("keys", {}))


def _already_published(plan: BuildPlan, keys: dict[str, str], published: dict[str, str]) -> dict[str, Any] | None:
    """The manifest in the output folder if it is exactly what this build would publish, else ``None``.

    A full build matches when the folder holds exactly these packs with these
    keys; a partial build (``--pack``) when its packs are there with these keys.
    """
    if any(published.get(n) != k for n, k in keys.items()):
        return None
    if set(plan.packs) == set(plan.all_packs) and set(published) != set(keys):
        return None
    try:
        return json.loads((plan.out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _record_published(plan: BuildPlan, keys: dict[str, str], published: dict[str, str], inputs: str, data_dir: Path, external: list[str]) -> None:
    """Record what the output folder now holds (see :func:`_published_keys` and :func:`up_to_date`)."""
    partial = set(plan.packs) != set(plan.all_packs)
    kept = {n: k for n, k in published.items() if n in plan.all_packs and n not in keys} if partial else {}
    stamp = {
        "out": str(plan.out_dir),
        "keys": {**kept, **keys},
        "files": _published_files(plan.out_dir),
        "inputs": inputs,
        "packs": list(plan.packs),
        "data_dir": str(data_dir),
        "external": external,
    }
    _write_atomic(_stamp_path(plan.root, plan.out_dir), json.dumps(stamp, sort_keys=True))


# ---------------------------------------------------------------------------
# the no-op fast path: decided from file digests alone, before any parameter is parsed


def check_out_dir(root: Path, out: Path) -> None:
    """Refuse an output folder a build must not replace (a build replaces the whole folder).

    Allowed: a folder that does not exist, an empty one, or one a reviewpack build published
    (it holds a reviewpack ``manifest.json``).  Refused: a file; the project itself, a folder
    holding it, or anything inside its ``data``, ``params``, ``notebooks``, ``src``, ``tests``
    or ``.git``; any other folder with files in it.

    Raises
    ------
    ParameterError
        Naming the folder and what to do.
    """
    out = Path(os.path.abspath(out))
    project = Path(os.path.abspath(root))
    hint = "Choose a new folder (e.g. --out reports/trial), or one an earlier reviewpack build wrote."
    if out == project or out in project.parents:
        raise ParameterError(f"--out '{out}' is the project folder or holds it; a build replaces its output folder whole. {hint}")
    for part in ("data", "params", "notebooks", "src", "tests", ".git"):
        guarded = project / part
        if out == guarded or guarded in out.parents:
            raise ParameterError(f"--out '{out}' is inside the project's '{part}' folder, which a build must not replace. {hint}")
    if out.is_file() or (out.exists() and not out.is_dir()):
        raise ParameterError(f"--out '{out}' is a file, not a folder. {hint}")
    if out.is_dir() and any(out.iterdir()):
        try:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            ours = isinstance(manifest, dict) and "reviewpack_version" in manifest
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise ParameterError(
                f"--out '{out}' already holds files that no reviewpack build published (no reviewpack manifest.json), "
                f"and a build replaces the whole folder. {hint}"
            )


def default_out_dir(root: Path, grouping: str | None = None, national: list[str] | None = None) -> Path:
    """Where a build publishes without ``--out``: ``reports/latest``, ``reports/<grouping>`` or ``reports/national``."""
    if grouping:
        from .config import slug

        return root / "reports" / slug(grouping).replace("-", "_")
    if national:
        return root / "reports" / "national"
    return root / "reports" / "latest"


def request_digest(
    root: Path, packs: list[str] | None, extra_params: list[Path] | None, out: Path, selection: dict[str, Any] | None = None
) -> str:
    """Digest of a build request: project, output folder, packs asked for, and the bytes of every parameter file."""
    h = hashlib.sha256(json.dumps([str(root), str(out), packs, selection]).encode())
    pdir = root / "params"
    for path in sorted(pdir.rglob("*")):
        rel = path.relative_to(pdir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            h.update(f"{rel.as_posix()}\0{sha256_file(path)}\n".encode())
    for extra in extra_params or []:
        path = Path(extra).resolve()
        sha = sha256_file(path) if path.is_file() else "missing"
        h.update(f"--params {path}\0{sha}\n".encode())
    return h.hexdigest()


def _inputs_digest(request: str, notebook: str, data: str, external: dict[str, str], source: str, environment: str, date: str, commit: str) -> str:
    """Everything a build's output depends on: the request and parameter files, notebook, data (and files
    the parameters name outside it), code, environment, version, build date and git commit (the page
    furniture is made from these)."""
    parts = [request, notebook, data, json.dumps(external, sort_keys=True), source, environment, __version__, date, commit]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _quick_root(start: Path | None) -> Path | None:
    """The project root as :func:`reviewpack.config.find_project_root` finds it, or ``None``."""
    if start is None and os.environ.get("REVIEWPACK_ROOT"):
        start = Path(os.environ["REVIEWPACK_ROOT"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "params" / "defaults.yaml").is_file():
            return candidate
    return None


def up_to_date(
    root: Path | None = None,
    packs: list[str] | None = None,
    extra_params: list[Path] | None = None,
    out_dir: Path | None = None,
    grouping: str | None = None,
    national: list[str] | None = None,
) -> tuple[list[str], Path, dict[str, Any]] | None:
    """If the output folder already holds exactly what this build would publish, say so without building.

    True when the last build that published into the folder had byte-identical
    inputs -- the same request, parameter files, notebook, data files (verified
    against their checksums), package code, installed distributions, version,
    build date and git commit -- and every file it wrote is still there,
    unchanged.  The output is then a pure function of inputs that have not
    changed, so building again would write the same bytes.  Nothing is parsed
    and nothing heavy is imported (no pydantic, pandas, papermill, nbconvert).

    Returns
    -------
    tuple or None
        ``(packs, output folder, manifest)``, or ``None`` when a build must
        decide (anything changed, no record, or any doubt).
    """
    found = _quick_root(root)
    if found is None:
        return None
    if grouping and national:
        return None
    selection = {"grouping": grouping} if grouping else {"national": list(national)} if national else None
    out = default_out_dir(found, grouping, national) if out_dir is None else Path(out_dir)
    out = out if out.is_absolute() else (Path.cwd() / out)
    try:
        stamp = json.loads(_stamp_path(found, out).read_text(encoding="utf-8"))
        request = request_digest(found, packs, extra_params, out, selection)
        notebook = hashlib.sha256((found / NOTEBOOK).read_text(encoding="utf-8").encode("utf-8")).hexdigest()
        hashes = _FileHashes(found, enabled=True)
        _, data = verify_data(Path(stamp["data_dir"]), hashes)
        external = _file_states(stamp["external"], hashes)
        inputs = _inputs_digest(request, notebook, data, external, source_digest(), environment_fingerprint(), build_date(found), git_commit(found))
        if inputs != stamp.get("inputs") or stamp.get("out") != str(out):
            return None
        if _published_files(out) != stamp.get("files"):
            return None
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, ReviewpackError):
        return None
    hashes.save()
    return list(stamp["packs"]), out, manifest


# ---------------------------------------------------------------------------
# reconciliation


def _shared_params(params: PackParams) -> dict[str, Any]:
    """A pack's parameters without those that only name the pack (the checks do not depend on them)."""
    return {k: v for k, v in params_as_dict(params).items() if k not in ("pack", "title", "area")}


def _reconcile(plan: BuildPlan) -> dict[str, Any]:
    """Run the reconciliation checks once per distinct set of inputs (once for a borough and its
    localities; once per council in a ``--national`` build, keyed by its code)."""
    from .pack import PackData

    distinct: dict[str, PackParams] = {}
    for params in plan.packs.values():
        distinct.setdefault(json.dumps(_shared_params(params), sort_keys=True), params)
    checks = [(p, PackData(root=plan.root, params=p).reconciliation()) for p in distinct.values()]
    if len(checks) == 1:
        return checks[0][1]
    codes = [p.local_authority.code for p, _ in checks]
    if len(set(codes)) == len(codes):
        return {"by_local_authority": {p.local_authority.code: c for p, c in checks}}
    return {"by_pack": {p.pack: c for p, c in checks}}


def _reconcile_cached(plan: BuildPlan, fp: Fingerprint, external: dict[str, str]) -> dict[str, Any]:
    """The reconciliation checks, from the cache when their inputs are unchanged."""
    shared = sorted({json.dumps(_shared_params(p), sort_keys=True) for p in plan.packs.values()})
    parts = [fp.data, fp.source, fp.environment, __version__, json.dumps(shared), json.dumps(external, sort_keys=True)]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    path = plan.root / CACHE_DIR / "reconcile" / f"{key}.json"
    # --force rebuilds the packs; these checks are a function of exactly the inputs in the key, so a
    # result recorded for them stands (--no-cache runs them again)
    if plan.use_cache:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    result = _reconcile(plan)
    if plan.use_cache:
        _write_atomic(path, json.dumps(result, sort_keys=True))
        for old in path.parent.glob("*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    return result


# ---------------------------------------------------------------------------
# the build


@dataclass
class PackResult:
    """Outcome of one pack in a build."""

    pack: str
    status: str  # built | cached | failed
    seconds: float
    error: str | None = None
    phases: dict[str, float] = field(default_factory=dict)


def build(plan: BuildPlan, progress: Callable[[str, str, float], None] | None = None) -> tuple[list[PackResult], dict[str, Any]]:
    """Run a build plan and publish the result atomically.

    Parameters
    ----------
    plan : BuildPlan
        From :func:`plan_build`.
    progress : callable, optional
        Called as ``progress(pack, status, seconds)`` when a pack finishes or starts.

    Returns
    -------
    tuple
        Per-pack results and the manifest written (or already in place).

    Raises
    ------
    ReviewpackError
        On any failure; the output folder is then unchanged.
    """
    t0 = time.perf_counter()
    first = next(iter(plan.packs.values()))
    data_dir = (plan.root / first.data_dir).resolve()
    hashes = _FileHashes(plan.root, enabled=plan.use_cache and not plan.force)
    checksums, data_digest = verify_data(data_dir, hashes)
    fp = fingerprint(plan, data_digest)
    external = {n: _file_states(referenced_files(params_as_dict(p), data_dir), hashes) for n, p in plan.packs.items()}
    every_external = {path: state for states in external.values() for path, state in states.items()}
    keys = {name: cache_key(plan, name, fp, external[name]) for name in plan.packs}
    publish_keys = {name: _published_key(k, plan.page) for name, k in keys.items()}
    inputs = _inputs_digest(
        plan.request, fp.notebook, fp.data, every_external, fp.source, fp.environment, plan.page["build_date"], plan.page["commit"]
    )
    hashes.save()

    use_cached = plan.use_cache and not plan.force
    published = _published_keys(plan) if plan.use_cache else {}
    if use_cached:
        manifest = _already_published(plan, publish_keys, published)
        if manifest is not None:
            # nothing changed: the output folder already holds exactly this build (only the record is updated)
            _record_published(plan, publish_keys, published, inputs, data_dir, sorted(every_external))
            results = [PackResult(n, "cached", 0.0) for n in plan.packs]
            if progress:
                for r in results:
                    progress(r.pack, "cached", 0.0)
            return results, manifest

    outputs: dict[str, Any] = {}
    results: dict[str, PackResult] = {}
    todo: list[str] = []
    for name in plan.packs:
        cached = _cache_load(plan.root, name, keys[name]) if use_cached else None
        if cached is not None:
            outputs[name] = cached
            results[name] = PackResult(name, "cached", 0.0)
            if progress:
                progress(name, "cached", 0.0)
        else:
            todo.append(name)

    failures: list[BaseException] = []
    if not todo:
        reconciliation = _reconcile_cached(plan, fp, every_external)
        t_checks = time.perf_counter() - t0
    else:
        tasks = [
            PackTask(
                pack=n, params=params_as_dict(plan.packs[n]), page=pack_page(plan.page), notebook=plan.notebook_text,
                root=str(plan.root), source_digest=fp.source, checksums=checksums, prefork=plan.prefork,
                quiet=not log.isEnabledFor(logging.DEBUG),
            )
            for n in todo
        ]
        on_start = (lambda pack: progress(pack, "running", 0.0)) if progress else None
        with make_executor(plan.executor, plan.jobs, plan.scheduler, prefork=plan.prefork, quiet=not log.isEnabledFor(logging.DEBUG)) as ex:
            ex.prepare(tasks)  # the kernel template imports while the reconciliation runs here
            reconciliation = _reconcile_cached(plan, fp, every_external)
            t_checks = time.perf_counter() - t0
            for task, res in ex.run(tasks, on_start=on_start):
                if isinstance(res, BaseException):
                    results[task.pack] = PackResult(task.pack, "failed", 0.0, str(res))
                    failures.append(res)
                    if progress:
                        progress(task.pack, "failed", 0.0)
                else:
                    outputs[task.pack] = res.output
                    results[task.pack] = PackResult(task.pack, "built", res.seconds, phases={**res.phases, "worker": res.worker})
                    if progress:
                        progress(task.pack, "built", res.seconds)
    ordered = [results[n] for n in plan.packs]
    if failures:
        # bad inputs found inside a notebook stay user errors (exit 2); anything else is a build error
        kind = type(failures[0]) if all(isinstance(f, ReviewpackUserError) for f in failures) else BuildError
        raise kind(
            f"{len(failures)} of {len(plan.packs)} pack(s) failed, so nothing was published and "
            f"'{plan.out_dir}' is unchanged. " + " | ".join(str(f) for f in failures)
        )
    if todo:
        # the runs read the data and the package from disk: both must still be what the keys describe
        rehash = _FileHashes(plan.root, enabled=False)
        again, again_digest = verify_data(data_dir, rehash)
        if again != checksums or again_digest != data_digest or _file_states(sorted(every_external), rehash) != every_external:
            raise ChecksumError(
                f"Data files in '{data_dir}' changed while the build was running, so nothing was published and "
                f"'{plan.out_dir}' is unchanged. Run the build again."
            )
        if plan.use_cache and source_digest() == fp.source:
            for name in todo:
                _cache_store(plan.root, name, keys[name], outputs[name])
        elif plan.use_cache:
            log.warning("the reviewpack code changed during the build; its packs were not cached")

    outputs = {name: stamp(out, plan.page) for name, out in outputs.items()}
    manifest = _publish(plan, outputs, checksums, reconciliation, ordered, t_checks, time.perf_counter() - t0)
    if plan.use_cache:
        _record_published(plan, publish_keys, published, inputs, data_dir, sorted(every_external))
    return ordered, manifest


def _publish(
    plan: BuildPlan,
    outputs: dict[str, Any],
    checksums: dict[str, str],
    reconciliation: dict[str, Any],
    results: list[PackResult],
    t_checks: float,
    t_total: float,
) -> dict[str, Any]:
    from .publish import write_index, write_json, write_pack

    out = plan.out_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes it private; a published report is for others to read
    partial = set(plan.packs) != set(plan.all_packs)
    try:
        previous: dict[str, Any] = {}
        if partial and out.is_dir():
            # a partial build (--pack) keeps the other packs of the last good build;
            # a full build starts clean, so packs dropped from the list disappear
            shutil.copytree(out, stage, dirs_exist_ok=True)
            try:
                previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            for name in outputs:
                shutil.rmtree(stage / "tables" / name, ignore_errors=True)
        for name, output in outputs.items():
            write_pack(stage, name, output)
        packs_meta = dict(previous.get("packs", {})) if partial else {}
        for name, output in outputs.items():
            packs_meta[name] = {
                "html": f"{name}.html",
                "params": params_as_dict(plan.packs[name]),
                "tables": [f"tables/{name}/{t}.csv" for t in sorted(output.tables)],
                "headlines": [[label, value] for label, value in output.headlines.items()],  # in the pack's order
                "html_sha256": hashlib.sha256(output.html.encode("utf-8")).hexdigest(),
            }
        packs_meta = {k: packs_meta[k] for k in plan.all_packs if k in packs_meta}
        cards = [
            {
                "name": n,
                "label": next((p["label"] for p in plan.page["packs"] if p["name"] == n), n),
                "covers": m["params"]["title"],
                "figures": [tuple(x) for x in m.get("headlines", [])],
            }
            for n, m in packs_meta.items()
        ]
        write_index(stage, plan.page, cards)
        manifest = {
            "reviewpack_version": __version__,
            "git_commit": plan.page["commit"],
            "build_date": plan.page["build_date"],
            "data_checksums_sha256": checksums,
            "reconciliation": reconciliation,
            "pack_order": list(packs_meta),
            "packs": packs_meta,
        }
        write_json(stage / "manifest.json", manifest)
        timings = {
            "checks_seconds": round(t_checks, 3),
            "total_seconds": round(t_total, 3),
            "jobs": plan.jobs,
            "executor": plan.executor,
            "prefork": plan.prefork,
            "packs": {r.pack: {"status": r.status, "seconds": round(r.seconds, 3), **({"phases": r.phases} if r.phases else {})} for r in results},
        }
        write_json(stage / TIMINGS_FILE, timings)
        # swap in whole: the old output is kept until the new one is in place
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        stage.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return manifest
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise

