"""Command line: ``reviewpack list`` and ``reviewpack build``.

Exit codes: 0 success; 2 a user error (bad parameter, bad or changed input
file) with a one-paragraph message and no traceback (``--debug`` shows it);
1 an internal error.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from . import __version__
from .errors import ReviewpackError, ReviewpackUserError

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reviewpack",
        description="Build locality review packs (deprivation, population demand, grant spend) as self-contained HTML.",
        epilog="Examples:\n  reviewpack list\n  reviewpack build\n  reviewpack build --pack north --pack east\n"
        "  reviewpack build --params my-changes.yaml --out reports/trial\n"
        "  reviewpack build --grouping area_partnership\n"
        "  reviewpack build --grouping ward\n"
        "  reviewpack diff reports/latest\n"
        "  reviewpack build --pdf\n"
        "  reviewpack build --national E08000030 --national E06000001\n"
        "  reviewpack build --executor dask --scheduler tcp://scheduler:8786\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"reviewpack {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks and kernel output")
    p.add_argument("--project", type=Path, default=None, help="project folder (default: found from the current folder)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    ls = sub.add_parser("list", help="list the packs and what each covers")
    ls.add_argument("--params", type=Path, action="append", default=[], metavar="FILE", help="YAML merged over the defaults (repeatable)")
    ls.add_argument("--grouping", default=None, metavar="NAME", help="list the packs of this grouping (groupings.options, or ward) instead")
    ls.add_argument("--national", action="store_true", help="list every English local authority code a --national build accepts")

    b = sub.add_parser(
        "build",
        help="build packs into reports/latest (index, HTML, CSV tables, XLSX workbooks, manifest; PDFs with --pdf)",
        description="Validate parameters and data, run each pack's notebook, and publish the packs atomically: "
        "the output folder is replaced only when every pack succeeded.",
    )
    b.add_argument("--pack", action="append", default=[], metavar="NAME", help="build only this pack (repeatable; default: all)")
    b.add_argument("--params", type=Path, action="append", default=[], metavar="FILE", help="YAML merged over every pack's parameters (repeatable)")
    b.add_argument(
        "--grouping", default=None, metavar="NAME",
        help="a pack per area of this grouping (groupings.options, e.g. area_partnership, or ward: a pack per ward) plus the borough; "
        "default output reports/NAME",
    )
    b.add_argument(
        "--national", action="append", default=[], metavar="CODE",
        help="a borough overview for this English local authority code, wards as areas (repeatable; 'all' for every one); "
        "default output reports/national",
    )
    b.add_argument(
        "--out", type=Path, default=None, metavar="DIR",
        help="output folder (default: reports/latest; reports/illustrative for made-up example registers)",
    )
    b.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="packs built at once (default: number of cores)")
    b.add_argument("--force", action="store_true", help="rebuild every pack even if its cached output is up to date")
    b.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache")
    b.add_argument(
        "--pdf", action="store_true",
        help="also print each pack to an A4 <pack>.pdf with headless Chromium (needs: make pdf, or pip install -e .[pdf] "
        "and scripts/setup-browser.sh --pdf)",
    )
    b.add_argument(
        "--executor", choices=("local", "dask"), default="local",
        help="where packs run: local worker processes (default) or a Dask cluster (needs: pip install -e .[dask])",
    )
    b.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="with --executor dask: the scheduler to use, e.g. tcp://10.0.0.5:8786 (default: a local cluster on 127.0.0.1)",
    )

    d = sub.add_parser(
        "diff",
        help="what changed between two published output folders (headline figures, tables, data files, parameters, packs)",
        description="Compare two folders reviewpack published, print what changed and write changes.html into NEW "
        "(linked from its index). With one folder, compare it with the previous build it keeps in previous/.",
    )
    d.add_argument("folders", type=Path, nargs="+", metavar="FOLDER", help="OLD NEW, or just NEW (e.g. reports/latest)")
    d.add_argument("--no-page", action="store_true", help="only print; do not write changes.html into NEW")
    d.add_argument("--max-cells", type=int, default=10, metavar="N", help="changed values listed per table (default 10; the rest are counted)")

    i = sub.add_parser(
        "init",
        help="write a project folder for any English council (its params, data files, README); then: reviewpack --project DIR build",
        description="Write DIR with the council's parameters (an overview and one pack per area), copies of the England-wide "
        "data files and of your mapping and register (with checksums and sources entries), and a README naming the next "
        "command. Run from the reviewpack checkout. Without --areas every ward is its own area.",
    )
    i.add_argument("folder", type=Path, metavar="DIR", help="the new project folder (must not exist, or be empty)")
    i.add_argument("--council", required=True, metavar="CODE", help="ONS local authority code, e.g. E06000001 (reviewpack list --national lists them)")
    i.add_argument("--areas", type=Path, default=None, metavar="MAPPING.csv", help="CSV ward_code,<area column>: every ward of the council in one area")
    i.add_argument("--area-name", default=None, metavar="NAME", help="the mapping's area column, when it has more than one")
    i.add_argument("--grants", type=Path, default=None, metavar="FILE", help="a 360Giving register (CSV, XLSX or JSON)")
    return p


#: characters that would act on a terminal rather than show (escape sequences, carriage return, bell, bidi overrides)
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), so a value quoted from a data file
    cannot move the cursor, clear the screen or rewrite the line on the user's terminal."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def _say_error(exc: BaseException) -> None:
    msg = terminal_safe(str(exc).strip() or type(exc).__name__)
    print(f"error: {msg}", file=sys.stderr)


def _say_cell_traceback(exc: BaseException) -> None:
    """With --debug: the failing notebook cell's own traceback (set by pipeline/executors/base.py), before the package's."""
    tb = getattr(exc, "cell_traceback", None)
    if tb:
        print(f"The notebook cell's traceback:\n{terminal_safe(tb)}\n", file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    """Print every pack with its area and title."""
    from .config import find_project_root, load_pack_params, pack_names

    root = find_project_root(args.project)
    if args.national:
        from .config import national_authorities

        for code, name in national_authorities(root).items():
            print(f"{code}  {name}")
        return EXIT_OK
    if args.grouping:
        from .config import grouping_pack_params

        generated = grouping_pack_params(root, args.grouping, args.params)
        names = list(generated)
    else:
        generated = {}
        names = pack_names(root, args.params)
    width = max(len(n) for n in names)
    for name in names:
        params = generated.get(name) or load_pack_params(root, name, args.params)
        covers = f"{params.geography.grouping_label} '{params.area}'" if params.area else f"all of {params.local_authority.name}"
        print(f"{name:<{width}}  {params.title}  ({covers})")
    return EXIT_OK


class _Progress:
    """Per-pack progress: a tqdm bar on a terminal, plain log lines otherwise."""

    def __init__(self, packs: list[str]) -> None:
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=len(packs), desc="packs", unit="pack", file=sys.stderr, leave=False)

    def __call__(self, pack: str, status: str, seconds: float) -> None:
        elapsed = time.perf_counter() - self.start
        if status == "running":
            if not self.tty:
                print(f"[{elapsed:6.1f}s] {pack}: running", file=sys.stderr, flush=True)
            return
        line = f"[{elapsed:6.1f}s] {pack}: {status}" + (f" in {seconds:.1f}s" if status == "built" else "")
        if self.bar is not None:
            self.bar.set_postfix_str(f"{pack} {status}")
            self.bar.update(1)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _header(packs: int, jobs: int, out_dir: Path) -> None:
    print(f"reviewpack {__version__}: building {packs} pack(s) with {min(jobs, packs)} job(s) into {out_dir}", file=sys.stderr)


def _summary(rows: list[tuple[str, str, float]], out_dir: Path, start: float, unchanged: bool = False) -> None:
    width = max([12, *(len(pack) for pack, _, _ in rows)])
    print(f"{'pack':<{width}} {'status':<8} {'seconds':>8}")
    for pack, status, seconds in rows:
        print(f"{pack:<{width}} {status:<8} {seconds:>8.1f}")
    took = time.perf_counter() - start
    if unchanged:
        print(f"Up to date: nothing changed since the last build into {out_dir}, so nothing was rewritten ({took:.2f}s). "
              f"Open {out_dir / 'index.html'}")
    else:
        print(f"Published {out_dir / 'index.html'} in {took:.1f}s")


def _start_kernel_template(args: argparse.Namespace) -> None:
    """Start the local executor's kernel template now, so that its imports overlap the planning."""
    import logging

    from .config import find_project_root
    from .pipeline.executors.kernels import start_early
    from .pipeline.plan import prefork_enabled

    if args.executor != "local" or not prefork_enabled():
        return
    try:
        root = find_project_root(args.project)
    except ReviewpackUserError:
        return  # plan_build says why
    start_early(root, quiet=not logging.getLogger("reviewpack").isEnabledFor(logging.DEBUG))


