"""Numbers as a text writes them, outside the web pages (reports, messages, spreadsheets' words):
``319000`` -> ``319.000`` and ``80.58`` -> ``80,58`` in Vietnamese, ``319,000`` and ``80.58`` in English.
(The pages use Flask-Babel's ``format_decimal``, which needs a request.)"""

from __future__ import annotations


def written(value: float | None, lang: str = "vi", digits: int = 2) -> str:
    if value is None:
        return "–"
    rounded = round(float(value), digits)
    text = f"{int(rounded):,}" if rounded == int(rounded) else f"{rounded:,.{digits}f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")
    return text
