"""No import cycle in buzzline/: neither between modules (every import counts, the lazy ones in
functions and the TYPE_CHECKING ones too) nor between its subpackages (buzzline.X)."""

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "buzzline"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package at ``root``."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is one of ``modules`` (``a.b.func`` -> ``a.b``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imported(module: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The modules of the package that ``module`` imports, anywhere in its source. ``from P
    import m`` imports the module P.m when there is one (else P itself); the parent packages
    an import loads on the way are not counted (every submodule would be in a cycle with a
    package that re-exports it)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            found = _known(target, modules)
            if found is not None and found != module:
                yield found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: set(imported(name, path, modules)) for name, path in modules.items()}


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between the top package's children (``buzzline.X``)."""
    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])

    packages: dict[str, set[str]] = {top(m): set() for m in graph}
    for module, targets in graph.items():
        packages[top(module)] |= {top(t) for t in targets} - {top(module)}
    return packages


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_module_imports_itself_back():
    assert cycles(import_graph(ROOT)) == []


def test_no_subpackage_imports_itself_back():
    assert cycles(package_graph(import_graph(ROOT))) == []


def test_the_command_line_and_the_runner_are_in_no_cycle():
    """The modules this layer owns, whatever the rest of the package does."""
    graph = import_graph(ROOT)
    ours = ("buzzline", "buzzline.cli", "buzzline.runner", "buzzline.testing",
            "buzzline.stream_file", "buzzline.__main__")
    in_cycles = {m for c in cycles(graph) for m in c}
    assert {m for m in in_cycles if m == "buzzline" or m.startswith(ours[1:])} == set()
    packages = {p for c in cycles(package_graph(graph)) for p in c}
    assert packages.isdisjoint(ours)


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path / "pkg"


def test_a_planted_cycle_through_a_lazy_import_is_found(tmp_path):
    root = plant(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": "def thing():\n    from pkg import a\n    return a\n",
        "pkg/c.py": "import pkg.a\n",
    })
    assert cycles(import_graph(root)) == [["pkg.a", "pkg.b"]]


def test_a_planted_type_checking_and_relative_cycle_is_found(tmp_path):
    root = plant(tmp_path, {
        "pkg/__init__.py": "from pkg.sub import x\n",
        "pkg/sub/__init__.py": "from .x import X as x\n",
        "pkg/sub/x.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from ..other import Y\nX = 1\n",
        "pkg/other.py": "from pkg.sub.x import X\nY = X\n",
    })
    assert cycles(import_graph(root)) == [["pkg.other", "pkg.sub.x"]]
    assert cycles(package_graph(import_graph(root))) == [["pkg.other", "pkg.sub"]]


def test_a_package_re_exporting_its_modules_is_no_cycle(tmp_path):
    root = plant(tmp_path, {
        "pkg/__init__.py": "from pkg.a import f\nfrom pkg import b\n",
        "pkg/a.py": "from pkg.b import g\ndef f():\n    return g\n",
        "pkg/b.py": "def g():\n    return 1\n",
    })
    graph = import_graph(root)
    assert graph["pkg"] == {"pkg.a", "pkg.b"} and graph["pkg.a"] == {"pkg.b"}
    assert cycles(graph) == [] and cycles(package_graph(graph)) == []
