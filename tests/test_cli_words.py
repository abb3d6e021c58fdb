"""The command line speaks Vietnamese by default: every help page and argparse's own errors, with
English only on ``--lang en`` (option names, commands and choice values stay as typed)."""

from __future__ import annotations

import re

import pytest

from webmap.__main__ import main

HELP = [[], ["serve"], ["catalogue", "import"], ["figure"], ["atlas"], ["export"], ["report"],
        ["import", "boundaries"], ["import", "indicators"], ["import", "codes"], ["import", "crosswalk"],
        ["import", "raster"], ["imports", "list"], ["imports", "undo"], ["backup"], ["restore"], ["users", "add"],
        ["users", "list"],
        ["users", "passwd"], ["users", "grant"], ["users", "revoke"], ["users", "disable"], ["users", "enable"],
        ["store", "copy"]]
COMMANDS = {"serve", "catalogue", "figure", "atlas", "export", "report", "import", "imports", "backup", "restore",
            "users", "boundaries", "indicators", "codes", "crosswalk", "list", "undo", "add", "passwd", "grant",
            "revoke", "disable", "enable", "webmap", "store", "copy", "raster"}
# argparse's own English and the words the help texts were written with before.
ENGLISH = {"usage", "options", "positional", "arguments", "show", "help", "message", "exit", "required", "error",
           "invalid", "choice", "choose", "from", "expected", "argument", "unrecognized", "the", "of", "and", "a",
           "an", "or", "for", "to", "with", "file", "default", "repeatable", "accounts", "roles", "unit", "units",
           "indicator", "period", "map", "draft", "output", "path", "sheet", "title", "level", "name", "layer",
           "province", "heading", "code", "store", "server", "password", "whole", "country", "write", "rows"}


def _words(text: str) -> set[str]:
    text = re.sub(r"\{[^}]*\}", " ", text)                # choice lists are values the user types
    text = re.sub(r"(?<![\w])--?[\w-]+", " ", text)       # option names
    return {w.lower() for w in re.findall(r"\w+", text) if w.isalpha()} - COMMANDS


@pytest.mark.parametrize("command", HELP, ids=lambda c: " ".join(c) or "webmap")
def test_every_help_page_is_vietnamese_and_english_on_request(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    vi = capsys.readouterr().out
    assert done.value.code == 0 and vi.startswith("cách dùng: webmap")
    assert not _words(vi) & ENGLISH, sorted(_words(vi) & ENGLISH)
    with pytest.raises(SystemExit):
        main(["--lang", "en", *command, "--help"])
    en = capsys.readouterr().out
    assert en.startswith("usage: webmap") and "show this help message and exit" in en


@pytest.mark.parametrize("argv, says", [
    (["report"], "thiếu tham số bắt buộc: --unit, --period, -o/--output"),
    (["report", "--unit", "03390", "--period", "2025", "-o", "x.docx", "--format", "odt"],
     "tham số --format: giá trị không hợp lệ: 'odt' (chọn một trong 'docx', 'pdf', 'md')"),
    (["imports", "undo", "ba"], "giá trị 'ba' không đúng kiểu int"),
    (["export", "units", "--format", "geojson", "-o", "x", "--frob"], "tham số không nhận ra: --frob"),
])
def test_argparse_errors_are_vietnamese(argv, says, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2 and says in err and "lỗi:" in err and "usage" not in err, err
