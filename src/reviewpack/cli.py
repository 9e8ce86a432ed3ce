"""Command line: ``reviewpack list`` and ``reviewpack build``.

Exit codes: 0 success; 2 a user error (bad parameter, bad or changed input
file) with a one-paragraph message and no traceback (``--debug`` shows it);
1 an internal error.
"""

from __future__ import annotations

import argparse
import logging
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
    ls.add_argument("--grouping", default=None, metavar="NAME", help="list the packs of this grouping (groupings.options) instead")
    ls.add_argument("--national", action="store_true", help="list every English local authority code a --national build accepts")

    b = sub.add_parser(
        "build",
        help="build packs into reports/latest (index, HTML, CSV tables, manifest)",
        description="Validate parameters and data, run each pack's notebook, and publish the packs atomically: "
        "the output folder is replaced only when every pack succeeded.",
    )
    b.add_argument("--pack", action="append", default=[], metavar="NAME", help="build only this pack (repeatable; default: all)")
    b.add_argument("--params", type=Path, action="append", default=[], metavar="FILE", help="YAML merged over every pack's parameters (repeatable)")
    b.add_argument(
        "--grouping", default=None, metavar="NAME",
        help="a pack per area of this grouping (groupings.options, e.g. area_partnership) plus the borough; default output reports/NAME",
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
        "--executor", choices=("local", "dask"), default="local",
        help="where packs run: local worker processes (default) or a Dask cluster (needs: pip install -e .[dask])",
    )
    b.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="with --executor dask: the scheduler to use, e.g. tcp://10.0.0.5:8786 (default: a local cluster on 127.0.0.1)",
    )
    return p


def _say_error(exc: BaseException) -> None:
    msg = str(exc).strip() or type(exc).__name__
    print(f"error: {msg}", file=sys.stderr)


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
        hit = up_to_date(args.project, args.pack or None, args.params, args.out, args.grouping, args.national or None)
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
    from .pipeline.plan import plan_build

    plan = plan_build(
        root=args.project, packs=args.pack or None, extra_params=args.params, out_dir=args.out,
        jobs=args.jobs, force=args.force, use_cache=not args.no_cache,
        executor=args.executor, scheduler=args.scheduler, grouping=args.grouping, national=args.national or None,
    )
    _header(len(plan.packs), plan.jobs, plan.out_dir)
    progress = _Progress(list(plan.packs))
    try:
        results, _ = build(plan, progress)
    finally:
        progress.close()
    _summary([(r.pack, r.status, r.seconds) for r in results], plan.out_dir, start)
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
        return cmd_build(args)
    except ReviewpackUserError as exc:
        if args.debug:
            raise
        _say_error(exc)
        return EXIT_USER
    except ReviewpackError as exc:
        if args.debug:
            raise
        _say_error(exc)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("interrupted; the output folder is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `reviewpack list --national | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
