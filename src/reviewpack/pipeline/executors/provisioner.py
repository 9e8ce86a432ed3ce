"""Starting a pack's kernel through jupyter_client's public provisioner API.

* :class:`TemplateProvisioner` -- a ``LocalProvisioner`` that forks the kernel from a kernel
  template (:class:`~reviewpack.pipeline.executors.kernels.KernelTemplate`) when it is given one
  and the command is a plain ``python -m ipykernel_launcher`` of this Python, else launches it as
  usual; it discards the kernel's stderr when quiet, and removes the kernel's private IPC folder
  in :meth:`~TemplateProvisioner.cleanup`.  It is registered as the entry point
  ``reviewpack-template`` of the group ``jupyter_client.kernel_provisioners`` (``pyproject.toml``).
* :class:`PackKernelSpecManager` -- serves the usual kernel spec with
  ``metadata.kernel_provisioner`` naming that provisioner and passing it the template and quiet flag.
* :func:`kernel_manager_class` -- the ``AsyncKernelManager`` papermill is given: every kernel
  talks to its client over IPC sockets in a private temporary folder (no TCP ports to race for,
  no "running over TCP without encryption" warning), set through the manager's public traits
  ``transport``, ``ip`` and ``connection_file``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from traitlets import Bool, Unicode, default

from .kernels import ForkedKernel, request_kernel

log = logging.getLogger("reviewpack")

#: The provisioner's entry-point name (group ``jupyter_client.kernel_provisioners``).
PROVISIONER_NAME = "reviewpack-template"

#: Private kernel folders not yet removed (a kernel that failed to start never reaches ``cleanup``).
_KERNEL_DIRS: set[str] = set()


def _is_plain_ipykernel(cmd: list[str]) -> bool:
    """True if ``cmd`` is ``<this python> -m ipykernel_launcher ...`` (what a template can fork)."""
    return (
        len(cmd) >= 3
        and cmd[1:3] == ["-m", "ipykernel_launcher"]
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
    )


class TemplateProvisioner(LocalProvisioner):
    """A local provisioner that forks kernels from a kernel template (see the module docstring)."""

    template = Unicode(None, allow_none=True, config=True, help="Address of a kernel template to fork kernels from.")
    quiet = Bool(True, config=True, help="Discard the kernel's own stderr (ipykernel's shutdown chatter).")

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """As ``LocalProvisioner.pre_launch`` (connection file, command, environment); stderr to /dev/null when quiet."""
        if self.quiet:
            kwargs.setdefault("stderr", subprocess.DEVNULL)
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel from the template if there is one (waiting while it imports), else launch it."""
        if self.template and _is_plain_ipykernel(cmd):
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                pid = await asyncio.to_thread(request_kernel, self.template, cmd[3:], env, cwd, self.quiet)
            except (OSError, ValueError) as exc:
                log.debug("kernel template unavailable (%s); starting a plain kernel", exc)
            else:
                self.process = ForkedKernel(pid)  # type: ignore[assignment]  # Popen-like: what the provisioner uses of it
                self.pid = self.pgid = pid
                self.cwd = cwd
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)

    async def cleanup(self, restart: bool = False) -> None:
        """As ``LocalProvisioner.cleanup``; then, unless restarting, remove the kernel's private IPC folder."""
        await super().cleanup(restart=restart)
        if not restart and self.parent is not None:
            folder = os.path.dirname(self.parent.connection_file)
            if folder in _KERNEL_DIRS:
                shutil.rmtree(folder, ignore_errors=True)
                _KERNEL_DIRS.discard(folder)


class PackKernelSpecManager(KernelSpecManager):
    """Serves the usual kernel specs, each selecting :class:`TemplateProvisioner` with this template."""

    template = Unicode(None, allow_none=True, help="Address of a kernel template, or None for plain kernels.")
    quiet = Bool(True, help="Discard kernels' stderr.")

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """The spec ``kernel_name`` as installed, with ``metadata.kernel_provisioner`` naming :data:`PROVISIONER_NAME`."""
        spec = super().get_kernel_spec(kernel_name)
        _ensure_registered()
        provisioner = {"provisioner_name": PROVISIONER_NAME, "config": {"template": self.template, "quiet": self.quiet}}
        spec.metadata = {**(spec.metadata or {}), "kernel_provisioner": provisioner}
        return spec


def _ensure_registered() -> None:
    """Make sure jupyter_client can find the provisioner: as an installed entry point, or -- in an
    environment installed before the entry point was declared -- declared here as ``pyproject.toml`` does."""
    from importlib.metadata import EntryPoint, entry_points

    factory = KernelProvisionerFactory.instance()
    group = KernelProvisionerFactory.GROUP_NAME
    if PROVISIONER_NAME in factory.provisioners or entry_points(group=group, name=PROVISIONER_NAME):
        return
    log.debug("entry point %s is not installed (run 'pip install -e .'); declaring it here", PROVISIONER_NAME)
    value = f"{TemplateProvisioner.__module__}:{TemplateProvisioner.__qualname__}"
    factory.provisioners[PROVISIONER_NAME] = EntryPoint(PROVISIONER_NAME, value, group)


class PackKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel talks over IPC sockets in a private folder and is started by
    :class:`TemplateProvisioner` (through :class:`PackKernelSpecManager`).

    :func:`kernel_manager_class` makes a subclass per template (papermill takes a class).
    """

    kernel_template: str | None = None
    kernel_quiet: bool = True

    def __init__(self, **kwargs: Any) -> None:
        private = tempfile.mkdtemp(prefix="reviewpack-kernel-")
        _KERNEL_DIRS.add(private)
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(private, "kernel"))
        kwargs.setdefault("connection_file", os.path.join(private, "kernel.json"))
        super().__init__(**kwargs)

    @default("kernel_spec_manager")
    def _pack_kernel_spec_manager(self) -> KernelSpecManager:
        return PackKernelSpecManager(parent=self, template=self.kernel_template, quiet=self.kernel_quiet)


def kernel_manager_class(template: str | None = None, quiet: bool = True) -> type[AsyncKernelManager]:
    """An async kernel manager class for one pack's run (see :class:`PackKernelManager`).

    Parameters
    ----------
    template : str, optional
        Address of a :class:`~reviewpack.pipeline.executors.kernels.KernelTemplate` to fork the
        kernel from; ``None`` starts ``python -m ipykernel_launcher`` as usual.
    quiet : bool
        Discard the kernel's own stderr (ipykernel's shutdown chatter).
    """
    return type("PackKernelManager", (PackKernelManager,), {"kernel_template": template, "kernel_quiet": quiet})


def remove_kernel_dirs() -> None:
    """Remove private kernel folders left by a kernel that failed to start or shut down."""
    for d in list(_KERNEL_DIRS):
        shutil.rmtree(d, ignore_errors=True)
        _KERNEL_DIRS.discard(d)
