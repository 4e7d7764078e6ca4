"""The package's shape: layers as folders, no import cycle, small modules, every package in the wheel."""

import ast
import tomllib

from tests.helpers import ROOT

PACKAGE = ROOT / "formcheck"
MAX_LINES = 300
MAX_TOP_MODULES = 8


def module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every formcheck module and the formcheck modules it imports, anywhere in it (functions and
    type-checking blocks too: a cycle there is still one layer leaning on another)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("formcheck"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("formcheck")}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_import_cycle():
    graph = imports()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_test_module_imports_another():
    """Shared test code lives in tests/helpers.py and tests/builders.py, not in other test modules."""
    tests = ROOT / "tests"
    found = {}
    for path in tests.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            bad = [n for n in names if n.startswith("tests.") and n not in ("tests.helpers", "tests.builders")]
            if bad:
                found[str(path.relative_to(ROOT))] = bad
    assert found == {}


def test_few_top_modules_and_no_large_module():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top
    large = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
             if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert large == {}


def test_the_wheel_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {module_name(p.parent) for p in PACKAGE.rglob("__init__.py")}
    for package, folder in config["package-dir"].items():  # data folders mapped into the package
        on_disk |= {".".join([package, *p.parent.relative_to(ROOT / folder).parts])
                    for p in (ROOT / folder).rglob("__init__.py")}
    assert set(config["packages"]) == on_disk
