"""The demo (`make run`): every state, an overdue visit, the documented logins."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from demo import data
from demo.build.clock import school_day
from demo.build.reports import history_households
from demo.data import DEMO_PASSWORD, DEMO_USERNAMES
from tests.clock import london
from visits.enums import Status
from visits.models import ParentSignature, Pupil, RecordDraft, School, User, Visit, VisitRecord

DOCUMENTED_LOGINS = [
    "office.holycross",
    "lead.holycross",
    "deputy.holycross",
    "visitor1.holycross",
    "visitor2.holycross",
    "head.holycross",
    "governor.holycross",
    "office.mount",
    "lead.mount",
    "visitor1.mount",
    "visitor2.mount",
    "head.mount",
    "governor.mount",
    "admin.trust",
]


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=None)


def test_seed_demo_refuses_with_debug_off(db):
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not School.objects.exists()


def test_seed_demo_builds_both_schools_with_their_policy_settings(demo):
    holy = School.objects.get(name="Holy Cross Catholic Primary School")
    mount = School.objects.get(name="Mount Primary School")
    assert (holy.pairs_required, holy.slt_discussion_required) == (True, False)
    assert (mount.pairs_required, mount.slt_discussion_required) == (False, True)
    assert 35 <= Pupil.objects.count() <= 45


def test_seed_demo_has_visits_in_every_state_in_both_schools(demo):
    for school in School.objects.all():
        states = set(Visit.objects.filter(school=school).values_list("status", flat=True))
        assert states == set(Status.values), school


def test_seed_demo_has_an_overdue_visit_on_the_road(demo):
    on_road = Visit.objects.filter(status=Status.IN_PROGRESS).select_related("school")
    assert any(v.is_overdue(timezone.now()) for v in on_road)
    assert any(not v.is_overdue(timezone.now()) for v in on_road)


def test_seed_demo_every_started_visit_is_authorised_hc01(demo):
    started = Visit.objects.filter(status__in=Status.started())
    assert started.exists()
    assert not started.filter(authorised_at__isnull=True).exists()


def test_seed_demo_hc23_completed_visits_are_signed_or_say_why_not(demo):
    completed = Visit.objects.filter(status=Status.COMPLETED, record__conducted=True)
    signatures = ParentSignature.objects.filter(visit__in=completed)
    assert signatures.count() == completed.count()
    drawn = signatures.exclude(image=None)
    assert drawn.exists() and signatures.exclude(declined_reason="").exists()
    for signature in drawn:
        assert bytes(signature.image).startswith(b"\x89PNG") and signature.width == 600
    assert not VisitRecord.objects.filter(visit__in=completed, agreed_with_family="").exists()


def test_seed_demo_hc15_has_a_visit_not_conducted_and_a_record_draft_under_way(demo):
    not_conducted = VisitRecord.objects.get(conducted=False)
    assert not_conducted.visit.status == Status.COMPLETED
    assert not_conducted.adult_authority == "none"
    assert RecordDraft.objects.filter(visit__status=Status.IN_PROGRESS).exists()


def test_seed_demo_documented_logins_exist_and_sign_in(demo, client):
    assert sorted(DEMO_USERNAMES) == sorted(DOCUMENTED_LOGINS)
    for username in DOCUMENTED_LOGINS:
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert response["Location"] == reverse("home")
        client.post(reverse("logout"))
    assert User.objects.get(username="admin.trust").is_superuser


def test_seed_demo_if_empty_is_idempotent(demo):
    visits = Visit.objects.count()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--if-empty")
        with pytest.raises(CommandError, match="already built"):
            call_command("seed_demo")
    assert Visit.objects.count() == visits


@pytest.mark.django_db
def test_demo_logins_prints_every_demo_login_for_make_run(capsys):
    # Arrange
    import io

    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()

    # Act
    with override_settings(DEBUG=True):
        call_command("demo_logins", stdout=out)

    # Assert
    printed = out.getvalue() + capsys.readouterr().out
    assert DEMO_PASSWORD in printed
    assert all(username in printed for username in DEMO_USERNAMES)


def test_seed_demo_keeps_its_emails_and_their_log_lines_out_of_make_run(db, caplog):
    # Act
    with override_settings(DEBUG=True), caplog.at_level("INFO", logger="visits.notify"):
        call_command("seed_demo", stdout=None)

    # Assert
    assert not [r for r in caplog.records if r.name == "visits.notify"]


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 8101, "http://127.0.0.1:8101/"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000/"),  # noqa: S104 - a string compared, nothing bound
        ("homevisits.local", 8080, "http://homevisits.local:8080/"),
        ("::1", 8000, "http://[::1]:8000/"),
    ],
)
def test_demo_logins_prints_the_address_make_run_serves_on(db, host, port, address):
    # Arrange: `make run HOST=... PORT=...` passes both on.
    out = io.StringIO()

    # Act
    with override_settings(DEBUG=True):
        call_command("demo_logins", "--host", host, "--port", str(port), stdout=out)

    # Assert
    assert f"Home Visits demo: {address}" in out.getvalue()


# --- dated visits on school days, in school hours, whatever the hour it is built -----------------------

# The demo's visits per state, both schools together (as many as before it counted school days).
STATES = {
    Status.DRAFT: 2,
    Status.REQUESTED: 5,
    Status.SENT_BACK: 2,
    Status.AUTHORISED: 3,
    Status.DECLINED: 2,
    Status.CANCELLED: 2,
    Status.IN_PROGRESS: 3,
    Status.COMPLETED: 7,
}
# Retention's three old visits of a former pupil (demo/build/retention.py): two completed (one in
# the review queue, one on legal hold) and a cancelled request since erased.
STATES[Status.COMPLETED] += 2
STATES[Status.CANCELLED] += 1


def _out_of_school_hours() -> list[str]:
    """Every visit not under way whose start is at a weekend or outside 08:00-18:00 London time."""
    dated = Visit.objects.exclude(status=Status.IN_PROGRESS).select_related("school")
    return [
        f"{visit.school.slug} {visit.status} {local:%a %d %b %H:%M}"
        for visit in dated
        if (local := timezone.localtime(visit.scheduled_start)).weekday() >= 5
        or not dt.time(8) <= local.time() <= dt.time(18)
    ]


def _states() -> dict[str, int]:
    """The plan's visits by state (the reports' history of the last weeks left out: issue 17)."""
    history = [h for school in School.objects.all() for h in history_households(school)]
    plan = Visit.objects.exclude(household__in=history)
    return {status: plan.filter(status=status).count() for status in Status.values}


@pytest.mark.clock(london(2026, 11, 15, 3, 23))  # a Sunday, before dawn
def test_seed_demo_built_on_a_sunday_night_dates_visits_on_school_days_in_school_hours(demo):
    # Assert
    assert _out_of_school_hours() == []
    assert _states() == STATES


@pytest.mark.clock(london(2026, 11, 16, 11, 0))  # a Monday: the last school day is a Friday
def test_seed_demo_built_on_a_weekday_morning_dates_visits_on_school_days_in_school_hours(demo):
    # Assert
    assert _out_of_school_hours() == []
    assert _states() == STATES


@pytest.mark.clock(london(2026, 11, 15, 3, 23))
def test_seed_demo_visits_under_way_stay_at_the_real_hour_for_the_board(demo):
    # Assert: the board shows who is out at this moment, even at 03:23 on a Sunday.
    on_road = Visit.objects.filter(status=Status.IN_PROGRESS)
    assert on_road.count() == STATES[Status.IN_PROGRESS]
    assert all(timezone.now() - dt.timedelta(hours=3) < v.scheduled_start < timezone.now() for v in on_road)


def test_demo_plan_has_every_state_in_both_schools():
    # Act
    states = {school.slug: {p.status for p in data.PLAN if p.school == school.slug} for school in data.SCHOOLS}

    # Assert
    assert states == {school.slug: set(Status.values) for school in data.SCHOOLS}


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (dt.date(2026, 11, 11), 0, dt.date(2026, 11, 11)),  # a Wednesday: today
        (dt.date(2026, 11, 11), 3, dt.date(2026, 11, 16)),  # the Monday after
        (dt.date(2026, 11, 11), -3, dt.date(2026, 11, 6)),  # the Friday before
        (dt.date(2026, 11, 14), 0, dt.date(2026, 11, 16)),  # a Saturday: the next Monday
        (dt.date(2026, 11, 15), 1, dt.date(2026, 11, 17)),  # a Sunday: the Tuesday
        (dt.date(2026, 11, 15), -1, dt.date(2026, 11, 13)),  # a Sunday: the Friday before
        (dt.date(2026, 11, 16), -1, dt.date(2026, 11, 13)),  # a Monday: the Friday before
        (dt.date(2026, 11, 16), -15, dt.date(2026, 10, 26)),  # three weeks of school days
    ],
)
def test_demo_school_day_counts_monday_to_friday(today, days, expected):
    # Assert
    assert school_day(today, days) == expected
