"""The visitor's page in doorstep order (issue 16 item 6): the next step first, then, once
"Arrived" is logged, the copy for the home, the record and the parent's signature; what to know at
the door; the safety checklist (hc16) and the risk folded one tap away. "Parent signs" is never
offered before arrival (hc23: the parent signs at the visit); the rule is
`visits.tablet.doorstep_parts`, read by the template. No clause id on the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import Cast
from visits import access, lifecycle, tablet
from visits.enums import Status
from visits.models import Visit


def page_of(client, visit: Visit) -> str:
    response = client.get(reverse("visits:detail", args=[visit.code]))
    assert response.status_code == 200
    return response.content.decode()


def positions(html: str, *testids: str) -> list[int]:
    return [html.index(f'data-testid="{testid}"') for testid in testids]


@pytest.fixture
def under_way(cast: Cast) -> Visit:
    return cast.make_visit(Status.IN_PROGRESS)


def parts(cast: Cast, visit: Visit, user=None, has_record: bool = False):
    visit = Visit.objects.get(pk=visit.pk)
    return tablet.doorstep_parts(visit, access.VisitAccess(user or cast.visitor, visit), has_record)


def test_hc23_doorstep_parts_offer_nothing_of_the_doorstep_before_arrival(cast, under_way):
    before = parts(cast, under_way)

    assert (before.home_copy, before.record, before.signature, before.parent_signs) == (False, False, False, False)


def test_hc23_doorstep_parts_offer_the_copy_the_record_and_the_signature_once_arrived(cast, under_way):
    lifecycle.record_step(under_way, cast.visitor, "arrived")

    after = parts(cast, under_way)

    assert (after.home_copy, after.record, after.signature, after.parent_signs) == (True, True, True, True)


def test_doorstep_parts_show_a_record_already_written_and_are_for_visitors_only(cast, under_way):
    assert parts(cast, under_way, has_record=True).record is True
    assert parts(cast, under_way, user=cast.office) is None
    assert parts(cast, under_way, user=cast.lead) is None


def test_hc23_visitors_page_before_arrival_offers_no_signature_and_no_copy_for_the_home(cast, login, under_way):
    html = page_of(login(cast.visitor), under_way)

    assert reverse("visits:signature", args=[under_way.code]) not in html
    assert "Parent signs" not in html
    assert 'data-testid="home-copy"' not in html and 'data-testid="signature-card"' not in html
    # The next step (Arrived) comes before what to know at the door, and the folds after it.
    assert positions(html, "next-action", "steps", "doorstep", "fold-checklist", "fold-more") == sorted(
        positions(html, "next-action", "steps", "doorstep", "fold-checklist", "fold-more")
    )


def test_hc16_hc23_visitors_page_once_arrived_is_in_doorstep_order(cast, login, under_way):
    lifecycle.record_step(under_way, cast.visitor, "arrived")

    html = page_of(login(cast.visitor), under_way)

    order = [
        "next-action",
        "steps",
        "home-copy",
        "record-card",
        "signature-card",
        "doorstep",
        "fold-checklist",
        "fold-more",
    ]
    assert positions(html, *order) == sorted(positions(html, *order))
    assert reverse("visits:pdf_home_copy", args=[under_way.code]) in html
    # The checklist and the risk are one tap away: in closed <details> (they open without JavaScript).
    fold = re.search(r'<details class="tablet-fold mb-3" data-testid="fold-checklist"([^>]*)>', html).group(1)
    assert "open" not in fold
    assert html.index('data-testid="checklist"') > html.index('data-testid="fold-checklist"')


def test_hc16_checklist_is_open_before_setting_off(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    html = page_of(login(cast.visitor), visit)

    assert re.search(r'data-testid="fold-checklist" open>', html)


@pytest.mark.parametrize("status", [Status.AUTHORISED, Status.IN_PROGRESS])
def test_the_visit_page_names_no_policy_clause(cast, login, status):
    visit = cast.make_visit(status)
    if status == Status.IN_PROGRESS:
        lifecycle.record_step(visit, cast.visitor, "arrived")

    for user in (cast.visitor, cast.office, cast.lead):
        html = page_of(login(user), visit)
        text = re.sub(r"<[^>]+>", " ", html)
        assert re.findall(r"\((?:hc|mp)\d+\)", text) == [], user


def test_office_and_lead_keep_the_whole_page_open(cast, login, under_way):
    for user in (cast.office, cast.lead):
        html = page_of(login(user), under_way)

        assert 'data-testid="fold-more"' not in html and "Home Visit Form" in html
