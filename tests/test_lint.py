"""No module of the project uses a name it never defined or imported: pyflakes over every source file,
keeping the messages that mean a NameError when the line runs (a merge can drop an import that only a
rarely taken branch of a page uses)."""
import ast
from pathlib import Path

from pyflakes import checker, messages

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("dashboard", "rnncore", "tests", "deploy") for p in (ROOT / folder).rglob("*.py"))
UNDEFINED = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)


def test_the_sources_are_found():
    assert {p.relative_to(ROOT).parts[0] for p in SOURCES} == {"dashboard", "rnncore", "tests", "deploy"}
    assert ROOT / "dashboard" / "app.py" in SOURCES


def test_no_module_uses_an_undefined_name():
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{path.relative_to(ROOT)}:{m.lineno}: {m.message % m.message_args}"
                  for m in checker.Checker(tree, filename=str(path)).messages if isinstance(m, UNDEFINED)]
    assert not found, "\n".join(found)


def test_the_check_catches_a_missing_import():
    tree = ast.parse("def live():\n    return time.monotonic()\n")
    assert [type(m) for m in checker.Checker(tree).messages] == [messages.UndefinedName]
