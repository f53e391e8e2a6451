"""The security headers (issue 14): a strict Content-Security-Policy and a Permissions-Policy on
every page, and no template left that the policy would break.

The pages are the access matrix's (`tests/matrix/`): every GET route of the project, asked by the
first member of the cast who gets it (a 200), or by the first actor at all where the route only
redirects. The admin's pages are asked by a superuser. Each page's HTML is also read back: no tag
carries an on...= handler and no <script> carries code of its own, whatever the template, the
crispy form or the widget that wrote it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from homevisits.middleware import permissions_policy
from tests.factories import make_user
from tests.matrix import ACTORS
from tests.test_access_matrix import TABLE, build_visit, url_for

GET_ROUTES = sorted(name for name, route in TABLE.items() if route.method == "GET")
# The features no page may use, whatever else the policy allows (hc: children's data on screen).
DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "display-capture")

TAG = re.compile(r"<[a-zA-Z][^>]*>")
# An on...= attribute, also straight after a template tag (`{% if x %}onclick=`); not data-on...
HANDLER = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
JSON_TYPE = re.compile(r"""type\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    """`default-src 'self'; img-src 'self' data:` -> {"default-src": ["'self'"], "img-src": [...]}."""
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def header_faults(response) -> list[str]:
    """What is wrong with a response's CSP and Permissions-Policy headers (empty: nothing)."""
    faults = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    policy = directives(csp)
    script_src = policy.get("script-src", policy.get("default-src", []))
    if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        faults.append(f"script-src allows inline or eval: {script_src}")
    if "'unsafe-inline'" in policy.get("style-src", []):
        faults.append("style-src allows inline styles")
    for name, expected in {"frame-ancestors": ["'none'"], "object-src": ["'none'"], "base-uri": ["'none'"]}.items():
        if policy.get(name) != expected:
            faults.append(f"{name} is {policy.get(name)}")
    features = response.headers.get("Permissions-Policy", "")
    for feature in DENIED:
        if f"{feature}=()" not in features:
            faults.append(f"Permissions-Policy does not deny {feature}")
    return faults


def html_faults(response) -> list[str]:
    """Inline code in a page as the browser gets it: handlers, scripts with a body, javascript: URLs."""
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode()
    faults = [f"handler in {tag[:80]}" for tag in TAG.findall(html) if HANDLER.search(tag)]
    faults += [f"javascript: URL in {tag[:80]}" for tag in TAG.findall(html) if JS_URL.search(tag)]
    faults += [f"style= in {tag[:80]}" for tag in TAG.findall(html) if STYLE_ATTR.search(tag)]
    for attrs, body in SCRIPT.findall(html):
        if body.strip() and not JSON_TYPE.search(attrs):
            faults.append(f"inline script: {body.strip()[:80]}")
    if STYLE_BLOCK.search(html):
        faults.append("a <style> block")
    return faults


def first_actor(expect: dict[str, int | str]) -> str:
    """The first actor who gets the page itself; else the first actor at all (a redirect)."""
    return next((actor for actor in ACTORS if expect[actor] == 200), ACTORS[0])


# --- every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GET_ROUTES)
def test_csp_and_permissions_policy_on_every_page(name, cast, client, login):
    # Arrange
    route = TABLE[name]
    actor = first_actor(route.expect)
    visit = build_visit(cast, route) if route.visit else None
    if actor == "anonymous":
        client.logout()
    else:
        login(getattr(cast, actor))

    # Act
    response = client.get(url_for(name, route, visit, cast))

    # Assert: the page the matrix promises, with both headers and no inline code in it.
    expected = route.expect[actor]
    assert response.status_code == expected if isinstance(expected, int) else response.status_code in (301, 302)
    assert header_faults(response) == []
    assert html_faults(response) == []


def test_csp_pages_checked_cover_the_project():
    """The test above opens this many routes as a page (200), the rest as a redirect."""
    with_a_page = [name for name in GET_ROUTES if 200 in TABLE[name].expect.values()]

    assert len(GET_ROUTES) >= 60
    assert len(with_a_page) >= 50


def test_csp_on_the_admin_for_a_superuser(cast, login):
    # Arrange: the trust's IT person, and every model page the admin offers them.
    client = login(make_user("it.person", None, is_staff=True, is_superuser=True))
    urls = ["/admin/"] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]

    # Act
    responses = {url: client.get(url) for url in urls}

    # Assert: each page answers (the admin may refuse a page, never fail), with both headers.
    assert {url: r.status_code for url, r in responses.items() if r.status_code not in (200, 302, 403)} == {}
    assert {url: header_faults(r) for url, r in responses.items() if header_faults(r)} == {}
    assert {url: html_faults(r) for url, r in responses.items() if html_faults(r)} == {}


