"""One visit from the office's side, in a real browser, on a controlled clock (hc01, hc19).

The office books a visit through the form; the lead authorises it; the visitor sets off; then the
clock moves past the expected end plus the school's grace, and the office sees that visit turn
overdue on the day board and works the escalation ladder: rang the mobile (no answer), police
called with a reference. The live server runs in this process, so time-machine moves its clock.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import User, Visit, VisitEvent

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def _pk(username: str) -> int:
    return User.objects.get(username=username).pk


def _as(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username, DEMO_PASSWORD)


def test_hc19_office_books_a_visit_then_sees_it_overdue_and_logs_the_escalation(page: Page, demo: str, screenshots):
    # Arrange: tomorrow, early, before any of the demo's visits for these visitors.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    morning = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(7, 30)))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    # Today's demo visits end: the office takes their leaving calls (hc14: nobody sets off on the
    # next visit while still on the road at the last one).
    office = User.objects.get(username="office.holycross")
    for open_visit in Visit.objects.filter(status=Status.IN_PROGRESS, left_at__isnull=True):
        lifecycle.record_step(
            open_visit, office if open_visit.school.slug == "holy-cross" else open_visit.lead_visitor, "left"
        )

    with time_machine.travel(morning, tick=True) as clock:
        page.clock.set_system_time(morning)  # the page's clock moves with the server's
        # Act 1: the office books it (08:15-08:45) and sends it to the lead.
        _as(page, demo, "office.holycross")
        page.get_by_role("link", name="Book a visit").click()
        page.get_by_label("Family name, pupil's name or postcode").fill("Okafor")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Okafor family").click()
        page.locator("select[name=lead_visitor]").select_option(value=str(_pk("visitor1.holycross")))
        page.locator("select[name=second_visitor]").select_option(value=str(_pk("visitor2.holycross")))
        page.locator("select[name=contact]").select_option(index=1)
        page.locator("input[name=pupils]").first.check()
        page.get_by_label("Attendance issues or concerns").check()
        page.locator("textarea[name=purpose]").fill("Agree an attendance plan.")
        page.locator("textarea[name=why_not_in_school]").fill("Parent works shifts.")
        page.locator("input[name=visit_date]").fill(tomorrow.strftime("%d/%m/%Y"))
        page.locator("input[name=start_time]").fill("08:15")
        page.locator("input[name=end_time]").fill("08:45")
        page.locator("input[name=code_word]").fill("heronsgate")
        page.get_by_role("button", name="Send to the safeguarding lead").click()
        expect(page.get_by_role("status").first).to_contain_text("Sent to the safeguarding lead")
        visit = Visit.objects.get(household__name="Okafor family", scheduled_start__date=tomorrow)
        assert visit.status == Status.REQUESTED
        visit_url = f"{demo}/visits/{visit.code}/"
        # hc09: the office reviews the household's risk assessment for this visit.
        page.goto(f"{visit_url}risk/")
        page.get_by_role("button", name="Reviewed: no change").click()
        expect(page.get_by_role("status").first).to_be_visible()

        # Act 2: the visitor cannot set off yet (hc01); the lead authorises; the visitor sets off.
        _as(page, demo, "visitor1.holycross")
        page.goto(visit_url)
        expect(page.get_by_test_id("start-refusal")).to_contain_text("Waiting for the safeguarding lead")
        expect(page.get_by_role("button", name="Set off now")).to_have_count(0)
        _as(page, demo, "lead.holycross")
        page.goto(visit_url)
        page.get_by_role("button", name="Authorise").click()
        expect(page.get_by_role("status").first).to_contain_text("visit authorised")
        clock.move_to(morning + dt.timedelta(minutes=40))  # 08:10
        page.clock.set_system_time(morning + dt.timedelta(minutes=40))
        _as(page, demo, "visitor1.holycross")
        page.goto(visit_url)
        page.get_by_role("button", name="Set off now").click()
        expect(page.get_by_role("status").first).to_contain_text("Set off logged")

        # Act 3: 09:05, twenty minutes past the expected end, nobody has left the property.
        clock.move_to(morning + dt.timedelta(minutes=95))
        page.clock.set_system_time(morning + dt.timedelta(minutes=95))
        _as(page, demo, "office.holycross")
        page.goto(f"{demo}/visits/board/")
        row = page.locator(f"#row-{visit.code}")
        expect(row).to_contain_text("OVERDUE")
        expect(row).to_have_class(re.compile(r"\bboard-alarm\b"))
        page.screenshot(path=str(screenshots / "journey-board-overdue.png"), full_page=True)
        row.get_by_role("button", name="Rang: no answer").click()
        expect(page.locator(f"#row-{visit.code}")).to_contain_text("No answer")
        page.locator(f"#row-{visit.code}").get_by_role("link", name="Police script & steps").click()
        page.get_by_label("2. Police called: their reference").fill("GMP 7731")
        page.get_by_role("button", name="Police called").click()
        expect(page.get_by_test_id("alarm-steps")).to_contain_text("Police reference: GMP 7731")

    # Assert: every step is on the visit's timeline, in order, with who did it.
    steps = list(
        VisitEvent.objects.filter(visit=visit)
        .exclude(kind__in=[EventKind.CREATED, EventKind.OVERDUE])
        .order_by("at", "id")
        .values_list("kind", "actor__username")
    )
    assert steps == [
        (EventKind.REQUESTED, "office.holycross"),
        (EventKind.RISK_REVIEWED, "office.holycross"),
        (EventKind.AUTHORISED, "lead.holycross"),
        (EventKind.SET_OFF, "visitor1.holycross"),
        (EventKind.RANG_MOBILE, "office.holycross"),
        (EventKind.POLICE_CALLED, "office.holycross"),
    ]
    assert any("NO ANSWER" in message for message in dialogs)
