"""The authorisation queue: emergencies first, then by date; pages follow on (hc03)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from visits.enums import VisitType


def test_hc03_queue_lists_emergencies_first_then_by_date(cast, login):
    soon = timezone.now() + dt.timedelta(days=1)
    later_planned = cast.make_visit("requested", start=soon + dt.timedelta(days=2))
    early_planned = cast.make_visit("requested", start=soon)
    emergency = cast.make_visit(
        "requested", start=soon + dt.timedelta(days=5), visit_type=VisitType.EMERGENCY, why_not_in_school=""
    )
    response = login(cast.lead).get(reverse("safeguarding:queue"))
    assert [v.pk for v in response.context["page"].rows] == [emergency.pk, early_planned.pk, later_planned.pk]


def test_queue_second_page_follows_on_without_overlap(cast, login):
    start = timezone.now() + dt.timedelta(days=1)
    made = [cast.make_visit("requested", start=start + dt.timedelta(hours=i)) for i in range(27)]
    client = login(cast.lead)
    first = client.get(reverse("safeguarding:queue"))
    page = first.context["page"]
    assert len(page.rows) == 25 and page.next_cursor
    second = client.get(reverse("safeguarding:queue"), {"after": page.next_cursor})
    assert second.status_code == 200
    seen = [v.pk for v in page.rows] + [v.pk for v in second.context["page"].rows]
    assert seen == [v.pk for v in made]


def test_queue_refuses_office_and_visitors(cast, login):
    for user in (cast.office, cast.visitor, cast.head, cast.trust_admin):
        assert login(user).get(reverse("safeguarding:queue")).status_code == 404
