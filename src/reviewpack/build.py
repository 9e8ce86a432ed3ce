"""Build: validate everything, execute the pack notebooks with papermill, publish atomically.

Reads like the pipeline it runs::

    plan = plan_build(...)        # parameters of every pack, validated before any kernel starts
    verify data checksums         # raw files unchanged
    reconcile                     # totals add up, every LSOA in exactly one area
    run packs                     # papermill -> HTML + CSV, in parallel, cached
    publish                       # index + manifest, staged, then swapped in whole

Nothing is written to the output folder until every pack has succeeded; on any
failure the previous output is left exactly as it was.
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
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .config import PackParams, data_path, find_project_root, load_pack_params, pack_names, params_as_dict
from .errors import BuildError, ReviewpackError
from .publish import PackOutput, check_no_errors, collect_headlines, collect_tables, export_html, write_index, write_json, write_pack
from .sources import read_checksums, verify_checksums

log = logging.getLogger("reviewpack")

NOTEBOOK = Path("notebooks") / "pack.ipynb"
CACHE_DIR = Path(".cache") / "reviewpack"


# ---------------------------------------------------------------------------
# plan


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
        Packs built at once (default: number of cores).
    force : bool
        Rebuild every pack even when the cache holds it.

    Raises
    ------
    ParameterError
        For any invalid parameter of any pack, before anything runs.
    """
    root = find_project_root(root)
    all_packs = pack_names(root)
    if extra_params:
        from .config import read_yaml

        for p in extra_params:
            listed = read_yaml(Path(p)).get("packs")
            if listed:
                all_packs = [str(x) for x in listed]
    wanted = packs or all_packs
    resolved = {name: load_pack_params(root, name, extra_params) for name in dict.fromkeys(wanted)}
    out = Path(out_dir) if out_dir else root / "reports" / "latest"
    if jobs is not None and jobs < 1:
        from .errors import ParameterError

        raise ParameterError(f"--jobs must be at least 1, got {jobs}.")
    plan = BuildPlan(
        root=root,
        out_dir=out if out.is_absolute() else (Path.cwd() / out),
        packs=resolved,
        all_packs=all_packs,
        notebook=root / NOTEBOOK,
        jobs=jobs or default_jobs(),
        force=force,
        use_cache=use_cache,
    )
    first = next(iter(resolved.values()))
    plan.page = page_furniture(root, first, {n: load_pack_params(root, n, extra_params) for n in all_packs})
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
    """The date shown in packs: ``SOURCE_DATE_EPOCH`` if set, else today (UTC), as ``22 November 2026``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(tz=timezone.utc)
    return f"{when.day} {when:%B %Y}"


def page_furniture(root: Path, params: PackParams, all_params: dict[str, PackParams]) -> dict[str, Any]:
    """Title-block, navigation and footer values shared by every page of a build."""
    from .methodology import load_register

    register = load_register(root / params.data_dir)
    return {
        "la_name": params.local_authority.name,
        "grouping_label": params.geography.grouping_label,
        "packs": [{"name": n, "label": p.area or "Borough overview"} for n, p in all_params.items()],
        "vintages": "IoD 2015, 2019, 2025; ONS population mid-2012 to mid-2020; Census 2021",
        "build_date": build_date(root),
        "version": __version__,
        "commit": git_commit(root),
        "attribution": " ".join(register.get("attribution", [])),
    }


# ---------------------------------------------------------------------------
# cache


def _source_digest() -> str:
    """Digest of the package's own code and templates (a code change invalidates the cache)."""
    h = hashlib.sha256()
    pkg = Path(__file__).parent
    for path in sorted(pkg.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".json", ".css"} and "__pycache__" not in path.parts:
            h.update(path.relative_to(pkg).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(plan: BuildPlan, pack: str, checksums: dict[str, str]) -> str:
    """Key of a pack's cached output: notebook, resolved parameters, data, code, version and page furniture."""
    h = hashlib.sha256()
    for part in (
        plan.notebook.read_bytes(),
        json.dumps(params_as_dict(plan.packs[pack]), sort_keys=True).encode(),
        json.dumps(checksums, sort_keys=True).encode(),
        _source_digest().encode(),
        __version__.encode(),
        json.dumps(plan.page, sort_keys=True).encode(),
        pack.encode(),
    ):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:32]


