"""Accessibility in a real browser (issue 16): every page each demo role reaches passes axe-core's
WCAG 2.2 A and AA rules at three sizes, shows no clause id, and the main forms work from the
keyboard.

The crawl signs in as each role of the demo through the real form and the second factor, starts
from the role's home page and follows the same-origin links it finds, as a person would (GET only:
never sign-out, a file download, a PDF, a CSV or the diary feed). To keep the run within a few
minutes each URL pattern (the resolved view name) is checked once per role; the visit's own page
once per state of the visit, as it differs most by that; the person's own pages (profile, password,
second factor, diary feeds) once for all roles. Each page is loaded once and checked at 768x1024
(the school tablet upright), 1280x800 (the office's desk) and 390x844 (a phone, for visiting
staff), the viewport resized between runs.

axe-core is vendored under tests/e2e/vendor/axe-core/ (see its README.md). It is put into the page
with `page.evaluate` of the file's text: that runs through the browser's debugging protocol, which
the page's Content-Security-Policy does not govern, so the policy the server sends stays as it is
(`add_script_tag` would add an inline script, which the policy rightly refuses).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from visits.enums import Status
from visits.models import Household, Visit

from .conftest import new_context
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {
    "768x1024": {"width": 768, "height": 1024},
    "1280x800": {"width": 1280, "height": 800},
    "390x844": {"width": 390, "height": 844},
}
# One of each role the demo has: office, lead, deputy, visitor, head, governor and the trust's admin.
ROLES = [
    "office.holycross",
    "lead.holycross",
    "deputy.holycross",
    "visitor1.holycross",
    "head.holycross",
    "governor.holycross",
    "admin.trust",
]
# Not pages a person reads in the browser, or not a GET a person makes by following a link: PDFs,
# CSV, the diary feed (.ics), the signature's image, the JSON and htmx fragments, signing out.
NOT_A_PAGE = re.compile(
    r"(^|:)(pdf_\w+|feed|audit_export|signature_image|concern_alert|board_rows|record_draft|logout)$"
)
NOT_A_FILE = re.compile(r"\.(pdf|csv|ics|png|jpe?g|svg|zip|json)$", re.I)
# A clause id of the policies (hc01.., mp01..): the README and the tests name them, screens never.
CLAUSE_ID = re.compile(r"\b(hc|mp)\d\d\b", re.I)

# Beyond the WCAG tags, axe's rules on landmarks and headings (tagged "best-practice" only): a
# screen reader's user moves through a page by them, and issue 16 found buttons outside any
# landmark and headings that skip a level.
STRUCTURE_RULES = [
    "region",
    "heading-order",
    "empty-heading",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-complementary-is-top-level",
]

RUN_AXE = """async ([tags, extra]) => {
  const rules = axe.getRules(tags).map(r => r.ruleId).concat(extra);
  const result = await axe.run(document, {runOnly: {type: "rule", values: rules}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact,
    targets: v.nodes.map(n => n.target.join(" ") + (n.any.length ? " | " + n.any[0].message : "")),
  }));
}"""
LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
  .filter(a => !a.hasAttribute("download") && !a.getAttribute("href").startsWith("#"))
  .map(a => a.href)"""
# The pages checked once per state of the visit, and what tells the states apart (VARIANT: the
# status badge's class).
BY_STATE = {"visits:detail"}
# A query naming what the page is about makes another page: the booking form for a household
# (`/visits/new/?household=...`) is not the household search at `/visits/new/`.
QUERY_KEYS = ("household",)
# The person's own pages, the same for every role but for the menu: checked for the first role only.
SAME_FOR_ALL = {
    "accounts:profile",
    "password_change",
    "accounts:second_factor_recovery",
    "accounts:second_factor_setup",
    "safeguarding:feeds",
}
# Pages checked once, but each one opened for its links: a household's page is the only way to its
# older visits (sent back, declined, cancelled), whose pages differ.
FOLLOW_EACH = {"visits:household"}
VARIANT = """() => { const b = document.querySelector(".status-badge"); return b ? b.className : ""; }"""


@dataclass
class Crawl:
    """What the crawl of one role found."""

    role: str
    violations: list[str] = field(default_factory=list)
    clause_ids: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    loads: int = 0
    axe_runs: int = 0


