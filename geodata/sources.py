"""How a number's source is written for a reader: document title and section."""

from __future__ import annotations

import re
from typing import Any

_SPLIT = re.compile(r"illustrative split of (?P<file>\S+) row (?P<row>\d+)")


def describe(src: dict[str, Any] | None, lang: str = "vi") -> str:
    """The document (by its title when the store knows it) and where in it.

    Rows quoted from the planning documents carry their section; their ``row`` is
    the line of the reference table they were extracted into, not a line of the
    document, so it is not shown beside the document's name.  Imported tables have
    no section, and there the row is the row of the imported file.
    """
    if not src or not src.get("document"):
        return ""
    title = (src.get("title") or {}).get(lang) or str(src["document"])
    split = _SPLIT.match(title)
    if split and lang == "vi":  # the sample's made-up village figures, named in the reader's language
        title = f"chia minh hoạ từ {split['file']}, dòng {split['row']}"
    if src.get("section"):
        return f"{title}, {src['section']}"
    if src.get("row"):
        return f"{title}, {'dòng' if lang == 'vi' else 'row'} {src['row']}"
    return title


def citation(src: dict[str, Any] | None) -> str:
    """The file and the document's own words, for a reader checking the number."""
    if not src or not src.get("document"):
        return ""
    if src.get("quote"):
        return f"{src['document']}: «{src['quote']}»"
    return str(src["document"]) if src.get("title") else ""  # else the label already names the file
