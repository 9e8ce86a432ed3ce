"""Kernels: a pre-imported kernel template that forks a fresh kernel per pack.

A kernel is a fresh process for every pack (no state can leak from one pack to the next), but
starting Python and importing pandas, matplotlib, scipy and the package costs seconds per kernel.
A **kernel template** is a Python process that imports, once, the modules the packs' notebooks
import (read from their code cells: :func:`notebook_imports`) and then *forks* a fresh kernel for
each pack: the kernel starts with those modules already imported, exactly as if the notebook's
first import cell had run, and with nothing else.  It never runs notebook code itself, but it
reads the input files the build's packs share (:meth:`reviewpack.analysis.sections.Pack.read_inputs`,
kept by :mod:`reviewpack.ingest.cache`), so each is parsed once per build rather than once per pack.
``REVIEWPACK_PREFORK=0`` turns it off (plain ``python -m ipykernel_launcher`` kernels);
``tests/test_executors.py`` checks both give byte-identical packs.

How jupyter_client starts a kernel from a template (through its public provisioner API) is in
:mod:`reviewpack.pipeline.executors.provisioner`; this module imports nothing heavy (it is what
the template process runs).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Modules every kernel imports while starting (preloaded in the template as well).
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell")


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
        with contextlib.suppress(Exception):  # not a submodule, or broken: the kernel will say so itself
            importlib.import_module(name)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)
    lifeline = sys.stdin.fileno()
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                if not os.read(lifeline, 4096):  # the owner has gone: tidy up and go
                    shutil.rmtree(os.path.dirname(sock_path), ignore_errors=True)
                    os._exit(0)
                continue
            conn, _ = server.accept()
            with conn:
                req = json.loads(conn.makefile("rb").readline())
                if "warm" in req:  # no reply: the kernels asked for next wait in the queue meanwhile
                    conn.close()
                    _warm(req["warm"], req.get("disk"))
                    continue
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


def _warm(packs: list[list[Any]], disk: str | None = None) -> None:  # pragma: no cover - runs in the template process
    """Read the files the packs share, and import what their sections import only when used.

    Each kernel forked afterwards inherits both (:mod:`reviewpack.ingest.cache`), and the folder
    ``disk`` where parsed files are kept between builds (``None``: not kept).  A failure only costs
    the time: each kernel then reads for itself and reports a bad file itself.
    """
    import importlib

    with contextlib.suppress(Exception):
        from reviewpack.analysis.sections import DEFERRED_IMPORTS, read_inputs
        from reviewpack.ingest import cache

        for name in DEFERRED_IMPORTS:
            importlib.import_module(name)
        cache.enable(disk=disk)
        read_inputs([(root, params) for root, params in packs])


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
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()


class KernelTemplate:
    """Owner side of a kernel template process (see the module docstring).

    Parameters
    ----------
    modules : list of str
        Modules to import once in the template (typically :func:`notebook_imports`
        plus :data:`KERNEL_MODULES`).
    quiet : bool
        Send the kernels' own stderr to ``/dev/null`` (``--debug`` shows it).
    packs : list of (root, params), optional
        The build's packs: the template reads the files they share before forking kernels.
    """

    def __init__(self, modules: list[str], quiet: bool = True, packs: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        self.modules = list(dict.fromkeys([*KERNEL_MODULES, *modules]))
        self.quiet = quiet
        self.dir = tempfile.mkdtemp(prefix="reviewpack-template-")
        self.address = os.path.join(self.dir, "template.sock")
        code = "from reviewpack.pipeline.executors.kernels import _template_main; _template_main()"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, self.address, json.dumps(self.modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if quiet else None,
            cwd=self.dir,
            start_new_session=True,
        )
        if packs:
            self.warm(packs)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def warm(self, packs: list[tuple[str, dict[str, Any]]], disk: str | None = None) -> None:
        """Ask the template to read the files ``packs`` (``(root, params)`` each) share before it forks their kernels.

        ``disk``: the folder where parsed files are kept between builds (``None``: not kept).
        Returns at once; the template reads once it has imported its modules, and the kernels asked
        for meanwhile wait their turn.  A template that cannot be reached is left as it is.
        """
        request = {"warm": [[str(root), params] for root, params in packs], "disk": disk}
        with contextlib.suppress(OSError), _connect(self.address, 30.0) as s:
            s.sendall(json.dumps(request).encode() + b"\n")

    def close(self, now: bool = False) -> None:
        """Stop the template (kernels it forked are shut down by their managers); ``now``: kill it (it forked none)."""
        if now and self.alive():
            self.proc.kill()
        if self.proc.stdin:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> KernelTemplate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(address: str, timeout: float) -> socket.socket:
    """A connection to the template at ``address``, waiting (up to ``timeout`` s) for it to bind its socket."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(max(1.0, deadline - time.monotonic()))
            s.connect(address)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # the template has not bound its socket yet


# ---------------------------------------------------------------------------
# a template started before the build is planned


_EARLY: KernelTemplate | None = None


def topic_imports(root: str | Path) -> list[str]:
    """The imports of the project's topic notebooks (``notebooks/*.ipynb``): what a pack's notebook imports."""
    found: list[str] = []
    for nb in sorted(Path(root, "notebooks").glob("*.ipynb")):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            found.extend(notebook_imports(nb.read_text(encoding="utf-8")))
    return list(dict.fromkeys(found))


def start_early(root: str | Path, quiet: bool = True) -> None:
    """Start a kernel template now, importing what the topic notebooks import, so that its imports
    overlap the planning of the build; the local executor adopts it (:func:`take_early`)."""
    global _EARLY
    close_early()
    modules = topic_imports(root)
    if modules:
        _EARLY = KernelTemplate(modules, quiet=quiet)


def take_early(modules: list[str], quiet: bool) -> KernelTemplate | None:
    """The template :func:`start_early` started, if it preloads at least ``modules`` with the same ``quiet``."""
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is None:
        return None
    if early.quiet == quiet and early.alive() and set(KERNEL_MODULES).union(modules) <= set(early.modules):
        return early
    early.close(now=True)
    return None


def close_early() -> None:
    """Stop a template :func:`start_early` started that no executor took (a build that ran no notebook)."""
    global _EARLY
    if _EARLY is not None:
        _EARLY.close(now=True)
        _EARLY = None


def request_kernel(address: str, argv: list[str], env: dict[str, str], cwd: str, quiet: bool, timeout: float = 300.0) -> int:
    """Ask the template at ``address`` to fork a kernel; return the kernel's pid.

    Waits while the template is still importing its modules.

    Raises
    ------
    OSError
        If the template cannot be reached (the caller then starts a plain kernel).
    """
    with _connect(address, timeout) as s:
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
            self._pidfd = os.pidfd_open(pid)
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
