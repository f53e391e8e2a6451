"""Plain words on every screen (issue 16, item 3): no policy clause id ("(hc06)", "hc13", "mp01")
reaches a screen. The README, the tests, comments and docstrings keep the ids (that is where a
developer looks for a clause's proof); people read the policy's reason in words instead.

What is read, and how:
- every template (HTML pages, e-mails, text), its text outside template and HTML comments;
- every string written in the project's Python (accounts, safeguarding, visits, homevisits, demo;
  not tests, not migrations) outside docstrings: labels, help texts, choices, messages,
  ValidationError and refusal texts, e-mail subjects, the demo's words. Comments are not strings;
- every form class's fields as Django builds them (labels, help texts, choices, error messages),
  which catches words a form takes from a model or builds at import;
- every model field's verbose name, help text and choices;
- the JavaScript under static/js (the tablet's own messages), outside comments.

Each finder is tested on a planted id, so a finder that finds nothing cannot pass for a clean
project.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "safeguarding", "visits", "homevisits", "demo")
# A clause of either policy (POLICY_CLAUSES.md): hc01-hc25, mp01-mp03; any case.
CLAUSE_ID = re.compile(r"\b(?:hc|mp)\d{2}\b", re.IGNORECASE)

# Python files whose strings never reach a screen, and why.
NOT_SCREEN_TEXT = {
    # PostgreSQL's own refusals (RAISE EXCEPTION in the triggers): a write they refuse is a bug
    # the app's checks missed; the text goes to the log, the person sees the error page.
    "visits/db_rules.py": "the database's refusals, for the log",
}

TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->", re.DOTALL)
JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.DOTALL)


# --- the finders -------------------------------------------------------------------------------------


def _blank(match: re.Match) -> str:
    """A comment blanked out, its line breaks kept so that line numbers still point right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _lines_with_ids(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()[:140]) for n, line in enumerate(text.splitlines(), 1) if CLAUSE_ID.search(line)]


def ids_in_template(text: str) -> list[tuple[int, str]]:
    """(line, text) of each line of a template whose words outside comments name a clause."""
    return _lines_with_ids(TEMPLATE_COMMENT.sub(_blank, text))


def ids_in_javascript(text: str) -> list[tuple[int, str]]:
    """(line, text) of each line of a script whose code or strings, outside comments, name a clause."""
    return _lines_with_ids(JS_COMMENT.sub(_blank, text))


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that document (a module's, class's or function's docstring, and
    a bare string statement documenting the name above it): never shown to anyone."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.add(id(statement.value))
    return found


