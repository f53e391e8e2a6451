"""The shape of the code (docs/architecture.md), checked: the layers run one way.

- No two project modules import each other, directly or round a longer circle, counting imports
  inside functions too (a function-level import is how a circle hides).
- `visits` imports nothing of `safeguarding`, and its templates load none of safeguarding's tag
  libraries: safeguarding builds on visits, through its hooks.
- `who` and `moves` sit below `access` and `lifecycle`; `access` and `lifecycle` do not import each
  other.
- No template compares a status string: they read flags.
- No function of a views module passes 40 lines.
- No module of the lifecycle package passes 400 lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("homevisits", "visits", "safeguarding", "accounts", "reports", "retention", "disclosure", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from package import module` imports the module; `from module import name`, the module.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_project_modules_import_each_other():
    # Assert
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_circle():
    # Arrange: a -> b -> c -> a, and d alone.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    # Assert
    assert _cycles(graph) == [["a", "b", "c"]]


def test_function_level_imports_are_counted():
    # Assert: imports inside functions (`AppConfig.ready`, a view's late import) are edges too.
    assert {"visits.access", "visits.lifecycle", "visits.who"} <= GRAPH["safeguarding.apps"]
    assert "visits.views.board" in GRAPH["visits.views.visits"]


def test_visits_imports_nothing_of_safeguarding():
    # Act
    offending = {
        name: sorted(t for t in targets if t.startswith("safeguarding"))
        for name, targets in GRAPH.items()
        if name.startswith("visits")
    }

    # Assert
    assert {name: targets for name, targets in offending.items() if targets} == {}


def test_visits_templates_load_no_tag_library_of_safeguarding():
    # Arrange: safeguarding's tag libraries, and every template of visits.
    libraries = {path.stem for path in (ROOT / "safeguarding" / "templatetags").glob("*.py")} - {"__init__"}
    templates = sorted((ROOT / "templates" / "visits").rglob("*.html"))

    # Act
    loading = {
        str(path.relative_to(ROOT)): sorted(set(loaded.split()) & libraries)
        for path in templates
        for loaded in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", path.read_text())
        if set(loaded.split()) & libraries
    }

    # Assert: safeguarding's panels reach the visit page through visits.hooks instead.
    assert libraries and templates
    assert loading == {}


# `{% url 'safeguarding:urgent' ... %}`, `reverse("safeguarding:queue")`: a URL of safeguarding's.
SAFEGUARDING_URL = re.compile(r"""["']safeguarding:\w+["']""")


def test_visits_names_no_url_of_safeguarding():
    # Arrange: visits' templates and its Python modules.
    sources = sorted((ROOT / "templates" / "visits").rglob("*.html")) + sorted((ROOT / "visits").rglob("*.py"))

    # Act
    naming = {
        str(path.relative_to(ROOT)): SAFEGUARDING_URL.findall(path.read_text())
        for path in sources
        if SAFEGUARDING_URL.search(path.read_text())
    }

    # Assert: safeguarding's links reach visits' pages as panels (visits.hooks), its lead's home
    # page through `who.register_home_page`.
    assert sources
    assert naming == {}


def test_the_safeguarding_url_finder_finds_one():
    # Assert
    assert SAFEGUARDING_URL.search("{% url 'safeguarding:urgent' visit.code 'danger' %}")
    assert SAFEGUARDING_URL.search('("queue", "safeguarding:queue")')
    assert not SAFEGUARDING_URL.search("(safeguarding: the risk review, hc09)")


# `x.status == "authorised"`, `status != 'closed'`, `status in "..."`: a state written as a string.
STATUS_STRING = re.compile(r"""status\s*(==|!=|in)\s*["']""")


def test_no_template_compares_a_status_string():
    # Act
    comparing = {
        str(path.relative_to(ROOT)): STATUS_STRING.findall(path.read_text())
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if STATUS_STRING.search(path.read_text())
    }

    # Assert: templates read the models' flags (`visit.is_authorised`) or VisitAccess's instead.
    assert comparing == {}


def test_the_status_string_finder_finds_one():
    # Assert
    assert STATUS_STRING.search('{% if visit.status == "authorised" %}')
    assert STATUS_STRING.search("{% if c.status != 'closed' %}")
    assert not STATUS_STRING.search("{% if visit.is_authorised %}")


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("visits.who", "visits.moves"),
        ("visits.who", "visits.access"),
        ("visits.who", "visits.lifecycle"),
        ("visits.moves", "visits.access"),
        ("visits.moves", "visits.lifecycle"),
        ("visits.access", "visits.lifecycle"),
        ("visits.lifecycle", "visits.access"),
    ],
)
def test_a_lower_layer_imports_nothing_above_it(lower, upper):
    # Act: every module of the lower layer (a package counts with its modules).
    imported = {
        target
        for name, targets in GRAPH.items()
        if name == lower or name.startswith(lower + ".")
        for target in targets
        if target == upper or target.startswith(upper + ".")
    }

    # Assert
    assert imported == set(), f"{lower} imports {sorted(imported)}"


VIEW_LINES_MAX = 40


def test_no_view_function_passes_40_lines():
    # Arrange: every function of every views module (a long one hides a rule the service layer
    # should hold).
    views = [path for app in APPS for path in (ROOT / app).glob("views/*.py")]

    # Act
    long = {
        f"{path.relative_to(ROOT)}:{node.name}": node.end_lineno - node.lineno + 1
        for path in views
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > VIEW_LINES_MAX
    }

    # Assert
    assert views
    assert long == {}


def test_no_lifecycle_module_passes_400_lines():
    # Act
    lengths = {path.name: len(path.read_text().splitlines()) for path in (ROOT / "visits" / "lifecycle").glob("*.py")}

    # Assert
    assert lengths and max(lengths.values()) <= 400, lengths
