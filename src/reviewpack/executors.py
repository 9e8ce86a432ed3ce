"""Where packs run: kernels, a pre-imported kernel template, local processes or a Dask cluster.

One pack is one :class:`PackTask`, run by :func:`run_pack` wherever the executor
puts it::

    with make_executor("local", jobs=2) as ex:          # or make_executor("dask", scheduler=...)
        for task, result in ex.run(tasks):              # as they finish
            ...                                         # result: PackRun, or the exception raised

Safety of parallel runs (papermill#239, #511, #473):

* every kernel talks to its client over IPC sockets in a private temporary
  folder (no TCP ports to race for, no "running over TCP without encryption"
  warning), removed when the kernel is shut down;
* every pack runs in its own temporary working folder, in its own process
  (papermill changes the process's working folder while it runs, so two packs
  never share a process at the same time: a lock serialises them if an
  executor ever runs two in one process, e.g. a Dask worker with several threads).

Speed: a kernel is a fresh process for every pack (no state can leak from one
pack to the next), but starting Python and importing pandas, matplotlib, scipy
and the package costs seconds per kernel.  A **kernel template** is a Python
process that imports, once, the modules the notebook imports (read from its
code cells) and then *forks* a fresh kernel for each pack: the kernel starts
with those modules already imported, exactly as if the notebook's first import
cell had run, and with nothing else.  It never runs notebook code itself.
``REVIEWPACK_PREFORK=0`` turns it off (plain ``python -m ipykernel_launcher``
kernels); ``tests/test_executors.py`` checks both give byte-identical packs.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from . import errors
from .errors import BuildError, ChecksumError, ParameterError, ReviewpackError, ReviewpackUserError
from .sources import sha256_file

log = logging.getLogger("reviewpack")

#: Modules every kernel imports while starting (preloaded in the template as well).
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell")


# ---------------------------------------------------------------------------
# fingerprints shared by the build (cache keys) and remote workers (checks)


def source_digest() -> str:
    """SHA-256 of the package's own files (code, templates, styles) as they are on disk."""
    h = hashlib.sha256()
    pkg = Path(__file__).parent
    for path in sorted(pkg.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}:
            h.update(path.relative_to(pkg).as_posix().encode() + b"\0")
            h.update(bytes.fromhex(sha256_file(path)))
    return h.hexdigest()


