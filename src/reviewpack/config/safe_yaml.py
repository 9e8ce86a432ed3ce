"""Reading a parameter file within limits: its size, encoding, nesting, aliases, duplicate keys and numbers.

A parameter file is a few kilobytes of ``key: value`` lines.  Anything far beyond that is a
mistake or an attack, and must end in a one-line error naming the file, never in a traceback,
gigabytes of memory or a build that never ends:

* at most :data:`MAX_BYTES` bytes;
* UTF-8 (with or without a byte-order mark); else Windows-1252, with a warning saying so (Excel
  and older editors save it); UTF-16/32 and undecodable bytes are refused, naming the encoding;
* at most :data:`MAX_DEPTH` levels of nesting, :data:`MAX_ALIASES` ``*alias`` references and
  :data:`MAX_NODES` values once aliases are expanded (a "billion laughs" file is refused while it
  is read, before anything expands it);
* no key twice in one mapping (YAML keeps the last silently; here it is an error);
* integers of at most :data:`MAX_INT_DIGITS` digits;
* only the safe loader's plain types (no ``!!python`` tags).

Each file is parsed once per build: :func:`read` keeps the parsed value by path and the SHA-256
of its bytes (reading and hashing a small file costs microseconds; parsing it is what is saved),
and hands out copies.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ParameterError

__all__ = ["LimitError", "MAX_BYTES", "MAX_DEPTH", "MAX_ALIASES", "MAX_NODES", "MAX_INT_DIGITS", "LimitedSafeLoader", "decode", "read"]

log = logging.getLogger("reviewpack")

MAX_BYTES = 2_000_000
MAX_DEPTH = 40
MAX_ALIASES = 100
MAX_NODES = 100_000
MAX_INT_DIGITS = 100


class LimitError(ConstructorError):
    """A parameter file beyond a limit, or with a key twice: valid YAML syntax that is refused all the same."""


class LimitedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on depth, aliases, expanded size and integers, and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise LimitError(None, None, f"more than {MAX_ALIASES} *alias references", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise LimitError(None, None, f"values nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expanded_size(node)
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the safe loader reports it
                break
            if duplicate:
                raise LimitError(
                    None, None, f"key {_short(key)} appears twice in one mapping (first at line {seen[key].start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise LimitError(None, None, f"a whole number of {digits} digits (at most {MAX_INT_DIGITS})", node.start_mark)
        return int(super().construct_yaml_int(node))


LimitedSafeLoader.add_constructor("tag:yaml.org,2002:int", LimitedSafeLoader.construct_yaml_int)


def _check_expanded_size(root: Node) -> None:
    """Refuse a document whose values, with every alias expanded, number more than :data:`MAX_NODES`."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(n) for n in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_NODES:
            raise LimitError(None, None, f"more than {MAX_NODES:,} values once its *aliases are expanded", node.start_mark)
        sizes[id(node)] = total
        return total

    size(root)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[:limit] + "..."


def decode(raw: bytes, path: Path, what: str = "Parameter file") -> str:
    """Text of a file: UTF-8 (a byte-order mark is dropped), else Windows-1252 with a warning; else an error.

    Raises
    ------
    ParameterError
        For UTF-16 or UTF-32 text, or bytes that are neither UTF-8 nor Windows-1252, naming the file.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"\x00" in raw[:4096]):
        kind = "UTF-32" if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "UTF-16"
        raise ParameterError(
            f"{what} '{path}' is {kind} text (or holds NUL bytes); save it as UTF-8 (in Notepad: Save as, Encoding: UTF-8).",
            file=path,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ParameterError(
            f"{what} '{path}' is neither UTF-8 nor Windows-1252 text (byte 0x{raw[utf8_error.start]:02x} at offset {utf8_error.start}); "
            "save it as UTF-8.",
            file=path,
        ) from None
    if str(path) not in _WARNED:
        _WARNED.add(str(path))
        log.warning("%s '%s' is not UTF-8: read as Windows-1252 (save it as UTF-8 to silence this warning)", what, path)
    return text


_WARNED: set[str] = set()


_PARSED: dict[tuple[str, str], Any] = {}


def read(path: Path) -> Any:
    """The parsed YAML document of ``path`` within the limits above (a fresh copy; parsed once per file version).

    Raises
    ------
    ParameterError
        If the file is too big, not text, not valid YAML or beyond a limit, naming the file and line.
    OSError
        If the file cannot be read.
    """
    st = os.stat(path)
    if st.st_size > MAX_BYTES:
        raise ParameterError(
            f"Parameter file '{path}' is {st.st_size:,} bytes; a parameter file holds at most {MAX_BYTES:,}. "
            "Check that it is the right file.",
            file=path,
        )
    with open(path, "rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ParameterError(f"Parameter file '{path}' holds more than {MAX_BYTES:,} bytes. Check that it is the right file.", file=path)
    # keyed by the bytes, not the modification time: a file rewritten within one clock tick is parsed again
    key = (str(path), hashlib.sha256(raw).hexdigest())
    if key not in _PARSED:
        text = decode(raw, path)
        loader = LimitedSafeLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = data
    return copy.deepcopy(_PARSED[key])
