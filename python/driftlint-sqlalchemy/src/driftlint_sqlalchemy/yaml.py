"""The little YAML this package writes: flow mappings and lists of scalars, one per line.

A scalar is written plain only when it is a simple word YAML cannot read as anything but a
string; everything else is double-quoted with JSON's escapes, which YAML's double-quoted style
accepts, so an SQL expression, a type with a comma or a name with spaces keeps its exact text.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence, Tuple

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words YAML 1.1 readers take as booleans or null.
_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}


def scalar(text: str) -> str:
    text = str(text)
    if _WORD.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def key(text: str) -> str:
    return scalar(text)


def flow_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(item) for item in items) + "]"


def flow_map(entries: Sequence[Tuple[str, str]]) -> str:
    """``{ a: b, c: d }`` from (key, already written value) pairs."""
    return "{ " + ", ".join(f"{k}: {v}" for k, v in entries) + " }"
