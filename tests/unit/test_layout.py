"""The tree shows the architecture: no import cycle, one name per class, small top levels."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "edge_persist"


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path, modules):
    """The project modules `path` imports at its top level (function-local imports are lazy
    and cannot form a cycle at import time)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name in modules}


def test_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(path, modules) for name, path in modules.items()}
    state = {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", " -> ".join(trail + [name])
        state[name] = "open"
        for dep in graph[name]:
            # A package's own __init__ runs before its modules: an import of the package from
            # inside it is not a cycle.
            if not name.startswith(dep + "."):
                visit(dep, trail + [name])
        state[name] = "done"

    for name in graph:
        visit(name, [])


def test_no_class_name_defined_twice():
    seen = {}
    for name, path in _modules().items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                assert node.name not in seen, f"{node.name} in {seen[node.name]} and {name}"
                seen[node.name] = name


def test_top_levels_stay_small():
    assert len([p for p in (PACKAGE / "emulator").iterdir() if p.is_file()]) <= 10
    # The shared facts and readers, the linter, cleanup, the demo, and the package's two
    # entry points (cli.py, pytest_plugin.py).
    assert len(list(PACKAGE.glob("*.py"))) <= 16


def test_every_subpackage_says_what_it_owns():
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent != PACKAGE:
            assert ast.get_docstring(ast.parse(init.read_text())), init


def test_the_architecture_page_follows_every_stage_of_the_request_path():
    from edge_persist.emulator.cloudfront.distribution import CloudFrontTier
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    missing = [stage for stage in CloudFrontTier.REQUEST_PATH if f"`{stage}`" not in page]
    assert not missing, f"docs/architecture.md does not name {missing}"