def _cache_load(root: Path, pack: str, key: str) -> PackOutput | None:
    path = root / CACHE_DIR / f"{pack}-{key}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PackOutput(html=data["html"], tables=data["tables"], headlines=data["headlines"])
    except (OSError, ValueError, KeyError):
        return None


def _cache_store(root: Path, pack: str, key: str, output: PackOutput) -> None:
    cdir = root / CACHE_DIR
    cdir.mkdir(parents=True, exist_ok=True)
    for old in cdir.glob(f"{pack}-*.json"):
        old.unlink(missing_ok=True)
    tmp = cdir / f".{pack}-{key}.tmp"
    tmp.write_text(json.dumps({"html": output.html, "tables": output.tables, "headlines": output.headlines}), encoding="utf-8")
    tmp.replace(cdir / f"{pack}-{key}.json")


# ---------------------------------------------------------------------------
# running one pack (in a worker process)


def _kernel_manager_class():
    """An async kernel manager that talks to its kernel over IPC sockets in a private folder.

    IPC avoids TCP port races between parallel kernels (papermill#239, #511) and
    ipykernel 7's "running over TCP without encryption" warning.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(Path(tempfile.mkdtemp(prefix="reviewpack-kernel-")) / "kernel")

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            # the kernel's own log (e.g. ipykernel's shutdown chatter) is shown only with --debug
            if not log.isEnabledFor(logging.DEBUG):
                kw.setdefault("stderr", subprocess.DEVNULL)
            await self._async_start_kernel(**kw)

    return IPCKernelManager


def run_pack(root: str, notebook: str, pack: str, params: dict[str, Any], page: dict[str, Any]) -> tuple[str, PackOutput, float]:
    """Execute one pack's notebook and export it (runs in a worker process).

    Each run gets its own working directory and its own kernel sockets, so
    parallel runs share nothing.

    Returns
    -------
    tuple
        ``(pack, output, seconds)``.
    """
    import papermill as pm

    start = time.perf_counter()
    logging.getLogger("papermill").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix=f"reviewpack-{pack}-") as cwd:
        env_root = os.environ.get("REVIEWPACK_ROOT")
        os.environ["REVIEWPACK_ROOT"] = root
        try:
            nb = pm.execute_notebook(
                notebook,
                None,
                parameters={"pack": pack, "params": params},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=cwd,
                kernel_manager_class=_kernel_manager_class(),
            )
        except pm.PapermillExecutionError as exc:
            raise BuildError(f"Pack '{pack}': the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
        finally:
            if env_root is None:
                os.environ.pop("REVIEWPACK_ROOT", None)
            else:
                os.environ["REVIEWPACK_ROOT"] = env_root
    check_no_errors(nb, pack)
    p = params
    pack_page = {
        **page,
        "pack": pack,
        "title": p["title"],
        "covers": (f"{p['area']} {p['geography']['grouping_label'].lower()} of {p['local_authority']['name']}" if p.get("area") else f"All of {p['local_authority']['name']}, every {p['geography']['grouping_label'].lower()} side by side"),
    }
    html = export_html(nb, pack_page)
    return pack, PackOutput(html=html, tables=collect_tables(nb), headlines=collect_headlines(nb)), time.perf_counter() - start


# ---------------------------------------------------------------------------
# the build


@dataclass
class PackResult:
    """Outcome of one pack in a build."""

    pack: str
    status: str  # built | cached | failed
    seconds: float
    error: str | None = None


def _reconcile(plan: BuildPlan) -> dict[str, Any]:
    from .pack import PackData

    borough = next(iter(plan.packs.values()))
    return PackData(root=plan.root, params=borough).reconciliation()


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
        Per-pack results and the manifest written.

    Raises
    ------
    ReviewpackError
        On any failure; the output folder is then unchanged.
    """
    t0 = time.perf_counter()
    first = next(iter(plan.packs.values()))
    data_dir = data_path(plan.root, first, ".")
    checksums = verify_checksums(data_dir)
    reconciliation = _reconcile(plan)
    t_checks = time.perf_counter() - t0

    outputs: dict[str, PackOutput] = {}
    results: dict[str, PackResult] = {}
    todo = []
    keys = {}
    for name in plan.packs:
        keys[name] = cache_key(plan, name, checksums)
        cached = None if (plan.force or not plan.use_cache) else _cache_load(plan.root, name, keys[name])
        if cached is not None:
            outputs[name] = cached
            results[name] = PackResult(name, "cached", 0.0)
            if progress:
                progress(name, "cached", 0.0)
        else:
            todo.append(name)

    errors: list[str] = []
    if todo:
        args = [(str(plan.root), str(plan.notebook), n, params_as_dict(plan.packs[n]), plan.page) for n in todo]
        if plan.jobs == 1 or len(todo) == 1:
            for a in args:
                if progress:
                    progress(a[2], "running", 0.0)
                try:
                    name, out, secs = run_pack(*a)
                    outputs[name] = out
                    results[name] = PackResult(name, "built", secs)
                    if progress:
                        progress(name, "built", secs)
                except ReviewpackError as exc:
                    results[a[2]] = PackResult(a[2], "failed", 0.0, str(exc))
                    errors.append(str(exc))
                    if progress:
                        progress(a[2], "failed", 0.0)
        else:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=min(plan.jobs, len(todo)), mp_context=mp.get_context("fork")) as pool:
                futures = {pool.submit(run_pack, *a): a[2] for a in args}
                for fut in as_completed(futures):
                    name = futures[fut]
                    try:
                        _, out, secs = fut.result()
                        outputs[name] = out
                        results[name] = PackResult(name, "built", secs)
                        if progress:
                            progress(name, "built", secs)
                    except ReviewpackError as exc:
                        results[name] = PackResult(name, "failed", 0.0, str(exc))
                        errors.append(str(exc))
                        if progress:
                            progress(name, "failed", 0.0)
    ordered = [results[n] for n in plan.packs]
    if errors:
        raise BuildError(
            f"{len(errors)} of {len(plan.packs)} pack(s) failed, so nothing was published and "
            f"'{plan.out_dir}' is unchanged. " + " | ".join(errors)
        )
    for name in todo:
        if plan.use_cache:
            _cache_store(plan.root, name, keys[name], outputs[name])

    manifest = _publish(plan, outputs, checksums, reconciliation, ordered, t_checks, time.perf_counter() - t0)
    return ordered, manifest


