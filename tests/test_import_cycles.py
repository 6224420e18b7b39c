"""No import cycle anywhere in rnncore/ or dashboard/, counting imports inside functions (house rule).

A cycle hidden by an import inside a function still ties two modules together: neither can be read,
tested or moved alone. The graph is read from the source (ast), so a lazy import counts like any other.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rnncore", "dashboard")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports, anywhere in its body."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def import_graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    known = {module_name(p) for p in paths}
    graph = {module_name(p): imports_of(p, known) for p in paths}
    for name, edges in graph.items():  # importing a package's module does not import the package's own cycle
        edges.discard(name)
        edges -= {package for package in PACKAGES if name.startswith(package + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    colour = dict.fromkeys(graph, "white")
    stack: list[str] = []

    def visit(node):
        colour[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == "grey":
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == "white" and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        colour[node] = "black"
        return None

    for node in sorted(graph):
        if colour[node] == "white" and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "rnncore.tf.runtime" in graph["rnncore.tf.unroll_tf2"]  # only ever imported inside functions there


def test_a_cycle_is_found_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_rnncore_or_dashboard():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_test_helpers_are_imported_under_one_name():
    """tests/ is a package: a helper imported both as `apptest` and as `tests.apptest` would load twice,
    and a monkeypatch of one copy would miss the other. Every import names it `tests.<helper>`."""
    tests = ROOT / "tests"
    helpers = {module_name(p).removeprefix("tests.") for p in tests.rglob("*.py")} - {"tests"}
    short = set()
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            short |= {f"{path.relative_to(ROOT)}: {name}" for name in names
                      if name in helpers or name.split(".")[0] == "browser"}
    assert "apptest" in helpers and "browser.live" in helpers
    assert not short, sorted(short)