def ids_in_python(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string in `source` outside docstrings that names a clause: the words
    a label, a help text, a choice, a message or an error carries to a screen."""
    tree = ast.parse(source)
    documenting = _docstrings(tree)
    return sorted(
        (node.lineno, node.value.strip()[:140])
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in documenting
        and CLAUSE_ID.search(node.value)
    )


def _words_of_choices(choices) -> Iterator[str]:
    for value, label in choices or ():
        if isinstance(label, list | tuple):  # a named group of choices
            yield str(value)
            yield from _words_of_choices(label)
        else:
            yield str(label)


def words_of_field(field: forms.Field) -> Iterator[str]:
    """Everything a form field may put on a screen: its label, help text, choices and errors."""
    yield str(field.label or "")
    yield str(field.help_text or "")
    yield from (str(message) for message in (field.error_messages or {}).values())
    if isinstance(field, forms.ModelChoiceField):
        return  # its choices are rows of the database, typed by people
    yield from _words_of_choices(getattr(field, "choices", None))


def ids_in_form(form_class: type[forms.BaseForm]) -> list[str]:
    """'field: words' for each of the form's fields whose words name a clause."""
    return [
        f"{name}: {words[:120]}"
        for name, field in form_class.base_fields.items()
        for words in words_of_field(field)
        if CLAUSE_ID.search(words)
    ]


def ids_in_model(model) -> list[str]:
    """'field: words' for each of the model's fields whose verbose name, help text or choices
    name a clause (what a ModelForm, the admin or a `get_..._display` shows)."""
    found = []
    for field in model._meta.get_fields():
        if not hasattr(field, "verbose_name"):
            continue
        words = [str(field.verbose_name), str(getattr(field, "help_text", "") or "")]
        words += list(_words_of_choices(getattr(field, "choices", None)))
        found += [f"{field.name}: {w[:120]}" for w in words if CLAUSE_ID.search(w)]
    return found


# --- what the finders read -------------------------------------------------------------------------


def _templates() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*") if p.is_file() and p.suffix in {".html", ".txt"})


def _python_files() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def _scripts() -> list[Path]:
    return sorted(p for p in (ROOT / "static" / "js").rglob("*.js") if "vendor" not in p.parts)


def _project_modules() -> Iterator[object]:
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or info.name.endswith(("sgi", ".tests")):
                continue  # no screen words; the servers' entry points build an application
            yield importlib.import_module(info.name)


def _project_forms() -> list[type[forms.BaseForm]]:
    found = {}
    for module in _project_modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__.split(".")[0] in APPS:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _listed(found: dict[str, list]) -> str:
    """What was found, one line each ("where: words"), for the failure's message."""
    lines = [f"{where}:{line}: {words}" for where, hits in found.items() for line, words in hits]
    return "clause ids on screens:\n" + "\n".join(lines)


# --- the project has none ------------------------------------------------------------------------------


def test_no_template_shows_a_clause_id():
    # Act
    found = {_relative(p): ids_in_template(p.read_text()) for p in _templates()}

    # Assert
    assert not any(found.values()), _listed(found)


def test_no_string_of_the_project_shows_a_clause_id():
    # Act: labels, help texts, choices, messages, errors, e-mail words: every string but docstrings.
    found = {_relative(p): ids_in_python(p.read_text()) for p in _python_files() if _relative(p) not in NOT_SCREEN_TEXT}

    # Assert
    assert not any(found.values()), _listed(found)


def test_no_form_field_shows_a_clause_id():
    # Arrange
    form_classes = _project_forms()
    assert len(form_classes) >= 20, [f.__name__ for f in form_classes]

    # Act
    found = {f"{f.__module__}.{f.__qualname__}": list(enumerate(ids_in_form(f))) for f in form_classes}

    # Assert
    assert not any(found.values()), _listed(found)


def test_no_model_field_shows_a_clause_id():
    # Act
    found = {
        model._meta.label: list(enumerate(ids_in_model(model)))
        for model in apps.get_models()
        if model.__module__.split(".")[0] in APPS
    }

    # Assert
    assert not any(found.values()), _listed(found)


def test_no_script_shows_a_clause_id():
    # Act
    found = {_relative(p): ids_in_javascript(p.read_text()) for p in _scripts()}

    # Assert
    assert not any(found.values()), _listed(found)


def test_every_file_left_out_is_still_there():
    # Assert: a file renamed or removed takes its exception with it.
    assert all((ROOT / path).is_file() for path in NOT_SCREEN_TEXT)


# --- the finders find a planted id -------------------------------------------------------------------


def test_the_template_finder_finds_a_planted_id_and_not_one_in_a_comment():
    # Arrange
    text = (
        "{# hc01: the lead authorises #}\n"
        "<!-- hc02 -->\n"
        "{% comment %}\nmp01\n{% endcomment %}\n"
        "<label>Code word (HC11)</label>\n"
        "<p>Visits in pairs</p>\n"
    )

    # Act / Assert: the label's id, on its own line; not the comments'.
    assert ids_in_template(text) == [(6, "<label>Code word (HC11)</label>")]
    assert ids_in_template("{% if visit.is_evening %}Evening (hc13){% endif %}") == [
        (1, "{% if visit.is_evening %}Evening (hc13){% endif %}")
    ]
    assert ids_in_template("<p>Checked by a lead (not hc1, not 'school hc012')</p>") == []


def test_the_python_finder_finds_a_planted_id_and_not_one_in_a_docstring_or_comment():
    # Arrange
    source = '''"""Module docstring (hc01)."""
from django import forms
from django.core.exceptions import ValidationError

# hc02: a comment is not a string


class PlantedForm(forms.Form):
    """A form (hc03)."""

    pairs = forms.BooleanField(label="Visits in pairs required (hc06)")

    def clean(self):
        """Docstring (hc04)."""
        raise ValidationError(f"Too late: {self} (mp01)")
'''

    # Act
    found = ids_in_python(source)

    # Assert: the label and the error; no docstring, no comment.
    assert [line for line, _ in found] == [11, 15]
    assert "(hc06)" in found[0][1] and "(mp01)" in found[1][1]


def test_the_form_finder_finds_a_planted_id_in_a_label_help_text_choice_or_error():
    # Arrange
    class Planted(forms.Form):
        plain = forms.CharField(label="Purpose", help_text="What the visit should achieve.")
        label = forms.CharField(label="Code word (hc11)")
        helped = forms.CharField(help_text="The office is alerted if they are late (HC19).")
        chosen = forms.ChoiceField(choices=[("a", "Phone"), ("Group", [("b", "Letter (hc08)")])])
        erred = forms.CharField(error_messages={"required": "Name the SLT member (mp01)."})

    # Act
    found = ids_in_form(Planted)

    # Assert
    assert [entry.split(":")[0] for entry in found] == ["label", "helped", "chosen", "erred"]


def test_the_model_finder_finds_a_planted_id():
    # Arrange: a model's field with a clause in its help text, as Django builds it.
    from django.db import models

    from visits.models import Visit

    field = models.TextField(help_text="Required for a planned visit (hc05).")
    field.set_attributes_from_name("why")

    class Meta:
        get_fields = staticmethod(lambda: [*Visit._meta.get_fields()[:3], field])

    class Planted:
        _meta = Meta

    # Act / Assert
    assert ids_in_model(Planted) == ["why: Required for a planned visit (hc05)."]


def test_the_script_finder_finds_a_planted_id_and_not_one_in_a_comment():
    # Arrange
    script = "// hc01 in a comment\n/* hc02\n hc03 */\nconst url = 'https://example.org/x';\nshow('Waiting to send (hc14)');\n"

    # Act / Assert
    assert ids_in_javascript(script) == [(5, "show('Waiting to send (hc14)');")]


@pytest.mark.parametrize("word", ["hc01", "HC25", "mp03", "(hc13)", "hc06,"])
def test_the_clause_pattern_knows_every_form_of_an_id(word):
    assert CLAUSE_ID.search(word)


@pytest.mark.parametrize("word", ["HC 11", "school hc012", "mph01", "hc1", "charles01"])
def test_the_clause_pattern_leaves_other_words_alone(word):
    assert not CLAUSE_ID.search(word)
