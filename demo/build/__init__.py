"""Build the demo of `demo.data`: the trust, its schools and staff, the families, THE PLAN of
visits, then the risk assessments, concerns, incidents and CPOMS entries.

Every row is made through the services (`visits.lifecycle`, `safeguarding.risk`,
`safeguarding.concerns`), as real users would make it, with the clock set to the moment each step
would have happened (`clock.clock`), so that timelines read true.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings

from demo import data
from visits.models import Trust

from .disclosure import seed_disclosure
from .people import make_people_and_places
from .reports import seed_history, seed_terms
from .retention import seed_retention
from .safeguarding import seed_concerns, seed_cpoms, seed_incidents, seed_risk
from .state import Demo
from .visits import make_visits


def is_built() -> bool:
    return Trust.objects.filter(slug=data.TRUST.slug).exists()


def build() -> Demo:
    """The whole demo, at the current time, in one transaction."""
    demo = Demo.starting_now()
    with quietly(), transaction.atomic():
        make_people_and_places(demo)
        make_visits(demo)
        seed_risk(demo)
        seed_concerns(demo)
        seed_incidents(demo)
        seed_cpoms(demo)
        seed_terms(demo)
        seed_history(demo)
        seed_disclosure(demo)
        seed_retention(demo)
    return demo


@contextmanager
def quietly():
    """The demo's own emails (requests, decisions) would only flood the console: keep them in
    memory, and keep their "sent" log lines out of `make run`'s output too."""
    notify_log = logging.getLogger("visits.notify")
    level = notify_log.level
    notify_log.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        notify_log.setLevel(level)