def environment_fingerprint() -> str:
    """Python version and every installed distribution's name and version, cheaply.

    Read from the names of the ``*.dist-info`` folders in the environment's
    site-packages (they carry the version), not from importing anything: a pandas or matplotlib
    upgrade changes the charts' bytes, so it must change the cache key.
    """
    import sysconfig

    names: set[str] = set()
    paths = sysconfig.get_paths()
    for entry in sorted({paths["purelib"], paths["platlib"]}):
        try:
            with os.scandir(entry) as it:
                names.update(e.name for e in it if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    h = hashlib.sha256(sys.version.encode())
    for name in sorted(names):
        h.update(name.encode() + b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------------------
# what the notebook imports (preloaded in the kernel template)


def notebook_imports(notebook_text: str) -> list[str]:
    """Absolute module names imported by the notebook's code cells, in order of appearance.

    ``from reviewpack import charts`` yields ``reviewpack`` and ``reviewpack.charts``
    (the template imports a name as a submodule only if it is one).  Cells that
    are not plain Python (magics) are skipped line by line.
    """
    found: list[str] = []
    try:
        cells = json.loads(notebook_text).get("cells", [])
    except ValueError:
        return found
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        src = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
                found.extend(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------
# the kernel template: a pre-imported process that forks a fresh kernel per pack


def _template_main() -> None:  # pragma: no cover - runs in the template process
    """Entry point of the template process: ``python -c ... SOCKET MODULES_JSON``.

    Listens on a Unix socket; for each request (one JSON line: ``argv, env,
    cwd``) forks a child that becomes an IPython kernel and replies with the
    child's pid.  Exits when its stdin (the owner's lifeline pipe) closes.
    """
    import importlib
    import selectors

    sock_path, modules = sys.argv[1], json.loads(sys.argv[2])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(64)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not a submodule, or broken: the kernel will say so itself
            pass
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                if not os.read(sys.stdin.fileno(), 4096):  # the owner has gone: tidy up and go
                    shutil.rmtree(os.path.dirname(sock_path), ignore_errors=True)
                    os._exit(0)
                continue
            conn, _ = server.accept()
            with conn:
                req = json.loads(conn.makefile("rb").readline())
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        sel.close()
                        server.close()
                        conn.close()
                        code = _kernel_child(req)
                    finally:
                        os._exit(code)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _kernel_child(req: dict[str, Any]) -> int:  # pragma: no cover - runs in a forked kernel
    """Become an IPython kernel, as ``python -m ipykernel_launcher ARGV`` would."""
    import traceback

    try:
        os.setsid()  # its own process group, as jupyter_client's launcher does
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        # exit if the template goes (ipykernel read JPY_PARENT_PID when the template imported it, so say it here)
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        argv = [*req["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        if req.get("quiet", True):
            os.dup2(null, 2)
        if sys.path and sys.path[0] in ("", req["cwd"]):
            del sys.path[0]  # as ipykernel_launcher does; IPython puts '' back
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv)
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass


class KernelTemplate:
    """Owner side of a kernel template process (see the module docstring).

    Parameters
    ----------
    modules : list of str
        Modules to import once in the template (typically :func:`notebook_imports`
        plus :data:`KERNEL_MODULES`).
    quiet : bool
        Send the kernels' own stderr to ``/dev/null`` (``--debug`` shows it).
    """

    def __init__(self, modules: list[str], quiet: bool = True) -> None:
        self.modules = list(dict.fromkeys([*KERNEL_MODULES, *modules]))
        self.quiet = quiet
        self.dir = tempfile.mkdtemp(prefix="reviewpack-template-")
        self.address = os.path.join(self.dir, "template.sock")
        code = "from reviewpack.executors import _template_main; _template_main()"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, self.address, json.dumps(self.modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if quiet else None,
            cwd=self.dir,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the template (kernels it forked are shut down by their managers)."""
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "KernelTemplate":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def request_kernel(address: str, argv: list[str], env: dict[str, str], cwd: str, quiet: bool, timeout: float = 300.0) -> int:
    """Ask the template at ``address`` to fork a kernel; return the kernel's pid.

    Waits while the template is still importing its modules.

    Raises
    ------
    OSError
        If the template cannot be reached (the caller then starts a plain kernel).
    """
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(max(1.0, deadline - time.monotonic()))
            s.connect(address)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # the template has not bound its socket yet
    with s:
        s.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd, "quiet": quiet}).encode() + b"\n")
        line = s.makefile("rb").readline()
    if not line:
        raise OSError("the kernel template closed the connection")
    return int(json.loads(line)["pid"])


class ForkedKernel:
    """A ``subprocess.Popen``-like handle on a kernel forked by a template (not our child).

    Liveness comes from a pidfd where the platform has one (no pid-reuse race),
    else from ``kill(pid, 0)``; the template reaps its children, so an exited
    kernel disappears at once.  The exit code is not known (reported as 0).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd: int | None = None
        try:
            self._pidfd = os.pidfd_open(pid)  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._pidfd is not None:
            import select

            ready, _, _ = select.select([self._pidfd], [], [], 0)
            gone = bool(ready)
        else:
            try:
                os.kill(self.pid, 0)
                gone = False
            except ProcessLookupError:
                gone = True
            except PermissionError:
                gone = False
        if gone:
            self.returncode = 0
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


# ---------------------------------------------------------------------------
# kernel manager: private IPC folder, optional template launch


_KERNEL_DIRS: set[str] = set()


def kernel_manager_class(template: str | None = None, quiet: bool = True) -> type:
    """An async kernel manager whose kernel talks over IPC sockets in a private folder.

    Parameters
    ----------
    template : str, optional
        Address of a :class:`KernelTemplate` to fork the kernel from; ``None``
        starts ``python -m ipykernel_launcher`` as usual.
    quiet : bool
        Discard the kernel's own stderr (ipykernel's shutdown chatter).
    """
    from jupyter_client.manager import AsyncKernelManager

    class PrivateKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.private_dir = tempfile.mkdtemp(prefix="reviewpack-kernel-")
            _KERNEL_DIRS.add(self.private_dir)
            self.transport = "ipc"
            self.ip = os.path.join(self.private_dir, "kernel")
            self.connection_file = os.path.join(self.private_dir, "kernel.json")

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            if quiet:
                kw.setdefault("stderr", subprocess.DEVNULL)
            await self._async_start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if template and _is_plain_ipykernel(kernel_cmd):
                try:
                    pid = await asyncio.to_thread(  # waits while the template is still importing
                        request_kernel, template, kernel_cmd[3:], dict(kw.get("env") or os.environ), str(kw.get("cwd") or os.getcwd()), quiet
                    )
                except (OSError, ValueError) as exc:
                    log.debug("kernel template unavailable (%s); starting a plain kernel", exc)
                else:
                    prov = self.provisioner
                    prov.process = ForkedKernel(pid)
                    prov.pid = prov.pgid = pid
                    prov.cwd = kw.get("cwd") or os.getcwd()
                    self._reconcile_connection_info(prov.connection_info)
                    return
            await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self.private_dir, ignore_errors=True)
                _KERNEL_DIRS.discard(self.private_dir)

        cleanup_resources = _async_cleanup_resources  # type: ignore[assignment]

    return PrivateKernelManager


def _is_plain_ipykernel(cmd: list[str]) -> bool:
    """True if ``cmd`` is ``<this python> -m ipykernel_launcher ...`` (what a template can fork)."""
    return (
        len(cmd) >= 3
        and cmd[1:3] == ["-m", "ipykernel_launcher"]
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
    )


def _remove_kernel_dirs() -> None:
    """Remove private kernel folders left by a kernel that failed to start or shut down."""
    for d in list(_KERNEL_DIRS):
        shutil.rmtree(d, ignore_errors=True)
        _KERNEL_DIRS.discard(d)


# ---------------------------------------------------------------------------
# one pack


@dataclass
class PackTask:
    """Everything needed to build one pack, anywhere (all plain, picklable values).

    Attributes
    ----------
    pack : str
        Pack name.
    params : dict
        The pack's resolved parameters.
    page : dict
        Page furniture shared by every page of the build.
    notebook : str
        The notebook's text, as hashed into the cache key (so the run executes
        exactly what the key describes, even if the file changes meanwhile).
    root : str
        Project root on the client; a worker without it uses ``$REVIEWPACK_ROOT``.
    source_digest : str
        The client's :func:`source_digest`; a worker with different code refuses the task.
    checksums : dict
        Data checksums verified by the client; a remote worker re-verifies its own copy.
    template : str, optional
        Address of a local kernel template (``None``: the worker makes its own if allowed).
    prefork : bool
        Whether kernels may be forked from a template.
    quiet : bool
        Hide kernels' stderr.
    verify_worker : bool
        Check code and data on the worker (remote executors).
    """

    pack: str
    params: dict[str, Any]
    page: dict[str, Any]
    notebook: str
    root: str
    source_digest: str
    checksums: dict[str, str] = field(default_factory=dict)
    template: str | None = None
    prefork: bool = True
    quiet: bool = True
    verify_worker: bool = False


@dataclass
class PackRun:
    """What :func:`run_pack` returns: the pack's output and where its time went."""

    pack: str
    output: Any  # reviewpack.publish.PackOutput
    seconds: float
    phases: dict[str, float]
    worker: str


# papermill chdirs the whole process while it runs (papermill#473): one pack at a time per process
_RUN_LOCK = threading.Lock()
_IMPORTED_DIGEST: str | None = None
_WORKER_TEMPLATE: tuple[tuple[str, ...], KernelTemplate] | None = None


def _worker_template(modules: list[str], quiet: bool, digest: str) -> str | None:
    """This process's own kernel template (a Dask worker's), restarted if the code (``digest``) or notebook changed."""
    global _WORKER_TEMPLATE
    key = (digest, *modules)
    if _WORKER_TEMPLATE is not None and (_WORKER_TEMPLATE[0] != key or not _WORKER_TEMPLATE[1].alive()):
        _WORKER_TEMPLATE[1].close()
        _WORKER_TEMPLATE = None
    if _WORKER_TEMPLATE is None:
        _WORKER_TEMPLATE = (key, KernelTemplate(modules, quiet=quiet))
    return _WORKER_TEMPLATE[1].address


def _resolve_root(task: PackTask) -> Path:
    root = Path(task.root)
    if (root / "params" / "defaults.yaml").is_file():
        return root
    env = os.environ.get("REVIEWPACK_ROOT")
    if env and (Path(env) / "params" / "defaults.yaml").is_file():
        return Path(env)
    raise ParameterError(
        f"Worker {socket.gethostname()} has no project checkout at '{task.root}' and REVIEWPACK_ROOT is not set "
        "to one. Put the checkout at the same path on every worker, or set REVIEWPACK_ROOT in the workers' environment."
    )


def _verify_worker(task: PackTask, root: Path) -> None:
    """On a remote worker: same package code as the client, same data files."""
    global _IMPORTED_DIGEST
    host = socket.gethostname()
    here = source_digest()
    if _IMPORTED_DIGEST is None:
        _IMPORTED_DIGEST = here
    if here != task.source_digest:
        raise BuildError(
            f"Worker {host} has different reviewpack code from the client (source digest {here[:12]}… vs "
            f"{task.source_digest[:12]}…). Install the same version of the project on every worker."
        )
    if _IMPORTED_DIGEST != here:
        raise BuildError(f"The reviewpack code on worker {host} changed after the worker started; restart the workers.")
    data_dir = (root / task.params.get("data_dir", "data")).resolve()
    for name, expected in task.checksums.items():
        path = data_dir / "raw" / name
        actual = sha256_file(path) if path.is_file() else "missing"
        if actual != expected:
            raise ChecksumError(
                f"Data file 'raw/{name}' on worker {host} ({path}) is {'missing' if actual == 'missing' else 'different from the client' + chr(39) + 's'}. "
                "Every worker needs the same data/ folder as the client (copy it, or share it at the same path)."
            )


def execute_pack(task: PackTask) -> PackRun:
    """Execute one pack's notebook with papermill (runs in a worker); ``output`` is the executed notebook.

    Each run gets its own working folder and its own kernel sockets, so
    parallel runs share nothing.

    Raises
    ------
    BuildError
        If a cell fails, or the kernel dies.
    ReviewpackUserError
        If a cell raised one (a bad input found inside the notebook), or on a
        worker without the project, or with different code or data.
    """
    start = time.perf_counter()
    root = _resolve_root(task)
    if task.verify_worker:
        _verify_worker(task, root)
    template = task.template
    if template is None and task.prefork:
        # a verified worker has just checked its code is the client's: no need to hash it again
        digest = task.source_digest if task.verify_worker else source_digest()
        template = _worker_template(notebook_imports(task.notebook), task.quiet, digest)
    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    t_ready = time.perf_counter()
    with _RUN_LOCK, tempfile.TemporaryDirectory(prefix=f"reviewpack-{task.pack}-") as cwd:
        nb_path = Path(cwd) / "pack.ipynb"
        nb_path.write_text(task.notebook, encoding="utf-8")
        env_root = os.environ.get("REVIEWPACK_ROOT")
        os.environ["REVIEWPACK_ROOT"] = str(root)
        try:
            nb = pm.execute_notebook(
                str(nb_path),
                None,
                parameters={"pack": task.pack, "params": task.params},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=cwd,
                kernel_manager_class=kernel_manager_class(template, task.quiet),
            )
        except pm.PapermillExecutionError as exc:
            user_error = getattr(errors, str(exc.ename), None)
            if isinstance(user_error, type) and issubclass(user_error, ReviewpackUserError):
                # a bad input found by the package inside the notebook: still a user error (exit 2)
                raise user_error(f"Pack '{task.pack}': {exc.evalue}") from None
            raise BuildError(f"Pack '{task.pack}': the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
        except ReviewpackError:
            raise
        except Exception as exc:  # a kernel that died or never started, a timeout
            raise BuildError(f"Pack '{task.pack}': the notebook could not be run: {type(exc).__name__}: {exc}") from exc
        finally:
            _remove_kernel_dirs()
            if env_root is None:
                os.environ.pop("REVIEWPACK_ROOT", None)
            else:
                os.environ["REVIEWPACK_ROOT"] = env_root
    end = time.perf_counter()
    cells = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells if c.cell_type == "code"]
    executed = float(sum(cells))
    phases = {
        "setup": round(t_ready - start, 3),
        "kernel_start_and_overhead": round(end - t_ready - executed, 3),
        "cells": round(executed, 3),
        "slowest_cell": round(max(cells, default=0.0), 3),
    }
    return PackRun(task.pack, nb, end - start, phases, f"{socket.gethostname()}:{os.getpid()}")


def export_pack(task: PackTask, run: PackRun) -> PackRun:
    """Turn an executed notebook (from :func:`execute_pack`) into the pack's HTML, tables and headlines.

    Raises
    ------
    BuildError
        If the notebook holds an error output, or two tables share a name.
    """
    from .publish import PackOutput, check_no_errors, collect_headlines, collect_tables, export_html

    start = time.perf_counter()
    nb = run.output
    check_no_errors(nb, task.pack)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip():
                # not shown in the page (a report, not a notebook), but not hidden from whoever builds it
                log.warning("pack %s: a cell printed: %s", task.pack, out["text"].strip()[:500])
    p = task.params
    label = p["geography"]["grouping_label"].lower()
    la = p["local_authority"]["name"]
    pack_page = {
        **task.page,
        "la_name": la,  # a --national build's packs are each about a different council
        "pack": task.pack,
        "title": p["title"],
        "covers": f"{p['area']} {label} of {la}" if p.get("area") else f"All of {la}, every {label} side by side",
    }
    output = PackOutput(html=export_html(nb, pack_page), tables=collect_tables(nb), headlines=collect_headlines(nb))
    took = time.perf_counter() - start
    return PackRun(task.pack, output, run.seconds + took, {**run.phases, "export_html": round(took, 3)}, run.worker)


def run_pack(task: PackTask) -> PackRun:
    """Execute and export one pack (runs in a worker): :func:`execute_pack` then :func:`export_pack`."""
    return export_pack(task, execute_pack(task))


# ---------------------------------------------------------------------------
# executors


class LocalExecutor:
    """Packs on this machine: ``jobs`` worker processes (forked), one kernel template shared by all.

    ``jobs`` notebooks execute at once, each in its own worker and kernel; this
    process turns each executed notebook into HTML as it arrives, while the
    workers go on.  With one job, or one pack, packs run in this process one
    after another.
    """

    name = "local"

    def __init__(self, jobs: int, prefork: bool = True, quiet: bool = True) -> None:
        self.jobs = max(1, jobs)
        self.prefork = prefork
        self.quiet = quiet
        self.template: KernelTemplate | None = None
        self.pool: Any = None

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.template is not None:
            self.template.close()
            self.template = None

    def prepare(self, tasks: list[PackTask]) -> None:
        """Start the kernel template and the worker processes now, while the caller does other work.

        The workers (from a fork server that has imported only papermill and this
        module) start here, so their start-up overlaps the caller's reconciliation
        and the template's imports.  They execute notebooks; this process exports
        them (nbconvert is warmed up here first).
        """
        if not tasks:
            return
        if self.prefork and self.template is None:
            self.template = KernelTemplate(notebook_imports(tasks[0].notebook), quiet=self.quiet)
        if self.jobs > 1 and len(tasks) > 1 and self.pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # Workers come from a fork server: a fresh process that has imported only papermill.  Forking
            # this process instead would copy whatever threads, event loops and locks it holds (a caller
            # that already ran packs in-process, a test runner, a notebook server), and a child forked
            # while another thread holds a lock can hang for ever.  A fork server's children also do not
            # inherit this process's files, so they never hold the kernel template's lifeline open.
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["papermill", "reviewpack.executors"])
            workers = min(self.jobs, len(tasks))
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            for _ in range(workers):  # a fork-server pool starts a worker per waiting task: start them all now
                self.pool.submit(_ready)
            _warm_up_export(tasks[0].page)  # while the template imports: the first export is then ~1 s quicker

    def run(self, tasks: list[PackTask], on_start: Any = None) -> Iterator[tuple[PackTask, PackRun | BaseException]]:
        """Run ``tasks``; yield ``(task, PackRun or the exception it raised)`` as each finishes."""
        if not tasks:
            return
        self.prepare(tasks)
        if self.template is not None:
            for t in tasks:
                t.template = self.template.address
        if self.pool is None:
            for t in tasks:
                if on_start:
                    on_start(t.pack)
                try:
                    yield t, run_pack(t)
                except ReviewpackError as exc:
                    yield t, exc
            return
        from concurrent.futures import as_completed

        # the workers only execute notebooks; this process, otherwise idle, exports each one
        # while the workers go on to the next packs, so a worker never waits for an export
        futures = {}
        for t in tasks:
            futures[self.pool.submit(execute_pack, t)] = t
            if on_start:
                on_start(t.pack)
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                yield task, export_pack(task, fut.result())
            except ReviewpackError as exc:
                yield task, exc


def _warm_up_export(page: dict[str, Any]) -> None:
    """Export a tiny notebook once, while the kernel template is still importing.

    nbconvert imports its Markdown, highlighting and HTML-parsing libraries on
    the first export (about a second); done here, that second is off the path of
    the first pack.  Failure only costs that second.
    """
    try:
        import nbformat

        from .publish import export_html

        nb = nbformat.v4.new_notebook()
        out = nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<table><tr><td>1</td></tr></table>", "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'/>", "text/plain": "x"},
            metadata={"image/svg+xml": {"alt": "warm-up"}},
        )
        nb.cells = [nbformat.v4.new_markdown_cell("## Warm up\n\nText *with* `markup`."), nbformat.v4.new_code_cell("x", outputs=[out])]
        export_html(nb, {**page, "pack": "warm-up", "title": "Warm up", "covers": "nothing"})
    except Exception as exc:  # noqa: BLE001
        log.debug("export warm-up failed: %s", exc)


def _ready() -> None:
    """A task that does nothing: submitted to start a pool's workers ahead of the packs."""


class DaskExecutor:
    """Packs on a Dask distributed cluster: ``--scheduler ADDRESS``, or a local cluster on 127.0.0.1.

    Each worker process keeps its own kernel template (restarted when the
    code changes) and checks, before each pack, that its code and data match
    the client's.
    """

    name = "dask"

    def __init__(self, jobs: int, scheduler: str | None = None, prefork: bool = True, quiet: bool = True) -> None:
        try:
            import distributed
        except ImportError:
            raise ParameterError(DASK_MISSING) from None
        if quiet:
            for name in ("distributed", "dask", "tornado", "bokeh"):
                logging.getLogger(name).setLevel(logging.ERROR)
        self.prefork = prefork
        self.quiet = quiet
        self.cluster = None
        if scheduler:
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise ParameterError(f"Cannot reach the Dask scheduler at '{scheduler}': {exc}. Check --scheduler.") from None
        else:
            self.cluster = distributed.LocalCluster(
                n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                # every listening socket on loopback: scheduler, nannies, workers, and the scheduler's HTTP server
                host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR if quiet else logging.WARNING,
            )
            self.client = distributed.Client(self.cluster)

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, tasks: list[PackTask]) -> None:
        """Nothing to start ahead: each worker keeps its own kernel template."""

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, tasks: list[PackTask], on_start: Any = None) -> Iterator[tuple[PackTask, PackRun | BaseException]]:
        """Submit every task; yield ``(task, PackRun or exception)`` as each finishes."""
        from distributed import as_completed

        for t in tasks:
            t.template = None
            t.prefork = self.prefork
            t.verify_worker = True
        futures = {}
        for t in tasks:
            futures[self.client.submit(run_pack, t, pure=False, key=f"reviewpack-{t.pack}-{os.urandom(4).hex()}")] = t
            if on_start:
                on_start(t.pack)
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                yield task, fut.result()
            except ReviewpackError as exc:
                yield task, exc


def check_request(executor: str, scheduler: str | None = None, jobs: int | None = None) -> None:
    """Refuse an executor request that cannot run, before anything starts (imports nothing).

    Raises
    ------
    ParameterError
        For ``--jobs`` below 1, an unknown executor, ``--scheduler`` without
        ``--executor dask``, or ``dask`` when Dask is not installed.
    """
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}.")
    if executor not in ("local", "dask"):
        raise ParameterError(f"Unknown executor '{executor}'. Valid executors: local, dask.")
    if scheduler and executor != "dask":
        raise ParameterError("--scheduler needs --executor dask.")
    if executor == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ParameterError(DASK_MISSING)


DASK_MISSING = "--executor dask needs Dask, which is not installed. Install it with: pip install -e .[dask]"


def make_executor(name: str, jobs: int, scheduler: str | None = None, prefork: bool = True, quiet: bool = True) -> LocalExecutor | DaskExecutor:
    """The executor called ``name`` (``local`` or ``dask``); see :func:`check_request` for what is refused."""
    check_request(name, scheduler, jobs)
    if name == "local":
        return LocalExecutor(jobs, prefork=prefork, quiet=quiet)
    return DaskExecutor(jobs, scheduler=scheduler, prefork=prefork, quiet=quiet)
