"""The pack cache, the record of what each output folder holds, and how a no-op build is decided.

Files (under ``.cache/reviewpack/``; deleting them only costs time)
--------------------------------------------------------------------
``packs/<pack>-<key>.json``
    A pack's HTML, tables and headlines, under its :func:`~reviewpack.pipeline.fingerprint.cache_key`:
    the pack's notebook text, its resolved parameters, the data, any file the parameters name
    outside ``data/``, the package's code and templates, the installed distributions and Python
    version, the package version, and the page furniture (not the build date and git commit,
    which are stamped in when the pack is published: :data:`reviewpack.pipeline.page.STAMPED`).
    A few versions per pack are kept, so switching back to earlier parameters is a cache hit.
    Each entry carries the SHA-256 of its contents (bound to its pack and key), checked on every
    read: an entry that fails is logged, deleted and rebuilt, never published.
``published/<out>.json``
    The **record** of what the last build published into an output folder: each pack's
    published key (its cache key plus the stamped values), the SHA-256 of every file written,
    and the digest of the build's inputs taken before anything was parsed.

A no-op build
-------------
A build writes nothing when the output folder already holds exactly what it would publish.  Both
ways of knowing it start from :func:`published_record`, which returns the record only while every
file it lists is still in the folder, unchanged, and nothing else is:

1. **before anything is parsed** -- :func:`up_to_date`: the record's inputs digest equals the
   digest of today's inputs (request, parameter files, notebooks, data, external files, code,
   environment, version, build date, commit), computed from file digests alone, without importing
   pydantic, pandas, papermill or nbconvert and without re-running the reconciliation (it passed
   for exactly these inputs when the folder was published).  The CLI asks this first.
2. **once the plan and the keys are known** -- :func:`already_published`: every pack to build is
   in the record with the same published key (and, for a full build, no other pack).  This catches
   what (1) cannot, e.g. a parameter file edited in a way that changes no pack's parameters.

In both cases the build only updates the record.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReviewpackError
from ..ingest.files import sha256_file
from .page import STAMPED
from .store import CACHE_DIR, write_atomic

if TYPE_CHECKING:
    from .plan import BuildPlan
    from .publish import PackOutput

log = logging.getLogger("reviewpack")

#: how many cached versions of one pack are kept (e.g. default and trial parameters)
CACHE_VERSIONS_PER_PACK = 4
#: where builds before :mod:`reviewpack.pipeline.timings` kept the seconds per pack (ignored, and dropped when seen)
TIMINGS_FILE = "build-timings.json"


# ---------------------------------------------------------------------------
# the pack cache


def _entry_digest(pack: str, key: str, payload: str) -> str:
    """SHA-256 binding a cache entry's payload to its pack and key (so neither a flipped byte nor a renamed file is served)."""
    return hashlib.sha256(f"{pack}\0{key}\0".encode() + payload.encode("utf-8")).hexdigest()


