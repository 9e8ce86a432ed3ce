"""The build plan: every pack's parameters and notebook, resolved and validated before anything runs.

Also where a build publishes (:func:`default_out_dir`, :func:`check_out_dir`) and the digest of
what was asked for (:func:`request_digest`), which the no-op check reads before anything is parsed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..ingest.files import sha256_file
from .executors import check_request
from .fingerprint import notebooks_digest
from .guards import check_writable

if TYPE_CHECKING:
    from ..config import PackParams

# ``reviewpack.config`` (pydantic, YAML parsing) is imported inside the functions that need it:
# the no-op check (:func:`reviewpack.pipeline.cache.up_to_date`) uses this module and must not.


@dataclass
class BuildPlan:
    """Everything a build needs, resolved and validated.

    Attributes
    ----------
    root : Path
        Project root.
    out_dir : Path
        Output folder (absolute).
    packs : dict
        ``{pack: PackParams}`` of the packs to build, in order.
    all_packs : list of str
        Every pack of the build's pack list (a ``--pack`` build keeps the others).
    jobs : int
        Packs built at once.
    force, use_cache : bool
        ``--force``; not ``--no-cache``.
    page : dict
        Page furniture (:func:`reviewpack.pipeline.page.page_furniture`).
    executor : str
        Name of a registered executor (:func:`reviewpack.pipeline.executors.available`).
    scheduler : str, optional
        Dask scheduler address.
    prefork : bool
        Fork kernels from a kernel template (``REVIEWPACK_PREFORK=0`` turns it off).
    notebooks : dict
        ``{pack: notebook text}``, from :func:`reviewpack.pipeline.compose.pack_notebook`: the
        text each pack executes, exactly as hashed into its cache key.
    notebooks_digest : str
        :func:`reviewpack.pipeline.fingerprint.notebooks_digest`, taken before any notebook was read.
    request : str
        :func:`request_digest`, taken before any parameter file was parsed.
    pdf : bool
        Also print each pack to ``<pack>.pdf`` (``--pdf``).
    """

    root: Path
    out_dir: Path
    packs: dict[str, PackParams]
    all_packs: list[str]
    jobs: int
    force: bool = False
    use_cache: bool = True
    page: dict[str, Any] = field(default_factory=dict)
    executor: str = "local"
    scheduler: str | None = None
    prefork: bool = True
    notebooks: dict[str, str] = field(default_factory=dict)
    notebooks_digest: str = ""
    request: str = ""
    pdf: bool = False


def default_jobs() -> int:
    """Default parallelism: the number of usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def prefork_enabled() -> bool:
    """Whether kernels are forked from a kernel template (``REVIEWPACK_PREFORK=0`` says no)."""
    return os.environ.get("REVIEWPACK_PREFORK", "1").strip().lower() not in ("0", "no", "false", "off")


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
    pdf: bool = False,
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
        ``local`` (worker processes on this machine) or ``dask`` (any registered executor).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); none starts a local cluster.
    grouping : str, optional
        Build a pack per area of this grouping (``groupings.options``, e.g.
        ``area_partnership``) plus the borough overview, into ``reports/<grouping>``.
    national : list of str, optional
        Build a borough overview for each of these English local authority codes
        (or ``["all"]``) from ``params/national.yaml``, into ``reports/national``.
    pdf : bool
        Also print each pack to ``<pack>.pdf`` (``--pdf``; :mod:`reviewpack.pipeline.pdf`).

    Raises
    ------
    ParameterError
        For any invalid parameter of any pack, before anything runs.
    RendererMissing
        With ``pdf``, when the PDF renderer is not installed (before anything runs).
    """
    from ..config import find_project_root, load_pack_params, pack_names, params_as_dict
    from .compose import pack_notebook
    from .page import page_furniture

    root = find_project_root(root)
    if grouping and national:
        raise ParameterError("Use --grouping or --national, not both: a build publishes one set of packs.")
    selection = {"grouping": grouping} if grouping else {"national": list(national)} if national else None
    out = default_out_dir(root, grouping, national) if out_dir is None else Path(out_dir)
    out = out if out.is_absolute() else (Path.cwd() / out)
    check_out_dir(root, out)
    if pdf:
        from .pdf import check_renderer

        check_renderer()  # no notebook runs for a PDF that cannot be printed
    request = request_digest(root, packs, extra_params, out, selection, pdf)  # before any file is parsed
    notebooks = notebooks_digest(root)  # before any notebook is read
    if selection is None:
        all_packs = pack_names(root, extra_params)
    else:
        from ..config import grouping_pack_params, national_pack_params

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
        request = request_digest(root, packs, extra_params, out, selection, pdf)
    texts: dict[str, str] = {}  # one string per distinct text, however many packs share it
    pack_texts = {}
    for name, params in resolved.items():
        text = pack_notebook(root, params_as_dict(params))
        pack_texts[name] = texts.setdefault(text, text)
    plan = BuildPlan(
        root=root,
        out_dir=out,
        packs=resolved,
        all_packs=all_packs,
        jobs=jobs or default_jobs(),
        force=force,
        use_cache=use_cache,
        executor=executor,
        scheduler=scheduler,
        prefork=prefork_enabled(),
        notebooks=pack_texts,
        notebooks_digest=notebooks,
        request=request,
        pdf=pdf,
    )
    first = next(iter(resolved.values()))
    plan.page = page_furniture(root, first, {n: loaded[n] for n in all_packs})
    return plan


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
    check_writable(out)  # a read-only folder is found now, not after every notebook ran


def default_out_dir(root: Path, grouping: str | None = None, national: list[str] | None = None) -> Path:
    """Where a build publishes without ``--out``: ``reports/latest``, ``reports/<grouping>`` or ``reports/national``."""
    if grouping:
        from ..config import slug

        return root / "reports" / slug(grouping).replace("-", "_")
    if national:
        return root / "reports" / "national"
    return root / "reports" / "latest"


def request_digest(
    root: Path, packs: list[str] | None, extra_params: list[Path] | None, out: Path, selection: dict[str, Any] | None = None,
    pdf: bool = False,
) -> str:
    """Digest of a build request: project, output folder, packs asked for (and ``--pdf``), and the bytes of every parameter file."""
    h = hashlib.sha256(json.dumps([str(root), str(out), packs, selection, *(["pdf"] if pdf else [])]).encode())
    pdir = root / "params"
    for path in sorted(pdir.rglob("*")):
        rel = path.relative_to(pdir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            h.update(f"{rel.as_posix()}\0{sha256_file(path)}\n".encode())
    for extra in extra_params or []:
        try:
            path = Path(extra).resolve()
        except (RuntimeError, OSError):  # a symlink loop: read_yaml reports it
            path = Path(os.path.abspath(extra))
        sha = sha256_file(path) if path.is_file() else "missing"
        h.update(f"--params {path}\0{sha}\n".encode())
    return h.hexdigest()


def quick_root(start: Path | None) -> Path | None:
    """The project root as :func:`reviewpack.config.find_project_root` finds it (without importing it), or ``None``."""
    if start is None and os.environ.get("REVIEWPACK_ROOT"):
        start = Path(os.environ["REVIEWPACK_ROOT"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "params" / "defaults.yaml").is_file():
            return candidate
    return None