def cmd_build(args: argparse.Namespace) -> int:
    """Build the packs; print a summary table."""
    from .pipeline.cache import up_to_date
    from .pipeline.executors import check_request
    from .pipeline.plan import default_jobs

    start = time.perf_counter()
    # pack names are lower case and ONS codes upper case: accept either spelling
    args.pack = [p.strip().lower() for p in args.pack]
    args.national = ["all" if c.strip().lower() == "all" else c.strip().upper() for c in args.national]
    try:
        check_request(args.executor, args.scheduler, args.jobs)
        valid_request = True
    except ReviewpackUserError:
        valid_request = False  # plan_build says why
    if valid_request and not args.force and not args.no_cache:
        # nothing changed since the last build into this folder: decided without parsing anything
        hit = up_to_date(args.project, args.pack or None, args.params, args.out, args.grouping, args.national or None, args.pdf)
        if hit is not None:
            packs, out_dir, _ = hit
            _header(len(packs), args.jobs or default_jobs(), out_dir)
            progress = _Progress(packs)
            for pack in packs:
                progress(pack, "cached", 0.0)
            progress.close()
            _summary([(p, "cached", 0.0) for p in packs], out_dir, start, unchanged=True)
            return EXIT_OK

    from .pipeline.build import build
    from .pipeline.executors.kernels import close_early
    from .pipeline.plan import plan_build

    _start_kernel_template(args)
    try:
        plan = plan_build(
            root=args.project, packs=args.pack or None, extra_params=args.params, out_dir=args.out,
            jobs=args.jobs, force=args.force, use_cache=not args.no_cache,
            executor=args.executor, scheduler=args.scheduler, grouping=args.grouping, national=args.national or None,
            pdf=args.pdf,
        )
        _header(len(plan.packs), plan.jobs, plan.out_dir)
        progress = _Progress(list(plan.packs))
        try:
            results, _ = build(plan, progress)
        finally:
            progress.close()
    finally:
        close_early()  # a template no pack needed (every pack cached, or the build stopped early)
    _summary([(r.pack, r.status, r.seconds) for r in results], plan.out_dir, start)
    from .pipeline.timings import timings_path

    if timings_path(plan.root, plan.out_dir).is_file():  # kept out of the published folder (pipeline/timings.py)
        print(f"Seconds per pack and phase: {timings_path(plan.root, plan.out_dir)}")
    _changes_line(plan.out_dir)
    return EXIT_OK


