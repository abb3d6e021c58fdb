"""Checks on a figure typed into the data-entry form, before it is saved.

Why errors and warnings apart: a figure that is not a number, or a count below zero, cannot be
right and is refused; a percentage over 100 or a value ten times last period's may be right
(a new road doubles the paved length), so the form asks, and saves it once the user confirms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geodata import tables
from geodata.numbers import written

JUMP_FACTOR = 5.0  # a value this many times last period's (or that fraction of it) is asked about
PERCENT_UNITS = ("%", "% ; pp/year")
COUNT_UNITS = ("households", "persons", "villages", "communes", "cooperatives", "enterprises", "works", "schools",
               "pupils", "sites", "projects", "products", "visits", "events", "cases", "patients", "permits",
               "decisions", "inspections", "groups", "head")


@dataclass
class Checked:
    text: str
    value: float | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (vi, en)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(text: str, measure_unit: str | None, last_value: float | None, *, count: bool = False,
          jump_factor: float = JUMP_FACTOR) -> Checked:
    """``"3.902,9"`` -> 3902.9; a blank field is no figure (None), not zero."""
    out = Checked(text)
    t = (text or "").strip()
    if not t:
        return out
    try:
        value = tables.parse_number(t.replace("%", "").strip())
    except ValueError:
        out.errors.append((f"'{t}' không phải là số (viết như 3.902,9)",
                           f"'{t}' is not a number (write it as 3.902,9)"))
        return out
    if value is None:
        return out
    out.value = value
    if value < 0:
        out.errors.append(("số liệu không được âm", "the figure cannot be negative"))
    if count and value != int(value):
        out.errors.append((f"{written(value)} không phải số nguyên: đây là số đếm (hộ, người, công trình)",
                           f"{written(value, 'en')} is not a whole number: this is a count (households, people, "
                           "works)"))
    if (measure_unit or "").strip() in PERCENT_UNITS and value > 100:
        out.warnings.append((f"{written(value)} % vượt 100 %: kiểm tra lại",
                             f"{written(value, 'en')} % is over 100 %: check it"))
    if last_value and value and last_value > 0:
        ratio = value / last_value
        if ratio >= jump_factor or ratio <= 1 / jump_factor:
            times = round(ratio if ratio >= 1 else 1 / ratio, 1)
            last_vi, last_en = written(last_value), written(last_value, "en")
            if ratio >= 1:
                out.warnings.append((f"gấp {written(times)} lần kỳ trước ({last_vi}): xác nhận số liệu đúng",
                                     f"{written(times, 'en')} times last period's {last_en}: confirm the figure"))
            else:
                out.warnings.append((f"chỉ bằng 1/{written(times)} kỳ trước ({last_vi}): xác nhận số liệu đúng",
                                     f"1/{written(times, 'en')} of last period's {last_en}: confirm the figure"))
    return out
