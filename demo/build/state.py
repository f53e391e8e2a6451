"""What the builder knows as it goes: the clock it was started at, its random numbers, and the
rows made so far, by the names the plan uses (a school's slug, a username)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from demo import data
from visits.models import Household, School, User

from .clock import instant


@dataclass
class Demo:
    now: dt.datetime
    today: dt.date
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    schools: dict[str, School] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    households: dict[str, list[Household]] = field(default_factory=dict)

    @classmethod
    def starting_now(cls) -> Demo:
        return cls(now=timezone.now().replace(second=0, microsecond=0), today=timezone.localdate())

    def at(self, when: data.When) -> dt.datetime:
        return instant(when, now=self.now, today=self.today)

    def staff(self, school: str, post: str) -> User:
        """The school's `post` ("office", "lead", "visitor1"...) by its username."""
        return self.users[f"{post}.{SETTINGS[school].staff}"]


SETTINGS = {school.slug: school for school in data.SCHOOLS}
