"""The packages depend one way: jtext < schedules < lookup < ivr, and only the simulation uses ivr/sim.

Read from the source with `ast`, so an import inside a function or under TYPE_CHECKING counts
as much as one at the top: a lower package that reaches up, even lazily, can no longer be
understood, tested or reused without the one above it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("jtext", "schedules", "lookup", "ivr")  # bottom to top
# Allowed to reach the stand-ins: the simulation itself and the command that plays it (tests and
# bench/ live outside the packages and may use them too).
SIM_USERS = ("ivr/sim/", "ivr/commands/demo.py")
# Imports that still point up, each with the branch removing it. A listed import that no longer
# exists fails the test too, so the list can only shrink.
KNOWN_UPWARD: set[tuple[str, str]] = set()  # none: an exception would need a reason here


def _modules(path: Path, tree: ast.AST) -> Iterator[str]:
    """Every module `path` imports, relative imports resolved against its package. `from a import b`
    gives both `a` and `a.b`, since b may be a module (`from ivr import sim`)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _imports() -> Iterator[tuple[str, str]]:
    """(file relative to the root, imported module) for every Python file of every package."""
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for module in _modules(path, tree):
                yield path.relative_to(ROOT).as_posix(), module


def _layer(module: str) -> str | None:
    top = module.split(".", 1)[0]
    return top if top in LAYERS else None


def test_the_walk_sees_every_package_and_every_kind_of_import() -> None:
    seen = list(_imports())
    files = {f for f, _ in seen}
    assert {f.split("/", 1)[0] for f in files} >= {"schedules", "lookup", "ivr"}
    assert ("ivr/cli.py", "importlib") in seen  # `import x`
    assert ("lookup/service.py", "schedules.models") in seen  # `from x import y`
    assert ("ivr/commands/demo.py", "ivr.sim.demo_site") in seen  # inside a function


def test_relative_imports_resolve_against_the_package() -> None:
    path = ROOT / "schedules" / "search" / "example.py"
    tree = ast.parse("from . import base\nfrom ..models import Stop\nimport ivr.sim\n")
    assert list(_modules(path, tree)) == [
        "schedules.search", "schedules.search.base", "schedules.models", "schedules.models.Stop", "ivr.sim"]


def _is(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def test_no_package_imports_a_higher_one() -> None:
    upward = set()
    for file, module in _imports():
        target = _layer(module)
        if target is not None and LAYERS.index(target) > LAYERS.index(file.split("/", 1)[0]):
            upward.add((file, module))
    unknown = {(f, m) for f, m in upward if not any(f == kf and _is(m, km) for kf, km in KNOWN_UPWARD)}
    assert unknown == set(), "lower packages must not import higher ones"
    gone = {(kf, km) for kf, km in KNOWN_UPWARD if not any(f == kf and _is(m, km) for f, m in upward)}
    assert gone == set(), "a known exception is gone: remove it from KNOWN_UPWARD"


def test_only_the_simulation_uses_the_stand_ins() -> None:
    users = {file for file, module in _imports() if _is(module, "ivr.sim")}
    assert {f for f in users if not f.startswith(SIM_USERS)} == set()
