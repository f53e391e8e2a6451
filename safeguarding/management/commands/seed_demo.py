"""Build the demo: a trust with two schools, their staff, ~40 pupils and visits in every state.

Every visit is made through `visits.lifecycle` (as real users would), with the clock set to
the moment each step would have happened, so timelines read true. Refuses to run with DEBUG
off: the demo's well-known passwords must never reach a real installation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import math
import random
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from safeguarding import risk
from visits import lifecycle
from visits.enums import AdultAuthority, AppointmentMethod, NotInformedException, Reason, Role, Status, VisitType
from visits.models import Contact, Household, Membership, Pupil, School, Trust, User, Visit
from visits.signature import CleanSignature, clean_png

DEMO_PASSWORD = "homevisits-demo"  # noqa: S105 - documented demo login, DEBUG only

# username, first, last, job title, roles, mobile, description (hc18)
STAFF = {
    "holy-cross": [
        ("office.holycross", "Joanne", "Whitworth", "School business manager", [Role.OFFICE], "07700 900101", ""),
        ("lead.holycross", "Marina", "Kelly", "Designated safeguarding lead", [Role.LEAD], "07700 900102", ""),
        ("deputy.holycross", "Daniel", "Okoro", "Deputy safeguarding lead", [Role.DEPUTY_LEAD], "07700 900103", ""),
        (
            "visitor1.holycross",
            "Siobhan",
            "Byrne",
            "Family support worker",
            [Role.VISITOR],
            "07700 900104",
            "Woman, 40s, short red hair, navy coat, school ID badge in a wallet",
        ),
        (
            "visitor2.holycross",
            "Imran",
            "Hussain",
            "Attendance officer",
            [Role.VISITOR],
            "07700 900105",
            "Man, 30s, tall, black beard, grey school fleece",
        ),
        ("head.holycross", "Catherine", "Doyle", "Head teacher", [Role.HEAD], "07700 900106", ""),
    ],
    "mount-primary": [
        ("office.mount", "Beverley", "Marsh", "Office manager", [Role.OFFICE], "07700 900201", ""),
        ("lead.mount", "Kate", "Yates", "Designated safeguarding lead", [Role.LEAD], "07700 900202", ""),
        (
            "visitor1.mount",
            "Aisha",
            "Rahman",
            "Family wellbeing worker",
            [Role.VISITOR],
            "07700 900203",
            "Woman, 30s, green headscarf, red lanyard-free ID card",
        ),
        (
            "visitor2.mount",
            "Tom",
            "Fletcher",
            "Reception teacher",
            [Role.VISITOR],
            "07700 900204",
            "Man, 20s, glasses, blue Mount Primary jumper",
        ),
        ("head.mount", "Richard", "Bell", "Head teacher", [Role.HEAD], "07700 900205", ""),
    ],
}
DEMO_USERNAMES = [row[0] for rows in STAFF.values() for row in rows] + ["admin.trust"]

SURNAMES = [
    "Okafor",
    "Walsh",
    "Patel",
    "Nowak",
    "Hughes",
    "Begum",
    "Kowalski",
    "Murphy",
    "Ahmed",
    "Thompson",
    "Clarke",
    "Mensah",
    "O'Brien",
    "Singh",
    "Evans",
    "Popescu",
    "Ali",
    "Robinson",
    "Campbell",
    "Khan",
    "Lewis",
    "Adeyemi",
    "Jones",
    "Costa",
    "Taylor",
]
CHILD_NAMES = [
    "Oliver",
    "Amelia",
    "Noah",
    "Isla",
    "Zainab",
    "Leo",
    "Maya",
    "Jacob",
    "Freya",
    "Yusuf",
    "Ruby",
    "Theo",
    "Hana",
    "Alfie",
    "Ivy",
    "Kacper",
    "Grace",
    "Ibrahim",
    "Poppy",
    "Arlo",
    "Aaliyah",
    "Finn",
    "Lily",
    "Musa",
    "Evie",
    "Oscar",
    "Sofia",
    "Harrison",
    "Amara",
    "Reggie",
    "Niamh",
    "Ezra",
    "Mia",
    "Hamza",
    "Rosie",
    "Jude",
    "Layla",
    "Callum",
    "Ava",
    "Tobias",
    "Nia",
    "Ellis",
]
ADULT_NAMES = [
    "Chloe",
    "Adebayo",
    "Sarah",
    "Piotr",
    "Gemma",
    "Fatima",
    "Lee",
    "Roisin",
    "Nadia",
    "Craig",
    "Joy",
    "Mark",
]
STREETS = {
    "holy-cross": [
        ("Larkhill Road", "Bolton", "BL1"),
        ("Chorley New Road", "Bolton", "BL1"),
        ("Deane Road", "Bolton", "BL3"),
        ("Moss Bank Way", "Bolton", "BL1"),
        ("Tonge Moor Road", "Bolton", "BL2"),
    ],
    "mount-primary": [
        ("Mount Street", "Stockport", "SK1"),
        ("Hall Street", "Stockport", "SK1"),
        ("Dialstone Lane", "Stockport", "SK2"),
        ("Cherry Tree Lane", "Stockport", "SK2"),
        ("Adswood Road", "Stockport", "SK3"),
    ],
}
YEAR_GROUPS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]


@contextmanager
def clock(at: dt.datetime):
    """Let the lifecycle stamp its steps at `at` (the moment the step would have happened)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def demo_signature(rng: random.Random) -> CleanSignature:
    """A believable drawn signature: a loop and a flourish, as the tablet's pad would send it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    x, y, points = 40.0, 120.0, []
    for step in range(60):
        x += 8 + rng.random() * 2
        y = 110 + 45 * math.sin(step / 3.5 + rng.random() * 0.3) * (1 - step / 90)
        points.append((x, y))
    pen.line(points, fill=(10, 20, 60, 255), width=4, joint="curve")
    pen.line([(60, 160), (x, 150)], fill=(10, 20, 60, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return clean_png(out.getvalue())


class Command(BaseCommand):
    help = "Build the demo trust, schools, staff, households, pupils and visits in every state (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the demo has already been built.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo logins must never reach a real installation."
            )
        if Trust.objects.filter(slug="holy-cross-mac").exists():
            if options["if_empty"]:
                self.stdout.write("The demo is already built.")
                return
            raise CommandError(
                "The demo is already built. Delete var/demo.sqlite3 (or the database) to build it again."
            )
        self.rng = random.Random(2026)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.today = timezone.localdate()
        # The demo's own emails (requests, decisions) would only flood the console: keep them in
        # memory, and keep their "sent" log lines out of `make run`'s output too.
        notify_log = logging.getLogger("visits.notify")
        level = notify_log.level
        notify_log.setLevel(logging.WARNING)
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                transaction.atomic(),
            ):
                self.build()
        finally:
            notify_log.setLevel(level)
        counts = ", ".join(
            f"{Status(s).label.lower()}: {Visit.objects.filter(status=s).count()}" for s in Status.values
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo built: {Pupil.objects.count()} pupils, {Visit.objects.count()} visits ({counts})."
            )
        )

    # --- people and places ----------------------------------------------------------------------

    def build(self) -> None:
        trust = Trust.objects.create(name="Holy Cross Catholic Multi Academy Company", slug="holy-cross-mac")
        self.holy = School.objects.create(
            trust=trust,
            name="Holy Cross Catholic Primary School",
            slug="holy-cross",
            phone="01204 496 000",
            email="office@holycross.example.org",
            address="Larkhill Road, Bolton BL1 4AA",
            pairs_required=True,
            evening_cutoff=dt.time(17, 0),
            overdue_grace_minutes=15,
            slt_discussion_required=False,
        )
        self.mount = School.objects.create(
            trust=trust,
            name="Mount Primary School",
            slug="mount-primary",
            phone="0161 496 0500",
            email="office@mount.example.org",
            address="Mount Street, Stockport SK1 3PQ",
            # Mount: pairs "if possible" (outside agency allowed); always discussed with SLT (mp01).
            pairs_required=False,
            evening_cutoff=dt.time(17, 0),
            overdue_grace_minutes=15,
            slt_discussion_required=True,
        )
        self.users: dict[str, User] = {}
        for school in (self.holy, self.mount):
            for username, first, last, title, roles, mobile, description in STAFF[school.slug]:
                user = User.objects.create_user(
                    username=username,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@example.org",
                    job_title=title,
                    mobile=mobile,
                    description=description,
                )
                for role in roles:
                    Membership.objects.create(user=user, school=school, role=role)
                self.users[username] = user
        admin = User.objects.create_user(
            username="admin.trust",
            password=DEMO_PASSWORD,
            first_name="Gareth",
            last_name="Price",
            email="admin.trust@example.org",
            job_title="Trust IT and data manager",
            is_staff=True,
            is_superuser=True,
        )
        for school in (self.holy, self.mount):
            Membership.objects.create(user=admin, school=school, role=Role.TRUST_ADMIN)
        self.households = {
            self.holy.pk: self.make_households(self.holy, 14),
            self.mount.pk: self.make_households(self.mount, 12),
        }
        self.make_visits()
        self.seed_risk()
        self.seed_concerns()
        self.seed_cpoms()

    def make_households(self, school: School, count: int) -> list[Household]:
        households = []
        for i in range(count):
            surname = SURNAMES[(i * 3 + (0 if school == self.holy else 1)) % len(SURNAMES)]
            street, town, district = STREETS[school.slug][i % 5]
            household = Household.objects.create(
                school=school,
                name=f"{surname} family",
                address_line1=f"{self.rng.randint(2, 180)} {street}",
                town=town,
                postcode=f"{district} {self.rng.randint(1, 9)}{self.rng.choice('ABDEFGHJLNPQRSTUWXY')}{self.rng.choice('ABDEFGHJLNPQRSTUWXY')}",
                known_risks=self.rng.choice(
                    [
                        "",
                        "",
                        "",
                        "Large dog (kept in the garden when visitors are expected).",
                        "Steep steps to the door.",
                    ]
                ),
            )
            first_adult = ADULT_NAMES[(i + len(households)) % len(ADULT_NAMES)]
            Contact.objects.create(
                household=household,
                first_name=first_adult,
                last_name=surname,
                relationship=self.rng.choice(["Mother", "Father"]),
                parental_responsibility=True,
                mobile=f"07700 9{self.rng.randint(10000, 99999)}"[:12],
                phone=f"0161 496 {self.rng.randint(1000, 9999)}",
            )
            if i % 3 == 0:
                Contact.objects.create(
                    household=household,
                    first_name=self.rng.choice(ADULT_NAMES),
                    last_name=self.rng.choice(SURNAMES),
                    relationship="Grandparent",
                    parental_responsibility=False,
                    may_discuss_pupil=i % 2 == 0,
                    phone=f"0161 496 {self.rng.randint(1000, 9999)}",
                )
            for _ in range(1 if i % 2 else 2):
                n = Pupil.objects.count()
                year = YEAR_GROUPS[self.rng.randrange(len(YEAR_GROUPS))]
                age = 4 + YEAR_GROUPS.index(year)
                Pupil.objects.create(
                    school=school,
                    household=household,
                    first_name=CHILD_NAMES[n % len(CHILD_NAMES)],
                    last_name=surname,
                    date_of_birth=dt.date(self.today.year - age - 1, self.rng.randint(9, 12), self.rng.randint(1, 28)),
                    year_group=year,
                    mis_id=f"{'HC' if school == self.holy else 'MP'}{1000 + n}",
                )
            households.append(household)
        return households

    # --- visits ---------------------------------------------------------------------------------

    def at(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        day = self.today + dt.timedelta(days=days)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def request(
        self,
        school: School,
        index: int,
        start: dt.datetime,
        *,
        minutes: int = 60,
        reasons=(Reason.ATTENDANCE,),
        second: bool = True,
        agency: bool = False,
        emergency: bool = False,
        requester: str = "",
        **extra,
    ) -> Visit:
        prefix = "holycross" if school == self.holy else "mount"
        household = self.households[school.pk][index]
        contact = household.contacts.first()
        lead, other = self.users[f"visitor1.{prefix}"], self.users[f"visitor2.{prefix}"]
        fields = {
            "visit_type": VisitType.EMERGENCY if emergency else VisitType.PLANNED,
            "reason_detail": extra.pop("detail", ""),
            "purpose": extra.pop("purpose", "Meet the family at home and agree how school can help."),
            "why_not_in_school": ""
            if emergency
            else extra.pop("why", "Parent works shifts and cannot come into school in the day."),
            "family_informed": not emergency,
            "not_informed_exception": NotInformedException.EMERGENCY_SAFEGUARDING if emergency else "",
            "appointment_method": AppointmentMethod.NONE if emergency else AppointmentMethod.PHONE,
            "person_visited": str(contact),
            "contact": contact,
            "address_line1": household.address_line1,
            "town": household.town,
            "postcode": household.postcode,
            "scheduled_start": start,
            "expected_end": start + dt.timedelta(minutes=minutes),
            "people_to_see": f"{contact} and the child",
            "briefing": extra.pop(
                "briefing", "Friendly family; mum prefers the front room. Check the dog is in the garden."
            ),
            "lead_visitor": lead,
            "lead_visitor_role": lead.job_title,
            "code_word": self.rng.choice(
                ["bluebell", "marmalade", "lighthouse", "tangerine", "woodpecker", "snowdrop"]
            ),
            "slt_consulted": self.users["head.mount"] if school == self.mount else None,
        }
        if agency:
            fields.update(
                agency_worker_name="Lorraine Pike",
                agency_worker_organisation="Stockport Family Early Help",
                agency_worker_phone="0161 496 0777",
                second_visitor_role="Early help practitioner",
            )
        elif second:
            fields.update(second_visitor=other, second_visitor_role=other.job_title)
        else:
            fields["lone_visit_reason"] = extra.pop(
                "lone", "Family has said two visitors feel like an inspection (two staff may escalate)."
            )
        fields.update(extra)
        actor = self.users[requester or f"office.{prefix}"]
        with clock(min(start - dt.timedelta(days=2, hours=3), self.now - dt.timedelta(hours=3))):
            return lifecycle.create_request(
                actor, school, household, fields, pupils=list(household.pupils.all()), reasons=list(reasons)
            )

    def review_risk(self, visit: Visit, when: dt.datetime, actor: str) -> None:
        """hc09: the household's assessment reviewed for the visit; the first from the template."""
        with clock(when):
            if risk.current_assessment(visit.household) is None:
                rows = [dataclasses.asdict(h) for h in risk.template_for(visit.school)]
                risk.review_for_visit(visit, self.users[actor], rows, "First assessment, from the school's template.")
            else:
                risk.review_for_visit(visit, self.users[actor])

    def move(self, visit: Visit, when: dt.datetime, actor: str, action: str, **kwargs) -> None:
        with clock(when):
            if action in lifecycle.STEPS:
                lifecycle.record_step(visit, self.users[actor], action)
            elif action == "record":
                lifecycle.write_record(visit, self.users[actor], kwargs)
            else:
                lifecycle.transition(visit, self.users[actor], action, **kwargs)

    def sign(self, visit: Visit, when: dt.datetime, actor: str, declined: str = "") -> None:
        """hc23: the parent signs on the tablet (a drawn line, cleaned as a real one is), or declines."""
        with clock(when):
            if declined:
                lifecycle.record_signature(
                    visit, self.users[actor], signer_name=visit.person_visited, declined_reason=declined
                )
            else:
                lifecycle.record_signature(
                    visit, self.users[actor], signer_name=visit.person_visited, image=demo_signature(self.rng)
                )

    def drive(
        self,
        visit: Visit,
        status: str,
        prefix: str,
        *,
        outcome: str = "",
        note: str = "",
        conditions: str = "",
        agreed: str = "",
        declined_to_sign: str = "",
        not_conducted: str = "",
        draft: bool = False,
    ) -> Visit:
        """Take a draft to `status` along the normal path, each step at a believable time."""
        start = visit.scheduled_start
        requested = min(start - dt.timedelta(days=1, hours=20), self.now - dt.timedelta(hours=2))
        decided = min(requested + dt.timedelta(hours=2), self.now - dt.timedelta(hours=1))
        office, lead, visitor = f"office.{prefix}", f"lead.{prefix}", f"visitor1.{prefix}"
        requester = visit.requested_by.username
        if status == Status.DRAFT:
            return visit
        # hc09: the requester reviews the household's risk assessment before sending the request.
        self.review_risk(visit, requested - dt.timedelta(minutes=30), requester)
        self.move(visit, requested, requester, "submit")
        if status == Status.REQUESTED:
            return visit
        if status in (Status.SENT_BACK, Status.DECLINED):
            self.move(visit, decided, lead, "send_back" if status == Status.SENT_BACK else "decline", note=note)
            return visit
        self.move(
            visit, decided, lead, "authorise", conditions=conditions, approve_lone_working=True, confirm_evening=True
        )
        if status == Status.AUTHORISED:
            return visit
        if status == Status.CANCELLED:
            self.move(visit, decided + dt.timedelta(hours=1), office, "cancel", note=note)
            return visit
        self.move(visit, start - dt.timedelta(minutes=15), visitor, "start")
        arrived = start + dt.timedelta(minutes=3)
        if arrived < self.now:
            self.move(visit, arrived, visitor, "arrived")
        if status == Status.IN_PROGRESS:
            if draft and arrived < self.now:
                # What the visitor has typed so far, kept on the server (issue 5).
                with clock(arrived + dt.timedelta(minutes=2)):
                    lifecycle.save_draft(
                        visit,
                        self.users[visitor],
                        {
                            "adult_spoken_to": visit.person_visited,
                            "adult_relationship": "Parent",
                            "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY,
                            "people_seen": f"{visit.person_visited} and the child",
                        },
                    )
            return visit
        if not_conducted:
            # hc15: nobody with parental responsibility at home; the visitors did not go in.
            with clock(arrived + dt.timedelta(minutes=4)):
                lifecycle.end_not_conducted(visit, self.users[visitor], child_seen=False, note=not_conducted)
            self.move(visit, arrived + dt.timedelta(minutes=30), visitor, "back")
            return visit
        end = visit.expected_end - dt.timedelta(minutes=5)
        self.sign(visit, end - dt.timedelta(minutes=2), visitor, declined=declined_to_sign)
        self.move(visit, end, visitor, "left")
        self.move(
            visit,
            end + dt.timedelta(minutes=20),
            visitor,
            "record",
            adult_spoken_to=visit.person_visited,
            adult_relationship="Parent",
            adult_authority=AdultAuthority.PARENTAL_RESPONSIBILITY,
            people_seen=f"{visit.person_visited} and the child",
            child_seen=True,
            outcome=outcome or "Family engaged well; plan agreed.",
            action_required="Attendance review in two weeks.",
            child_protection_concern=False,
            follow_up_wanted=False,
            agreed_with_family=agreed or "School will ring on Monday morning to see how the week has started.",
            notes="",
        )
        self.move(visit, end + dt.timedelta(minutes=25), office, "back")
        self.move(visit, end + dt.timedelta(minutes=30), visitor, "complete")
        return visit

    def make_visits(self) -> None:
        hc, mp = self.holy, self.mount
        now = self.now
        # Holy Cross: every state, today's board busy.
        plan = [
            (
                hc,
                0,
                self.at(-21, 10),
                Status.COMPLETED,
                {"reasons": (Reason.REFUSING_SCHOOL,)},
                {
                    "outcome": "Child anxious about school; agreed a phased return.",
                    "agreed": "Mornings only for two weeks, starting Monday; the class teacher meets them at the gate at 8:45.",
                },
            ),
            (
                hc,
                1,
                self.at(-10, 13, 30),
                Status.COMPLETED,
                {"reasons": (Reason.OFF_SICK,)},
                {"outcome": "Child recovering well; work pack left."},
            ),
            (
                hc,
                2,
                self.at(-4, 9, 30),
                Status.COMPLETED,
                {"reasons": (Reason.ATTENDANCE, Reason.ATTENDANCE_STRATEGIES)},
                {},
            ),
            (
                hc,
                3,
                self.at(-1, 14),
                Status.COMPLETED,
                {"reasons": (Reason.COLLECT_DROP_WORK,)},
                {
                    "outcome": "Work collected; parent asked for a meeting.",
                    "declined_to_sign": "Parent in a hurry to leave for work; will sign at the meeting in school.",
                },
            ),
            (
                hc,
                4,
                now - dt.timedelta(hours=2),
                Status.IN_PROGRESS,
                {"reasons": (Reason.WELFARE_CHECK,), "detail": "Absent 3 days, phones unanswered."},
                {},
            ),
            (
                hc,
                5,
                now - dt.timedelta(minutes=20),
                Status.IN_PROGRESS,
                {"reasons": (Reason.DISCUSS_AT_HOME,)},
                {"draft": True},
            ),
            (
                hc,
                6,
                self.at(-7, 15, 30),
                Status.COMPLETED,
                {"reasons": (Reason.ATTENDANCE,)},
                {"not_conducted": "Older brother (about 14) answered; said mum was at work. We did not go in."},
            ),
            (
                hc,
                6,
                self.at(0, 15, 30),
                Status.AUTHORISED,
                {"reasons": (Reason.ATTENDANCE,)},
                {"conditions": "Leave if dad is present: see briefing."},
            ),
            (hc, 7, self.at(1, 10), Status.AUTHORISED, {"reasons": (Reason.EDUCATED_AT_HOME,)}, {}),
            (
                hc,
                8,
                self.at(0, 11) if self.at(0, 11) > now else now + dt.timedelta(hours=1),
                Status.REQUESTED,
                {
                    "emergency": True,
                    "reasons": (Reason.WELFARE_CHECK,),
                    "detail": "Sibling disclosed no food in the house.",
                },
                {},
            ),
            (hc, 9, self.at(2, 9, 30), Status.REQUESTED, {"second": False, "reasons": (Reason.TERM_TIME_HOLIDAY,)}, {}),
            (
                hc,
                10,
                self.at(3, 16, 30),
                Status.REQUESTED,
                {"minutes": 60, "reasons": (Reason.CONTACT_FAILED,), "why": "Only time both parents are home."},
                {},
            ),
            (
                hc,
                11,
                self.at(4, 13),
                Status.SENT_BACK,
                {"reasons": (Reason.DISCUSS_AT_HOME,)},
                {"note": "Add who we need to see and why school is not suitable."},
            ),
            (
                hc,
                0,
                self.at(5, 10),
                Status.DECLINED,
                {"reasons": (Reason.ATTENDANCE,)},
                {"note": "Invite the family into school first (hc05)."},
            ),
            (
                hc,
                1,
                self.at(6, 14),
                Status.CANCELLED,
                {"reasons": (Reason.OFF_SICK,)},
                {"note": "Child back in school."},
            ),
            (
                hc,
                2,
                self.at(7, 10),
                Status.DRAFT,
                {"reasons": (Reason.FAMILY_WELLBEING,), "requester": "visitor1.holycross"},
                {},
            ),
            # Mount: new starters (mp03), an outside-agency second visitor, every state.
            (
                mp,
                0,
                self.at(-12, 10),
                Status.COMPLETED,
                {"reasons": (Reason.NEW_STARTER,)},
                {"outcome": "Lovely visit; child excited to start Reception."},
            ),
            (mp, 1, self.at(-2, 11), Status.COMPLETED, {"reasons": (Reason.FAMILY_WELLBEING,), "agency": True}, {}),
            (
                mp,
                2,
                now - dt.timedelta(minutes=90),
                Status.IN_PROGRESS,
                {"reasons": (Reason.FAMILY_WELLBEING,), "minutes": 45},
                {},
            ),
            (mp, 3, self.at(1, 9, 30), Status.AUTHORISED, {"reasons": (Reason.NEW_STARTER,)}, {}),
            (mp, 4, self.at(1, 11), Status.REQUESTED, {"reasons": (Reason.NEW_STARTER,)}, {}),
            (
                mp,
                5,
                self.at(2, 10),
                Status.REQUESTED,
                {"reasons": (Reason.ATTENDANCE,), "second": False, "lone": "Second adult unavailable; known family."},
                {},
            ),
            (
                mp,
                6,
                self.at(3, 14),
                Status.SENT_BACK,
                {"reasons": (Reason.ATTENDANCE,)},
                {"note": "Please add the SLT discussion notes."},
            ),
            (
                mp,
                7,
                self.at(4, 10),
                Status.DECLINED,
                {"reasons": (Reason.COLLECT_DROP_CHILD,)},
                {"note": "Police already involved; do not visit."},
            ),
            (
                mp,
                8,
                self.at(5, 9, 30),
                Status.CANCELLED,
                {"reasons": (Reason.NEW_STARTER,)},
                {"note": "Family moved away before the visit."},
            ),
            (mp, 0, self.at(8, 10), Status.DRAFT, {"reasons": (Reason.NEW_STARTER,)}, {}),
        ]
        for school, index, start, status, request_kwargs, drive_kwargs in plan:
            prefix = "holycross" if school == hc else "mount"
            visit = self.request(school, index, start, **request_kwargs)
            self.drive(visit, status, prefix, **drive_kwargs)

    # --- CPOMS (hc24) -----------------------------------------------------------------------------

    def seed_cpoms(self) -> None:
        """The older completed visits of each school are on CPOMS, recorded by the school's lead the
        day after; the newer ones wait on the leads' "Not yet on CPOMS" list."""
        from safeguarding.concerns import record_on_cpoms
        from safeguarding.models import CpomsEntry

        for school, prefix, count in ((self.holy, "holycross", 2), (self.mount, "mount", 1)):
            done = Visit.objects.filter(school=school, status=Status.COMPLETED).order_by("completed_at", "id")
            for visit in done[:count]:
                when = min(visit.completed_at + dt.timedelta(days=1), self.now - dt.timedelta(hours=1))
                with clock(when):
                    entry = record_on_cpoms(visit, self.users[f"lead.{prefix}"], f"CP-{when:%Y}-{visit.pk:05d}")
                # `clock` patches `timezone.now` where it is called, not the model default that
                # stamps `recorded_at` (bound at import): set the demo's time on the row itself.
                CpomsEntry.objects.filter(pk=entry.pk).update(recorded_at=when)

    def seed_concerns(self) -> None:
        """Concerns and incidents (hc17, hc21, hc22) on Holy Cross's visits, made through the
        services: an urgent open concern, an acknowledged one with a referral, a closed one, and an
        incident of each kind (the accusation not yet reviewed, so the head sees it waiting)."""
        from contextlib import ExitStack

        from safeguarding import concerns
        from safeguarding.models import (
            Concern,
            ConcernAction,
            ConcernActionKind,
            ConcernKind,
            ConcernSource,
            Incident,
            IncidentKind,
        )

        stamped = [
            Concern._meta.get_field("raised_at"),
            ConcernAction._meta.get_field("at"),
            Incident._meta.get_field("reported_at"),
        ]

        @contextmanager
        def at(when: dt.datetime):
            # These rows are stamped by `default=timezone.now`, bound at import where `clock`
            # cannot reach it (and steps are written once: no fixing them afterwards).
            with clock(when), ExitStack() as stack:
                for field in stamped:
                    stack.enter_context(mock.patch.object(field, "_get_default", lambda: when))
                yield

        users = self.users
        visitor, lead, deputy = users["visitor1.holycross"], users["lead.holycross"], users["deputy.holycross"]
        under_way = list(Visit.objects.filter(school=self.holy, status=Status.IN_PROGRESS).order_by("scheduled_start"))
        done = list(Visit.objects.filter(school=self.holy, status=Status.COMPLETED).order_by("scheduled_start"))

        # hc17: raised urgently from the tablet during this morning's welfare check; nobody has it yet.
        with at(self.now - dt.timedelta(minutes=25)):
            concerns.raise_concern(
                under_way[0],
                visitor,
                ConcernKind.CHILD_ALONE,
                "Child answered the door alone; no adult at home for at least an hour. "
                "Neighbour says mum left for work early.",
                urgent=True,
                source=ConcernSource.URGENT,
            )

        # hc21: from yesterday's visit; a lead took it on and referred it to children's social care.
        raised = done[-1].expected_end + dt.timedelta(minutes=30)
        with at(raised):
            referred = concerns.raise_concern(
                done[-1],
                visitor,
                ConcernKind.CHILD_PROTECTION,
                "Older sibling said the children are often left with an adult who is not family. "
                "Child flinched when the adult came in.",
            )
        with at(raised + dt.timedelta(minutes=40)):
            concerns.acknowledge(referred, lead)
        with at(raised + dt.timedelta(hours=2)):
            concerns.record_action(
                referred,
                lead,
                ConcernActionKind.REFERRAL_CSC,
                reference="CSC/2026/1187",
                note="Referral made by phone to the front door; written referral sent.",
            )

        # A concern from three weeks ago, dealt with through early help and closed.
        raised = done[0].expected_end + dt.timedelta(minutes=20)
        with at(raised):
            closed = concerns.raise_concern(
                done[0], visitor, ConcernKind.CHILD_PROTECTION, "Very little food in the kitchen; parent upset."
            )
        with at(raised + dt.timedelta(hours=1)):
            concerns.acknowledge(closed, deputy)
        with at(raised + dt.timedelta(days=1)):
            concerns.record_action(
                closed, deputy, ConcernActionKind.EARLY_HELP, reference="EH-5521", note="Early help assessment agreed."
            )
        with at(raised + dt.timedelta(days=8)):
            concerns.close(closed, lead, "Early help plan in place; food bank vouchers given. No further concerns.")

        # hc22: an incident of each kind, each with the time it happened.
        incidents = [
            (
                under_way[-1],
                IncidentKind.THREAT,
                self.now - dt.timedelta(minutes=12),
                "Father shouted at us on the doorstep and told us not to come back; we left and called the office.",
                "",
            ),
            (
                done[1],
                IncidentKind.INJURY,
                done[1].scheduled_start + dt.timedelta(minutes=30),
                "Tripped on the broken front step on the way out; grazed hand, first aid at school.",
                "Step reported to the family; visitors to use the side door next time.",
            ),
            (
                done[2],
                IncidentKind.ACCUSATION,
                done[2].scheduled_start + dt.timedelta(minutes=40),
                "Parent accused the visitor of taking a photograph of the child; no photograph was taken.",
                "",
            ),
        ]
        for visit, kind, happened, details, review in incidents:
            with at(happened + dt.timedelta(minutes=10)):
                incident = concerns.report_incident(visit, visitor, kind, happened, details)
            if review:
                with at(happened + dt.timedelta(days=1)):
                    concerns.review_incident(incident, lead, review)

    # --- the risk assessment (hc09-hc11) ---------------------------------------------------------

    def seed_risk(self) -> None:
        """hc09, hc10: a household assessed Low from the template, then High once its dog was
        reported aggressive, reviewed for a request now waiting in the lead's queue (which cannot
        be authorised without the lead's reason and extra controls); and a second request
        reviewed from the template, Low, beside it."""
        office = self.users["office.holycross"]
        dog_household = self.households[self.holy.pk][10]
        dog_visit = Visit.objects.get(household=dog_household, status=Status.REQUESTED)
        rows = [dataclasses.asdict(h) for h in risk.template_for(self.holy)]
        with clock(self.now - dt.timedelta(days=40)):
            risk.save_assessment(dog_household, office, rows, "First assessment, from the school's template.")
        for row in rows:
            if "dog" in row["hazard"].lower():
                row.update(
                    severity=3,  # Major injury may occur
                    likelihood=3,  # Likely
                    controls=row["controls"]
                    + " Phone ahead and ask for the dog to be shut away; do not go in if it is loose.",
                )
        with clock(self.now - dt.timedelta(hours=1)):
            risk.review_for_visit(
                dog_visit, office, rows, "A neighbour reports the family's new dog is aggressive and often loose."
            )
        low_visit = Visit.objects.get(household=self.households[self.holy.pk][9], status=Status.REQUESTED)
        with clock(self.now - dt.timedelta(minutes=50)):
            risk.review_for_visit(
                low_visit,
                office,
                [dataclasses.asdict(h) for h in risk.template_for(self.holy)],
                "First assessment, from the school's template.",
            )
