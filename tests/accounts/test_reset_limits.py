"""Password-reset requests are limited per account and per address, and answered alike (issue 14,
item 3): six requests in a row used to send six emails. `accounts/reset.py`."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import reset
from accounts.models import ResetRequest

KNOWN = "office.hc@example.org"  # the cast's office (tests/factories.py)
UNKNOWN = "nobody@example.org"


def ask(client, email: str, address: str = "203.0.113.5"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.fixture
def rendered():
    """The names of the templates rendered, in order (the page's and the email's)."""
    names: list[str] = []

    def note(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(note)
    yield names
    template_rendered.disconnect(note)


def test_six_requests_in_a_row_send_at_most_the_limit(cast, client):
    # Act
    answers = [ask(client, KNOWN) for _ in range(6)]

    # Assert: three emails, six identical answers.
    assert reset.PER_ACCOUNT == 3
    assert len(mail.outbox) == 3
    assert all(m.to == [KNOWN] for m in mail.outbox)
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("password_reset_done"))}


def test_the_account_limit_holds_across_addresses(cast, client):
    # Act: one account asked for from five client addresses.
    for n in range(5):
        ask(client, KNOWN, address=f"198.51.100.{n + 1}")

    # Assert
    assert len(mail.outbox) == reset.PER_ACCOUNT


def test_the_address_limit_holds_across_accounts(cast, client):
    # Arrange: ten requests from one address, for ten addresses nobody has.
    for n in range(reset.PER_ADDRESS):
        ask(client, f"guess{n}@example.org")

    # Act: then a real one, from the same address, and from another.
    ask(client, KNOWN)
    from_there = len(mail.outbox)
    ask(client, KNOWN, address="198.51.100.9")

    # Assert
    assert from_there == 0
    assert len(mail.outbox) == 1


def test_requests_over_a_limit_do_not_keep_the_real_person_waiting_longer(cast, client, pinned_clock):
    # Arrange: three let through, then an attacker keeps asking for 50 minutes.
    for _ in range(3):
        ask(client, KNOWN)
    for _ in range(5):
        pinned_clock.shift(dt.timedelta(minutes=10))
        ask(client, KNOWN, address="198.51.100.66")
    mail.outbox.clear()

    # Act: an hour after the three, the person asks again.
    pinned_clock.shift(dt.timedelta(minutes=11))
    ask(client, KNOWN, address="198.51.100.7")

    # Assert
    assert len(mail.outbox) == 1


def test_the_limits_clear_after_an_hour(cast, client, pinned_clock):
    # Arrange
    for _ in range(4):
        ask(client, KNOWN)
    mail.outbox.clear()

    # Act
    pinned_clock.shift(reset.WINDOW + dt.timedelta(seconds=1))
    ask(client, KNOWN)

    # Assert
    assert len(mail.outbox) == 1


def _without_tokens(html: str) -> str:
    """The page less what differs on every page served (the masked CSRF token, a CSP nonce)."""
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", html)
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)
    return re.sub(r'(nonce=")[^"]+', r"\1", html)


def test_known_unknown_and_limited_requests_get_the_same_answer_and_page(cast, client):
    # Arrange: the account's limit used up.
    for _ in range(reset.PER_ACCOUNT):
        ask(client, KNOWN, address="198.51.100.1")

    # Act
    answers = {
        "known": ask(client, "head.hc@example.org", address="198.51.100.2"),
        "unknown": ask(client, UNKNOWN, address="198.51.100.3"),
        "limited": ask(client, KNOWN, address="198.51.100.4"),
    }
    pages = {name: _without_tokens(client.get(a["Location"]).content.decode()) for name, a in answers.items()}

    # Assert
    assert {(a.status_code, a["Location"]) for a in answers.values()} == {(302, reverse("password_reset_done"))}
    assert pages["known"] == pages["unknown"] == pages["limited"]


def test_known_unknown_and_limited_requests_do_the_same_work(cast, client, rendered):
    # Arrange
    for _ in range(reset.PER_ACCOUNT):
        ask(client, KNOWN, address="198.51.100.1")
    runs = {}

    # Act: what each renders, and the queries each makes.
    for name, email, address in [
        ("known", "head.hc@example.org", "198.51.100.2"),
        ("unknown", UNKNOWN, "198.51.100.3"),
        ("limited", KNOWN, "198.51.100.4"),
    ]:
        rendered.clear()
        with CaptureQueriesContext(connection) as queries:
            ask(client, email, address)
        runs[name] = (list(rendered), len(queries))

    # Assert: the email's templates rendered in each case, the same number of queries.
    assert runs["known"] == runs["unknown"] == runs["limited"]
    assert "registration/password_reset_email.html" in runs["known"][0]


def test_the_email_is_sent_beside_the_answer_with_a_mail_server(settings):
    # Arrange
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    started = threading.Event()
    caller = threading.current_thread()
    ran_in = []

    def job():
        ran_in.append(threading.current_thread())
        started.set()

    # Act
    reset.in_background(job)

    # Assert
    assert started.wait(5)
    assert ran_in[0] is not caller


def test_the_table_keeps_no_typed_address_and_forgets_after_a_day(cast, client, pinned_clock):
    # Arrange
    ask(client, UNKNOWN)
    pinned_clock.shift(reset.KEEP + dt.timedelta(minutes=1))

    # Act
    ask(client, KNOWN)

    # Assert: one row (the day-old one is gone), holding a hash, not the address.
    rows = list(ResetRequest.objects.values("account_key", "ip_address", "let_through"))
    assert rows == [{"account_key": reset.account_key(KNOWN), "ip_address": "203.0.113.5", "let_through": True}]
    assert "example.org" not in rows[0]["account_key"]
    assert reset.account_key(" Office.HC@Example.org ") == reset.account_key(KNOWN)


def test_the_reset_link_still_sets_a_new_password(cast, client):
    # Arrange
    ask(client, KNOWN)
    link = mail.outbox[0].body.split("(the link works once):")[1].split()[0]

    # Act
    form_url = client.get(link)["Location"]
    done = client.post(
        form_url, {"new_password1": "lantern-orchard-quietly-41", "new_password2": "lantern-orchard-quietly-41"}
    )

    # Assert
    assert done.status_code == 302
    cast.office.refresh_from_db()
    assert cast.office.check_password("lantern-orchard-quietly-41")


def test_a_control_character_in_the_address_is_a_form_error(db, client):
    # Act
    response = client.post(reverse("password_reset"), {"email": "a\x00b@example.org"})

    # Assert
    assert response.status_code == 200
    assert ResetRequest.objects.count() == 0