def _changes_line(out_dir: Path) -> None:
    """After a build: one line on what changed since the previous build the folder keeps (pipeline/diff.py)."""
    from .pipeline.diff import CHANGES_PAGE, changes_since_previous
    from .present.narrative.changes import build_summary_line

    changes = changes_since_previous(out_dir)
    if changes is not None:
        print(f"{build_summary_line(changes)} See {out_dir / CHANGES_PAGE} or run: reviewpack diff {out_dir}")


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed between two published folders (or NEW and its previous build); write changes.html into NEW."""
    from .pipeline.diff import diff_command

    text, _ = diff_command(list(args.folders), write_page=not args.no_page, cap=max(0, args.max_cells))
    print(text, end="")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Write a project folder for one council (pipeline/new_project.py); print the next command."""
    from .config import find_project_root
    from .pipeline.new_project import init_project

    if args.area_name is not None and args.areas is None:
        raise ReviewpackUserError("--area-name names a column of the --areas mapping: give --areas MAPPING.csv too.", parameter="--area-name")
    made = init_project(find_project_root(args.project), args.folder, args.council, args.areas, args.area_name, args.grants)
    print(f"Wrote {made.folder} for {terminal_safe(made.name)} ({made.code}): {len(made.packs)} packs ({', '.join(made.packs[:6])}"
          f"{', ...' if len(made.packs) > 6 else ''}).")
    print(f"Next: add your council's context in {made.folder / 'params' / 'defaults.yaml'}, then run: reviewpack --project {made.folder} build")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``reviewpack`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return EXIT_USER
    try:
        if args.command == "list":
            return cmd_list(args)
        if args.command == "diff":
            return cmd_diff(args)
        if args.command == "init":
            return cmd_init(args)
        from .pipeline.signals import stop_on_signals

        with stop_on_signals():  # SIGTERM/SIGHUP clean up as Ctrl-C does: workers, kernels, staging, lock
            return cmd_build(args)
    except ReviewpackUserError as exc:
        if args.debug:
            _say_cell_traceback(exc)
            raise
        _say_error(exc)
        return EXIT_USER
    except ReviewpackError as exc:
        if args.debug:
            _say_cell_traceback(exc)
            raise
        _say_error(exc)
        return EXIT_INTERNAL
    except KeyboardInterrupt as exc:
        print("interrupted; the output folder is unchanged", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)  # 130 for Ctrl-C, 143 for SIGTERM
    except BrokenPipeError:
        # the reader went away (e.g. `reviewpack list --national | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
