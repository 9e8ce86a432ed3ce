"""Read the published figures a golden file pins: every table CSV, the key messages and the index-card headlines.

``python tests/golden_tools.py REPORTS_DIR`` rewrites ``tests/golden/`` from a build (do it only in a
commit that means to move a published number, and say why in its message).
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
_BOX = re.compile(r'<div class="key-messages">(.*?)</div>', re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")


def key_messages(page: str) -> list[str]:
    """The key messages of a published pack, as plain text, one per item."""
    box = _BOX.search(page)
    if box is None:
        return []
    return [html.unescape(_TAG.sub("", item)).strip() for item in _ITEM.findall(box.group(1))]


def published(out: Path) -> dict[str, dict[str, str]]:
    """``{pack: {file name: text}}`` for every golden file of a published folder."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    result: dict[str, dict[str, str]] = {}
    for pack, meta in manifest["packs"].items():
        files = {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "tables" / pack).glob("*.csv"))}
        page = (out / f"{pack}.html").read_text(encoding="utf-8")
        files["key_messages.txt"] = "".join(m + "\n" for m in key_messages(page))
        files["headlines.txt"] = "".join(f"{label}: {value}\n" for label, value in meta["headlines"])
        result[pack] = files
    return result


def golden() -> dict[str, dict[str, str]]:
    """The committed golden files, in the same shape as :func:`published`."""
    return {
        d.name: {p.name: p.read_text(encoding="utf-8") for p in sorted(d.iterdir())}
        for d in sorted(GOLDEN.iterdir())
        if d.is_dir()
    }


def write(out: Path) -> None:
    for pack, files in published(out).items():
        folder = GOLDEN / pack
        if folder.exists():
            for old in folder.iterdir():
                old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
