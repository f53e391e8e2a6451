"""The Content-Security-Policy in a real browser (issue 14): every page of every role, walked in
Chromium under the policy the server sends, reports no violation.

A violation is what the browser says: a `securitypolicyviolation` event (an init script keeps
them in `window.__cspViolations` and hands each to the test as it happens, so none is lost when
the page moves on) and a console message naming the Content Security Policy. Any one fails the
test with the page, the directive and what was blocked.

The pages are the access matrix's (tests/matrix/), each opened by the first member of the cast
who may see it, signed in through the real form and the second factor; then the behaviour that
moved out of inline handlers into static/js/page.js is used: the code word's confirm() on the
visit page (cancelled, then accepted), a step's confirmation on the tablet, the board's refresh.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, Cast, make_cast, make_user
from tests.matrix import ACTORS
from tests.test_access_matrix import TABLE, build_visit, url_for
from visits.enums import EventKind, Status
from visits.models import VisitEvent

from .conftest import new_context, open_tablet
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var found = [location.pathname, event.effectiveDirective, event.blockedURI || "inline",
               (event.sourceFile || "") + ":" + event.lineNumber, event.sample || ""].join(" | ");
  window.__cspViolations.push(found);
  if (window.__reportCspViolation) window.__reportCspViolation(found);
});
"""
# Not pages a browser shows: PDFs, the diary feed and the audit trail's CSV download, the alert poll
# answers JSON.
NOT_A_PAGE = re.compile(
    r":(pdf_|json_|feed$|concern_alert$|board_rows$|signature_image$|audit_export$|\w+_csv$|\w+_pdf$)"
)


class Watched:
    """A page under watch: every CSP violation and every console line about the policy."""

    def __init__(self, page: Page):
        self.page = page
        self.found: list[str] = []
        page.context.expose_function("__reportCspViolation", self._report)
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _report(self, violation: str) -> None:
        if violation not in self.found:
            self.found.append(violation)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.found.append(f"{self.page.url} | console | {message.text}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        self.page.wait_for_load_state("load")
        self.check()

    def check(self) -> None:
        """What this page has gathered so far must be nothing, here as well as in the log."""
        in_page = self.page.evaluate("window.__cspViolations || []")
        self.found.extend(v for v in in_page if v not in self.found)


def watched(page: Page) -> Watched:
    return Watched(page)


def pages_by_actor(cast: Cast, base: str) -> dict[str, list[str]]:
    """Every HTML page of the access matrix, under the first actor who gets it (a 200)."""
    by_actor: dict[str, list[str]] = defaultdict(list)
    for name, route in sorted(TABLE.items()):
        if route.method != "GET" or NOT_A_PAGE.search(name):
            continue
        actor = next((a for a in ACTORS if route.expect[a] == 200), None)
        if actor is None:
            continue
        visit = build_visit(cast, route) if route.visit else None
        by_actor[actor].append(base + url_for(name, route, visit, cast))
    return by_actor


def test_csp_no_violation_on_any_page_of_any_role(browser, server: str):
    # Arrange: the cast, and every page the matrix knows, by who opens it.
    cast = make_cast()
    by_actor = pages_by_actor(cast, server)
    found: list[str] = []
    opened = 0

    # Act: each actor in a browser of their own, signed in through the form.
    for actor, urls in by_actor.items():
        context = new_context(browser)
        watch = watched(context.new_page())
        if actor != "anonymous":
            sign_in(watch.page, server, getattr(cast, actor).username, PASSWORD)
            watch.check()
        for url in urls:
            watch.open(url)
            opened += 1
        found += watch.found
        context.close()

    # Assert
    assert opened >= 50
    assert found == [], "\n".join(found)


def test_csp_the_admin_works_for_the_it_person(browser, server: str):
    # Arrange: the trust's IT person, with no role at any school.
    it_person = make_user("it.person", None, is_staff=True, is_superuser=True)
    context = new_context(browser)
    watch = watched(context.new_page())

    # Act: the admin's own sign-in page; then signed in (with the second factor), its index and
    # each list it offers.
    watch.open(f"{server}{reverse('admin:login')}")
    sign_in(watch.page, server, it_person.username, PASSWORD)
    watch.check()
    watch.open(f"{server}/admin/")
    landed = watch.page.url
    lists = watch.page.locator("#content-main a[href$='/']").evaluate_all(
        "links => links.map(a => a.href).filter(h => !h.endsWith('/add/'))"
    )
    for url in sorted(set(lists)):
        watch.open(url)
    context.close()

    # Assert
    assert landed == f"{server}/admin/"
    assert len(set(lists)) >= 3, lists
    assert watch.found == [], "\n".join(watch.found)


def test_csp_moved_handlers_still_work(browser, server: str):
    # Arrange: a visit on the road today, seen by the office (the alarm controls) and its visitor.
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    office_context = new_context(browser)
    office = watched(office_context.new_page())
    sign_in(office.page, server, cast.office.username, PASSWORD)
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog) -> None:
        asked.append(dialog.message)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    office.page.on("dialog", on_dialog)

    # Act: "Code word used" on the visit page, cancelled: nothing is raised.
    office.open(f"{server}{reverse('visits:detail', args=[visit.code])}")
    office.page.get_by_test_id("visit-safety").get_by_role("button", name="Code word used").click()
    office.page.wait_for_timeout(300)
    raised_after_cancel = VisitEvent.objects.filter(visit=visit, kind=EventKind.CODE_WORD_USED).count()
    # ... then accepted: the alarm is raised and the police script shown.
    answer["accept"] = True
    office.page.get_by_test_id("visit-safety").get_by_role("button", name="Code word used").click()
    expect(office.page.get_by_role("heading", level=1)).to_have_text("☎ Call 999 now")
    office.check()
    # The board, its rows swapped in again by htmx when its 20 s timer fires.
    office.open(f"{server}{reverse('visits:board')}")
    with office.page.expect_response(re.compile(r"/board/rows/")):
        office.page.clock.run_for(21_000)
    office.page.wait_for_timeout(300)
    office.check()

    # Act: the visitor's tablet, a step's confirmation opened and closed ("Not yet").
    tablet = watched(open_tablet(browser))
    sign_in(tablet.page, server, cast.visitor.username, PASSWORD)
    tablet.open(f"{server}{reverse('visits:detail', args=[visit.code])}")
    step = tablet.page.get_by_test_id("step-arrived")
    step.locator("summary").tap()
    expect(tablet.page.get_by_role("button", name="Yes, we have arrived")).to_be_visible()
    step.get_by_role("button", name="Not yet").tap()
    expect(tablet.page.get_by_role("button", name="Yes, we have arrived")).to_be_hidden()
    tablet.check()
    tablet.page.context.close()
    office_context.close()

    # Assert
    assert asked == [asked[0]] * 2 and "CODE WORD" in asked[0]
    assert raised_after_cancel == 0
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.CODE_WORD_USED).count() == 1
    assert office.found + tablet.found == [], "\n".join(office.found + tablet.found)


def test_csp_watch_reports_an_inline_script(browser, server: str):
    """The watch itself: an inline script put into a page is refused and reported."""
    # Arrange
    context = new_context(browser)
    watch = watched(context.new_page())
    watch.open(f"{server}{reverse('login')}")

    # Act
    watch.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    watch.page.wait_for_timeout(200)
    watch.check()
    ran = watch.page.evaluate("window.ran === 1")
    context.close()

    # Assert
    assert ran is False
    assert any("script-src" in violation for violation in watch.found)