def load_pack(root: Path, pack: str, key: str) -> PackOutput | None:
    """A pack's cached output under ``key``, or ``None``.

    An entry whose digest does not match its contents (a changed byte, a truncated or renamed
    file, an entry from before digests) is logged, deleted and rebuilt: never served.
    """
    from ..config.names import PACK_NAME  # not at import: the no-op check imports this module, and config imports pydantic

    path = root / CACHE_DIR / "packs" / f"{pack}-{key}.json"
    if not PACK_NAME.fullmatch(pack) or not path.is_file():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        payload = entry["payload"]
        if not isinstance(payload, str) or entry.get("sha256") != _entry_digest(pack, key, payload):
            raise ValueError("digest mismatch")
        data = json.loads(payload)
        from .publish import PackOutput

        return PackOutput(html=data["html"], tables=data["tables"], headlines=data["headlines"], datapackage=data.get("datapackage"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cached pack '%s' (%s) failed its integrity check (%s): discarded, the pack is rebuilt", pack, path.name, exc)
        path.unlink(missing_ok=True)
        return None


def store_pack(root: Path, pack: str, key: str, output: PackOutput) -> None:
    """Cache a pack's output under ``key`` with its digest, keeping the :data:`CACHE_VERSIONS_PER_PACK` newest versions."""
    from ..config.names import check_pack_name

    check_pack_name(pack)  # the entry's file name: never outside the cache folder
    cdir = root / CACHE_DIR / "packs"
    payload = json.dumps({"html": output.html, "tables": output.tables, "headlines": output.headlines, "datapackage": output.datapackage})
    write_atomic(cdir / f"{pack}-{key}.json", json.dumps({"sha256": _entry_digest(pack, key, payload), "payload": payload}))
    older = sorted(cdir.glob(f"{pack}-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in older[CACHE_VERSIONS_PER_PACK:]:
        old.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# the record of a published folder


def published_key(key: str, page: dict[str, Any]) -> str:
    """What the output folder records for a pack: its cache key plus the stamped values it was published with."""
    return hashlib.sha256("|".join([key, *(str(page[n]) for n in sorted(STAMPED))]).encode()).hexdigest()[:32]


def _record_path(root: Path, out: Path) -> Path:
    return root / CACHE_DIR / "published" / (hashlib.sha256(str(out).encode()).hexdigest()[:24] + ".json")


def published_files(out: Path) -> dict[str, str]:
    """SHA-256 of every file in a published folder (except the timings, which change every build)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            if rel != TIMINGS_FILE:
                found[rel] = sha256_file(path)
    return found


def published_record(root: Path, out: Path) -> dict[str, Any] | None:
    """The record of the last build into ``out``, if the folder still holds exactly the files it lists.

    ``None`` when there is no record, it is for another folder, or any file was added, removed or
    changed since (a ``--no-cache`` build, or a hand edit, voids it).
    """
    try:
        record = json.loads(_record_path(root, out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("out") != str(out) or not out.is_dir():
        return None
    if published_files(out) != record.get("files"):
        return None
    return record


def _manifest(out: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def up_to_date(
    root: Path | None = None,
    packs: list[str] | None = None,
    extra_params: list[Path] | None = None,
    out_dir: Path | None = None,
    grouping: str | None = None,
    national: list[str] | None = None,
    pdf: bool = False,
) -> tuple[list[str], Path, dict[str, Any]] | None:
    """No-op check (1): the output folder holds what this build would publish, decided before anything is parsed.

    True when the last build that published into the folder had byte-identical
    inputs -- the same request, parameter files, notebooks, data files (verified
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
    from .fingerprint import Fingerprint, environment_fingerprint, inputs_digest, notebooks_digest, source_digest
    from .page import stamped_values
    from .plan import default_out_dir, quick_root, request_digest
    from .verify import FileHashes, file_states, verify_data

    found = quick_root(root)
    if found is None or (grouping and national):
        return None
    selection = {"grouping": grouping} if grouping else {"national": list(national)} if national else None
    out = default_out_dir(found, grouping, national) if out_dir is None else Path(out_dir)
    out = out if out.is_absolute() else (Path.cwd() / out)
    try:
        record = json.loads(_record_path(found, out).read_text(encoding="utf-8"))
        hashes = FileHashes(found, enabled=True)
        _, data = verify_data(Path(record["data_dir"]), hashes)
        fp = Fingerprint(notebooks=notebooks_digest(found), data=data, source=source_digest(), environment=environment_fingerprint())
        request = request_digest(found, packs, extra_params, out, selection, pdf)
        inputs = inputs_digest(request, fp, file_states(record["external"], hashes), stamped_values(found))
        if inputs != record.get("inputs"):
            return None
        record = published_record(found, out)
        manifest = _manifest(out) if record is not None else None
        if record is None or manifest is None:
            return None
    except (OSError, ValueError, KeyError, TypeError, ReviewpackError):
        return None
    hashes.save()
    return list(record["packs"]), out, manifest


def already_published(plan: BuildPlan, keys: dict[str, str], record: dict[str, Any] | None) -> dict[str, Any] | None:
    """No-op check (2): the manifest in the output folder if it is exactly what this build would publish, else ``None``.

    A full build matches when the folder holds exactly these packs with these
    keys; a partial build (``--pack``) when its packs are there with these keys.

    Parameters
    ----------
    plan : BuildPlan
        The build.
    keys : dict
        ``{pack: published key}`` (:func:`published_key`) of the packs to build.
    record : dict, optional
        :func:`published_record` of the output folder.
    """
    published = dict(record.get("keys", {})) if record else {}
    if any(published.get(n) != k for n, k in keys.items()):
        return None
    if set(plan.packs) == set(plan.all_packs) and set(published) != set(keys):
        return None
    return _manifest(plan.out_dir)


def record_published(plan: BuildPlan, keys: dict[str, str], record: dict[str, Any] | None, inputs: str, data_dir: Path, external: list[str]) -> None:
    """Record what the output folder now holds (read back by :func:`published_record`).

    Parameters
    ----------
    plan : BuildPlan
        The build.
    keys : dict
        ``{pack: published key}`` of the packs built.
    record : dict, optional
        The folder's record before this build (a partial build keeps the other packs' keys).
    inputs : str
        :func:`reviewpack.pipeline.fingerprint.inputs_digest` of this build.
    data_dir : Path
        The data folder.
    external : list of str
        Files the parameters name outside it.
    """
    published = dict(record.get("keys", {})) if record else {}
    partial = set(plan.packs) != set(plan.all_packs)
    kept = {n: k for n, k in published.items() if n in plan.all_packs and n not in keys} if partial else {}
    new = {
        "out": str(plan.out_dir),
        "keys": {**kept, **keys},
        "files": published_files(plan.out_dir),
        "inputs": inputs,
        "packs": list(plan.packs),
        "data_dir": str(data_dir),
        "external": external,
    }
    write_atomic(_record_path(plan.root, plan.out_dir), json.dumps(new, sort_keys=True))
