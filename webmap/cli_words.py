"""The command line's own words in the planner's language.

argparse writes its headings and errors in English ("usage:", "the following arguments are
required") through gettext, and Python ships no Vietnamese catalogue for it.  A clerk who types
``webmap report --help`` should read Vietnamese like every other message of the tool, so the
language is chosen from argv before the parser is built (``--lang en`` anywhere gives English),
argparse's strings are looked up here, and every help text is written in both languages with ``h``.
"""

from __future__ import annotations

import argparse
import gettext
from collections.abc import Sequence

# argparse 3.11's translatable strings that a user can see (the rest are programming errors).
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số bắt buộc theo thứ tự",
    "options": "tuỳ chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "giá trị không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không đúng kiểu %(type)s",
    "not allowed with argument %s": "không dùng được cùng tham số %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tuỳ chọn %(option)s không rõ: có thể là %(matches)s",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
}

# Default placeholders argparse derives from the option's name (PATH, OUTPUT…).
_METAVAR_VI = {
    "path": "TỆP", "output": "TỆP_RA", "sheet": "TRANG_TÍNH", "period": "KỲ", "unit": "ĐƠN_VỊ",
    "within": "ĐƠN_VỊ_CHỨA", "title": "TIÊU_ĐỀ", "dpi": "DPI", "dem": "TỆP_DEM", "indicator": "CHỈ_TIÊU",
    "raster": "SỐ_ẢNH", "level": "CẤP", "crs": "HỆ_TOẠ_ĐỘ", "code_field": "TRƯỜNG_MÃ", "name_field": "TRƯỜNG_TÊN",
    "parent_field": "TRƯỜNG_MÃ_CHA", "layer": "LỚP", "report": "TỆP_BÁO_CÁO", "max_mb": "MB",
    "weight": "CHỈ_TIÊU_TRỌNG_SỐ", "province": "TỈNH", "unit_column": "CỘT_ĐƠN_VỊ", "id": "SỐ",
    "name": "TÊN", "full_name": "HỌ_TÊN", "role": "VAI_TRÒ", "host": "MÁY", "port": "CỔNG",
    "src": "NGUỒN", "dst": "ĐÍCH", "action": "VIỆC",
}

_lang = "vi"


def language(argv: Sequence[str]) -> str:
    """``en`` when ``--lang en`` (or ``--lang=en``) is anywhere on the line, else ``vi``."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--lang=en" or (arg == "--lang" and i + 1 < len(args) and args[i + 1] == "en"):
            return "en"
    return "vi"


def install(lang: str) -> None:
    """Make argparse and ``h`` speak ``lang`` for this process (the command line is one process)."""
    global _lang
    _lang = lang
    if lang == "vi":
        argparse._ = lambda s: _ARGPARSE_VI.get(s, s)  # type: ignore[attr-defined]
        argparse.ngettext = lambda s, p, n: _ARGPARSE_VI.get(s if n == 1 else p, s if n == 1 else p)  # type: ignore[attr-defined]
    else:
        argparse._ = gettext.gettext  # type: ignore[attr-defined]
        argparse.ngettext = gettext.ngettext  # type: ignore[attr-defined]


def h(vi: str, en: str) -> str:
    """A help text in the command line's language."""
    return vi if _lang == "vi" else en


class Formatter(argparse.HelpFormatter):
    """Placeholders in the user's language (``--output TỆP_RA``)."""

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        if _lang == "vi" and action.dest in _METAVAR_VI:
            return _METAVAR_VI[action.dest]
        return super()._get_default_metavar_for_optional(action)

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        if _lang == "vi" and action.dest in _METAVAR_VI:
            return _METAVAR_VI[action.dest]
        return super()._get_default_metavar_for_positional(action)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose sub-commands inherit the translated formatter."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