def _publish(
    plan: BuildPlan,
    outputs: dict[str, PackOutput],
    checksums: dict[str, str],
    reconciliation: dict[str, Any],
    results: list[PackResult],
    t_checks: float,
    t_total: float,
) -> dict[str, Any]:
    out = plan.out_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        previous: dict[str, Any] = {}
        if out.is_dir():
            # a partial build (--pack) keeps the other packs of the last good build
            shutil.copytree(out, stage, dirs_exist_ok=True)
            try:
                previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            for name in outputs:
                shutil.rmtree(stage / "tables" / name, ignore_errors=True)
        for name, output in outputs.items():
            write_pack(stage, name, output)
        packs_meta = dict(previous.get("packs", {})) if set(plan.packs) != set(plan.all_packs) else {}
        for name, output in outputs.items():
            packs_meta[name] = {
                "html": f"{name}.html",
                "params": params_as_dict(plan.packs[name]),
                "tables": [f"tables/{name}/{t}.csv" for t in sorted(output.tables)],
                "headlines": output.headlines,
                "html_sha256": hashlib.sha256(output.html.encode("utf-8")).hexdigest(),
            }
        packs_meta = {k: packs_meta[k] for k in plan.all_packs if k in packs_meta}
        cards = [
            {
                "name": n,
                "label": next((p["label"] for p in plan.page["packs"] if p["name"] == n), n),
                "covers": m["params"]["title"],
                "figures": list(m.get("headlines", {}).items()),
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
            "packs": {r.pack: {"status": r.status, "seconds": round(r.seconds, 3)} for r in results},
        }
        write_json(stage / "build-timings.json", timings)
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

