"""The house's floors, read from the code's imports: no circle of files that import each other, and each package
imports only the floors below it (models at the bottom, then core, scheduler, handlers, bot; the demo above all,
reached only from the command line).

Every import counts, also one inside a function or under TYPE_CHECKING: a late import hides a circle, it does not
remove it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "botapi", "core", "demo", "handlers", "models", "scheduler", "web")
# what each package may import of the others (besides itself)
BELOW = {
    "models": set(),
    "core": {"models"},
    "scheduler": {"models", "core"},
    "web": {"models", "core"},  # the answer page's links and templates (the page itself is bot/answer_page.py)
    "handlers": {"models", "core", "scheduler", "web"},
    "bot": {"models", "core", "scheduler", "handlers", "web"},
    "botapi": set(),
    "demo": {"models", "core", "scheduler", "handlers", "bot", "botapi"},
}
UP_TO_THE_DEMO = {"bot.cli"}  # the command line starts the demo; nothing else of the product reaches up to it


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for candidate in candidates:
            if candidate in known and candidate != name:
                yield candidate


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: set(_imports(name, path, known)) for name, path in known.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one file."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_files_import_each_other_in_a_circle():
    assert _circles(_graph()) == []


def test_each_package_imports_only_the_floors_below_it():
    wrong = []
    for name, targets in _graph().items():
        top = name.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != top and other not in BELOW[top]:
                if other == "demo" and name in UP_TO_THE_DEMO:
                    continue
                wrong.append(f"{name} -> {target}")
    assert sorted(wrong) == []


def test_every_import_of_our_packages_names_a_module_that_exists():
    """A module moved to another floor leaves no import behind (mypy ignores missing imports, this does not)."""
    known = _modules()
    missing = []
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                if node.module.split(".")[0] in PACKAGES and node.module not in known:
                    missing.append(f"{name}: from {node.module} import …")
            elif isinstance(node, ast.Import):
                missing += [f"{name}: import {a.name}" for a in node.names
                            if a.name.split(".")[0] in PACKAGES and a.name not in known]
    for path in (ROOT / "tests").rglob("*.py"):  # the tests import the product too
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                if node.module.split(".")[0] in PACKAGES and node.module not in known:
                    missing.append(f"{path.name}: from {node.module} import …")
    assert missing == []


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