def test_csp_on_the_sign_in_page_and_a_refusal(client):
    # Act
    sign_in = client.get(reverse("login"))
    refused = client.get(reverse("visits:today"))

    # Assert
    assert sign_in.status_code == 200 and header_faults(sign_in) == []
    assert refused.status_code == 302 and header_faults(refused) == []


# --- the policy as configured -----------------------------------------------------------------------


def test_csp_policy_is_the_strict_one(client):
    policy = directives(client.get(reverse("login"))["Content-Security-Policy"])

    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }


def test_permissions_policy_allows_only_what_the_app_uses(client):
    # Act
    header = client.get(reverse("login"))["Permissions-Policy"]
    features = dict(item.split("=", 1) for item in header.split(", "))

    # Assert: the clipboard (copying the CPOMS summary), passkeys and the board's beep, for us only.
    assert {name: value for name, value in features.items() if value != "()"} == {
        "autoplay": "(self)",
        "clipboard-write": "(self)",
        "publickey-credentials-create": "(self)",
        "publickey-credentials-get": "(self)",
    }
    assert set(DENIED) <= set(features)


def test_permissions_policy_header_format():
    assert permissions_policy({"camera": [], "clipboard-write": ["self"]}) == "camera=(), clipboard-write=(self)"


def test_permissions_policy_is_not_replaced_when_a_view_set_its_own(rf):
    # Arrange
    from django.http import HttpResponse

    from homevisits.middleware import PermissionsPolicyMiddleware

    def view(request):
        response = HttpResponse()
        response["Permissions-Policy"] = "camera=(self)"
        return response

    # Act
    response = PermissionsPolicyMiddleware(view)(rf.get("/"))

    # Assert
    assert response["Permissions-Policy"] == "camera=(self)"


# --- the templates themselves -------------------------------------------------------------------------


def template_files() -> list[Path]:
    """Every template of the project: templates/ and each of our apps' templates/ folders."""
    base = Path(settings.BASE_DIR)
    folders = [Path(d) for entry in settings.TEMPLATES for d in entry["DIRS"]]
    # Our apps only: Django's and the packages' sit in .venv (the admin's are checked as pages).
    folders += [Path(c.path) / "templates" for c in apps.get_app_configs() if Path(c.path).parent == base]
    return sorted({path for folder in folders if folder.is_dir() for path in folder.rglob("*.html")})


# Rendered by WeasyPrint or read in a mail client, never under the page's CSP: they may keep
# their own <style> (they still may not carry scripts or handlers).
NOT_IN_A_BROWSER = ("pdf", "emails")


def template_faults(path: Path) -> list[str]:
    text = path.read_text()
    tags = TAG.findall(text)
    faults = [f"handler in {tag[:80]}" for tag in tags if HANDLER.search(tag)]
    faults += ["javascript: URL" for _ in JS_URL.finditer(text)]
    for attrs, body in SCRIPT.findall(text):
        if body.strip() and not JSON_TYPE.search(attrs):
            faults.append(f"inline script: {body.strip()[:60]}")
    in_browser = not set(path.parts) & set(NOT_IN_A_BROWSER)
    if in_browser and STYLE_BLOCK.search(text):
        faults.append("a <style> block")
    if in_browser and any(STYLE_ATTR.search(tag) for tag in tags):
        faults.append("a style= attribute")
    return faults


def test_no_template_has_inline_script_handler_or_javascript_url():
    # Arrange
    files = template_files()

    # Act
    faults = {str(path.relative_to(settings.BASE_DIR)): template_faults(path) for path in files}

    # Assert
    assert len(files) > 90
    assert {path: found for path, found in faults.items() if found} == {}


def test_template_scan_catches_each_kind_of_inline_code(tmp_path):
    # Arrange: one template of each kind the scan must refuse, and one it must let through.
    samples = {
        "handler.html": "<form onsubmit=\"return confirm('Sure?')\">",
        "upper.html": '<button type="button" ONCLICK="go()">',
        "script.html": "<script>\n  alert(1);\n</script>",
        "url.html": '<a href="javascript:void(0)">',
        "style.html": '<div style="height: 1rem">',
    }
    for name, text in samples.items():
        (tmp_path / name).write_text(text)
    allowed = tmp_path / "allowed.html"
    allowed.write_text(
        '<script src="/static/js/page.js"></script>\n'
        '<script id="data" type="application/json">{"a": 1}</script>\n'
        '<form data-confirm="Sure?"><select data-autosubmit></select></form>\n'
        "<p>Come on. One=two.</p>"
    )

    # Act
    found = {name: bool(template_faults(tmp_path / name)) for name in samples}
    clean = template_faults(allowed)

    # Assert
    assert found == dict.fromkeys(samples, True)
    assert clean == []