def pattern_of(url: str) -> tuple[str, bool] | None:
    """The view name of a URL (with the query keys that make it another page) and whether it is
    checked once per state of the visit (the visit's own page), or None when it is not a page of
    the app to check."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    name = match.view_name
    if NOT_A_PAGE.search(name) or name.startswith("admin:") or NOT_A_FILE.search(parts.path):
        return None
    asked = "".join(f"?{key}" for key in QUERY_KEYS if f"{key}=" in parts.query)
    return name + asked, name in BY_STATE


def run_axe(page: Page, where: str, size: str) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    found = page.evaluate(RUN_AXE, [TAGS, STRUCTURE_RULES])
    return [f"{v['rule']} ({v['impact']}) at {size} on {where}: {target}" for v in found for target in v["targets"]]


def check_page(page: Page, crawl: Crawl, where: str) -> None:
    """Axe at each size, and the visible text free of clause ids."""
    text = page.evaluate("document.body.innerText")
    for found in sorted({m.group(0) for m in CLAUSE_ID.finditer(text)}):
        crawl.clause_ids.append(f"{found} on {where}")
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        crawl.violations += run_axe(page, where, size)
        crawl.axe_runs += 1
    page.set_viewport_size(SIZES["1280x800"])


def crawl_role(
    page: Page, base: str, role: str, shared: set, *, also: tuple = (), log: Callable[[str], None] = lambda _: None
) -> Crawl:
    """Sign in as `role`, then follow every same-origin link from its home page, checking each
    URL pattern (and each state of a visit's page) once; `shared` holds the patterns checked for
    every role at once (SAME_FOR_ALL), and grows; `also` adds paths a button's POST leads to."""
    crawl = Crawl(role)
    sign_in(page, base, role, DEMO_PASSWORD)
    queue = [page.url, *(base + path for path in also)]
    queued = set(queue)
    checked: set[tuple[str, str]] = set()
    origin = urlsplit(base).netloc

    def seen(key: tuple[str, str]) -> bool:
        return key in checked or key in shared

    while queue:
        url = queue.pop(0)
        pattern = pattern_of(url)
        if pattern is None or (not pattern[1] and seen((pattern[0], "")) and pattern[0] not in FOLLOW_EACH):
            continue
        response = page.goto(url)
        crawl.loads += 1
        if response is None or response.status != 200:
            crawl.broken.append(f"{response and response.status} from {url}")
            continue
        pattern = pattern_of(page.url)  # where a redirect landed
        if pattern is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        name, by_state = pattern
        key = (name, page.evaluate(VARIANT) if by_state else "")
        if not seen(key):
            (shared if name in SAME_FOR_ALL else checked).add(key)
            where = f"{name} {urlsplit(page.url).path}" + (f" [{key[1].split()[-1]}]" if key[1] else "")
            crawl.pages.append(where)
            log(f"{role}: {where}")
            check_page(page, crawl, where)
        elif name not in FOLLOW_EACH:
            continue
        for link in page.evaluate(LINKS):
            link = urldefrag(link).url
            if urlsplit(link).netloc == origin and link not in queued:
                queued.add(link)
                queue.append(link)
    return crawl


def after_a_button(role: str) -> tuple[str, ...]:
    """Pages a person reaches by a button (a POST's answer) or a link shown later, not a link the
    demo shows: the visitor's "Call 999" screen after "Immediate danger", and the record's own page
    ("Change the record", once one is sent)."""
    if role != "visitor1.holycross":
        return ()
    on_the_road = Visit.objects.filter(status=Status.IN_PROGRESS, lead_visitor__username=role).first()
    return tuple(reverse(name, args=[on_the_road.code]) for name in ("safeguarding:urgent_999", "visits:record"))


def test_every_page_of_every_role_passes_axe_at_three_sizes(browser, demo: str):
    # Arrange
    started = time.monotonic()
    crawls: list[Crawl] = []
    shared: set = set()

    # Act: each role in a browser of its own.
    for role in ROLES:
        context = new_context(browser, viewport=SIZES["1280x800"])
        try:
            crawls.append(crawl_role(context.new_page(), demo, role, shared, also=after_a_button(role)))
        finally:
            context.close()
    took = time.monotonic() - started

    # Assert: enough was walked, nothing found (every violation listed, by rule, target, page, size).
    pages = sum(len(c.pages) for c in crawls)
    print(
        f"axe: {pages} pages, {sum(c.loads for c in crawls)} loads, {sum(c.axe_runs for c in crawls)} runs, {took:.0f} s"
    )
    assert pages >= 40, [c.pages for c in crawls]
    problems = [f"{c.role}: {v}" for c in crawls for v in c.violations]
    problems += [f"{c.role}: clause id {v}" for c in crawls for v in c.clause_ids]
    problems += [f"{c.role}: link to {v}" for c in crawls for v in c.broken]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


# Pages no signed-in crawl reaches: before signing in, between the password and the code, after
# signing out, and the answers to a wrong address or a control character in one.
OUTSIDE = {
    "login": ("/accounts/login/", 200),
    "password_reset": ("/accounts/password/reset/", 200),
    "password_reset_done": ("/accounts/password/reset/sent/", 200),
    "signed_out": ("/accounts/signed-out/", 200),
    "not_found": ("/no-such-page/", 404),
    "bad_input": ("/accounts/login/?next=%01", 400),
}


def test_pages_outside_the_crawl_pass_axe(demo: str, desk: Page):
    # Arrange
    crawl = Crawl("anonymous")
    answered: dict[str, int | None] = {}

    # Act: each page signed out, then the second factor's page on the way in.
    for name, (path, _) in OUTSIDE.items():
        response = desk.goto(demo + path)
        answered[name] = response and response.status
        check_page(desk, crawl, name)
    desk.goto(demo + "/accounts/login/")
    desk.get_by_label("Username").fill("lead.holycross")
    desk.get_by_label("Password").fill(DEMO_PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(re.compile(r"/accounts/two-factor/"))
    check_page(desk, crawl, "second_factor")

    # Assert
    assert answered == {name: status for name, (_, status) in OUTSIDE.items()}
    problems = crawl.violations + [f"clause id {v}" for v in crawl.clause_ids]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


# --- the keyboard -------------------------------------------------------------------------------

FOCUSABLE = """(form) => {
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden"; };
  const seen = new Set();
  return Array.from(form.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]"))
    .filter(el => !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && visible(el))
    .filter(el => { if (el.type !== "radio") return true;
      const key = el.form ? el.name : el.name + "@";  // Tab stops once in a group of radios
      if (seen.has(key)) return false; seen.add(key); return true; })
    .map(el => el.id || el.name || el.textContent.trim().slice(0, 40));
}"""
FOCUSED = """() => {
  const el = document.activeElement; const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  return {key: el.id || el.name || el.textContent.trim().slice(0, 40), x: r.left + scrollX, y: r.top + scrollY,
          w: r.width, indicator: outline || s.boxShadow !== "none", tag: el.tagName};
}"""

POSITIVE_TABINDEX = """(form) => Array.from(form.querySelectorAll("[tabindex]"))
  .filter(el => el.tabIndex > 0).map(el => [el.id || el.name, el.tabIndex])"""


def tab_through(page: Page, form_selector: str) -> tuple[list[str], list[str], list[str]]:
    """Tab from just before the form through as many stops as it has: the keys of the elements
    focused in turn, the keys expected (the form's focusable elements in the page's order, a group
    of radios once), and the problems met (no visible focus indicator: neither an outline nor a
    box-shadow; an order that jumps back up the page; a positive tabindex)."""
    form = page.locator(form_selector).first
    expected = form.evaluate(FOCUSABLE)
    form.evaluate(
        "f => { const m = document.createElement('span'); m.tabIndex = -1; m.id = 'kbd-start'; f.before(m); }"
    )
    page.locator("#kbd-start").focus()
    keys: list[str] = []
    # A positive tabindex takes an element out of the page's order (it is visited before all else).
    problems = [f"tabindex={i} on {key!r}" for key, i in form.evaluate(POSITIVE_TABINDEX)]
    previous = None
    for _ in range(len(expected)):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        keys.append(now["key"])
        if not now["indicator"]:
            problems.append(f"no visible focus on {now['tag']} {now['key']!r}")
        # Down the page, or across into a column to the right; never back up within a column.
        if previous and now["y"] < previous["y"] - 8 and now["x"] <= previous["x"] + previous["w"] / 2:
            problems.append(f"focus jumps back up from {previous['key']!r} to {now['key']!r}")
        previous = now
    return keys, expected, problems


def form_page(form: str) -> tuple[str, str, str]:
    """(who, the page's path, the form on it) for one of the main forms, from the demo's data; a
    form shown by a button is opened by pressing it (RISK_OPENER)."""
    school = {"school__slug": "holy-cross"}
    if form == "booking":
        household = Household.objects.filter(**school).order_by("name").first()
        return "office.holycross", f"{reverse('visits:new')}?household={household.code}", "form.booking-form"
    if form == "record":
        visit = Visit.objects.filter(
            status=Status.IN_PROGRESS, lead_visitor__username="visitor1.holycross", **school
        ).first()
        return "visitor1.holycross", reverse("visits:record", args=[visit.code]), "form#record-form"
    visit = Visit.objects.filter(status=Status.REQUESTED, **school).first()
    if form == "decision":
        return "lead.holycross", reverse("safeguarding:decide", args=[visit.code]), "form#decision-form"
    return "lead.holycross", reverse("safeguarding:risk_review", args=[visit.code]), "form[action$='/risk/update/']"


RISK_OPENER = re.compile("Something has changed")


@pytest.fixture
def desk(browser):
    """A browser at the office's desk size, closed before the live server's database is emptied
    (ask for it after `demo`): the lead's page polls for concerns."""
    context = new_context(browser, viewport=SIZES["1280x800"])
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("form", ["booking", "record", "decision", "risk"])
def test_main_forms_work_from_the_keyboard(demo: str, desk: Page, form: str):
    # Arrange
    role, path, selector = form_page(form)
    sign_in(desk, demo, role, DEMO_PASSWORD)
    desk.goto(demo + path)
    opener = desk.get_by_role("button", name=RISK_OPENER)
    if opener.count():
        opener.focus()
        desk.keyboard.press("Enter")
    expect(desk.locator(selector).first).to_be_visible()

    # Act
    keys, expected, problems = tab_through(desk, selector)

    # Assert: Tab visits every field in the order of the page, each showing where the focus is.
    assert len(expected) >= 2, expected
    assert keys == expected
    assert problems == []
