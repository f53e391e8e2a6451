"""What the demo holds, as data: the trust, its two schools, their staff, the names of the families
and THE PLAN of visits, concerns, incidents, risk assessments and CPOMS entries. No ORM here:
`demo.build` turns this into rows through the services.

Times are written as what they mean to the people in the demo:

- `At(days=1, hour=10)`: 10:00 London time, one SCHOOL day (Mon-Fri) from today. `days=0` is
  today if today is a school day, else the next Monday; `days=-1` the school day before that. Built
  at night or at a weekend, dated visits still fall in school hours on school days.
- `Ago(hours=2)`: before the real now. For what must be under way at this moment (the board shows
  who is out now) and for the history of the last hours.
- `Upcoming(at=..., or_from_now=...)`: `at` while it is still to come, else that long after now (an
  emergency request is never in the past).
- `AfterStart(...)`, `AfterEnd(...)`: after the visit's scheduled start or expected end.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from safeguarding.models import ConcernActionKind, ConcernKind, ConcernSource, IncidentKind, Likelihood, Severity
from visits.enums import Reason, Role, Status

DEMO_PASSWORD = "homevisits-demo"  # noqa: S105 - documented demo login, DEBUG only


def demo_totp_key(username: str) -> str:
    """The demo person's authenticator key (hex, as django-otp stores it): the same in every
    demo, so that a phone set up once from `demo_logins` keeps working after the demo is rebuilt."""
    return hashlib.sha1(f"homevisits-demo-totp:{username}".encode()).hexdigest()  # noqa: S324 - a demo key, not a hash of a secret


def demo_totp_secret(username: str) -> str:
    """The same key as an authenticator app takes it (base32, in groups of four)."""
    secret = base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- times -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class At:
    """`hour:minute` London time, `days` school days (Mon-Fri) from today (see the module's docstring)."""

    days: int
    hour: int
    minute: int = 0


@dataclass(frozen=True, kw_only=True)
class Ago:
    """This long before the real now."""

    days: int = 0
    hours: int = 0
    minutes: int = 0

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(days=self.days, hours=self.hours, minutes=self.minutes)


@dataclass(frozen=True, kw_only=True)
class Upcoming:
    """`at` while it is still to come, else `or_from_now` after the real now."""

    at: At
    or_from_now: dt.timedelta


@dataclass(frozen=True, kw_only=True)
class AfterStart:
    """This long after the visit's scheduled start."""

    minutes: int


@dataclass(frozen=True, kw_only=True)
class AfterEnd:
    """This long after the visit's expected end."""

    minutes: int


When = At | Ago | Upcoming

# --- the trust, its schools, their staff ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Trust:
    name: str
    slug: str


@dataclass(frozen=True, kw_only=True)
class Street:
    name: str
    town: str
    district: str


@dataclass(frozen=True, kw_only=True)
class School:
    """A school and its policy settings; `staff` is the middle of its usernames (`office.mount`),
    `mis` the start of its pupils' MIS ids, `households` how many families it has, `surname_offset`
    where its families start in `SURNAMES`."""

    slug: str
    name: str
    phone: str
    email: str
    address: str
    pairs_required: bool
    slt_discussion_required: bool
    evening_cutoff: dt.time
    overdue_grace_minutes: int
    staff: str
    mis: str
    households: int
    surname_offset: int
    streets: tuple[Street, ...]
    slt_consulted: str = ""  # the username every request records as discussed with (mp01)


@dataclass(frozen=True, kw_only=True)
class Person:
    """A member of staff (hc18: `description` is what the office reads to the police)."""

    username: str
    first: str
    last: str
    job_title: str
    roles: tuple[Role, ...]
    mobile: str = ""
    description: str = ""


TRUST = Trust(name="Holy Cross Catholic Multi Academy Company", slug="holy-cross-mac")

HOLY_CROSS = School(
    slug="holy-cross",
    name="Holy Cross Catholic Primary School",
    phone="01204 496 000",
    email="office@holycross.example.org",
    address="Larkhill Road, Bolton BL1 4AA",
    pairs_required=True,
    slt_discussion_required=False,
    evening_cutoff=dt.time(17, 0),
    overdue_grace_minutes=15,
    staff="holycross",
    mis="HC",
    households=14,
    surname_offset=0,
    streets=(
        Street(name="Larkhill Road", town="Bolton", district="BL1"),
        Street(name="Chorley New Road", town="Bolton", district="BL1"),
        Street(name="Deane Road", town="Bolton", district="BL3"),
        Street(name="Moss Bank Way", town="Bolton", district="BL1"),
        Street(name="Tonge Moor Road", town="Bolton", district="BL2"),
    ),
)
# Mount: pairs "if possible" (outside agency allowed); always discussed with SLT (mp01).
MOUNT = School(
    slug="mount-primary",
    name="Mount Primary School",
    phone="0161 496 0500",
    email="office@mount.example.org",
    address="Mount Street, Stockport SK1 3PQ",
    pairs_required=False,
    slt_discussion_required=True,
    evening_cutoff=dt.time(17, 0),
    overdue_grace_minutes=15,
    staff="mount",
    mis="MP",
    households=12,
    surname_offset=1,
    streets=(
        Street(name="Mount Street", town="Stockport", district="SK1"),
        Street(name="Hall Street", town="Stockport", district="SK1"),
        Street(name="Dialstone Lane", town="Stockport", district="SK2"),
        Street(name="Cherry Tree Lane", town="Stockport", district="SK2"),
        Street(name="Adswood Road", town="Stockport", district="SK3"),
    ),
    slt_consulted="head.mount",
)
SCHOOLS = (HOLY_CROSS, MOUNT)

STAFF = {
    "holy-cross": (
        Person(
            username="office.holycross",
            first="Joanne",
            last="Whitworth",
            job_title="School business manager",
            roles=(Role.OFFICE,),
            mobile="07700 900101",
        ),
        Person(
            username="lead.holycross",
            first="Marina",
            last="Kelly",
            job_title="Designated safeguarding lead",
            roles=(Role.LEAD,),
            mobile="07700 900102",
        ),
        Person(
            username="deputy.holycross",
            first="Daniel",
            last="Okoro",
            job_title="Deputy safeguarding lead",
            roles=(Role.DEPUTY_LEAD,),
            mobile="07700 900103",
        ),
        Person(
            username="visitor1.holycross",
            first="Siobhan",
            last="Byrne",
            job_title="Family support worker",
            roles=(Role.VISITOR,),
            mobile="07700 900104",
            description="Woman, 40s, short red hair, navy coat, school ID badge in a wallet",
        ),
        Person(
            username="visitor2.holycross",
            first="Imran",
            last="Hussain",
            job_title="Attendance officer",
            roles=(Role.VISITOR,),
            mobile="07700 900105",
            description="Man, 30s, tall, black beard, grey school fleece",
        ),
        Person(
            username="head.holycross",
            first="Catherine",
            last="Doyle",
            job_title="Head teacher",
            roles=(Role.HEAD,),
            mobile="07700 900106",
        ),
        # Issue 17: sees the governors' report only (counts, no names).
        Person(
            username="governor.holycross",
            first="Helen",
            last="Fairbrother",
            job_title="Chair of governors",
            roles=(Role.GOVERNOR,),
        ),
    ),
    "mount-primary": (
        Person(
            username="office.mount",
            first="Beverley",
            last="Marsh",
            job_title="Office manager",
            roles=(Role.OFFICE,),
            mobile="07700 900201",
        ),
        Person(
            username="lead.mount",
            first="Kate",
            last="Yates",
            job_title="Designated safeguarding lead",
            roles=(Role.LEAD,),
            mobile="07700 900202",
        ),
        Person(
            username="visitor1.mount",
            first="Aisha",
            last="Rahman",
            job_title="Family wellbeing worker",
            roles=(Role.VISITOR,),
            mobile="07700 900203",
            description="Woman, 30s, green headscarf, red lanyard-free ID card",
        ),
        Person(
            username="visitor2.mount",
            first="Tom",
            last="Fletcher",
            job_title="Reception teacher",
            roles=(Role.VISITOR,),
            mobile="07700 900204",
            description="Man, 20s, glasses, blue Mount Primary jumper",
        ),
        Person(
            username="head.mount",
            first="Richard",
            last="Bell",
            job_title="Head teacher",
            roles=(Role.HEAD,),
            mobile="07700 900205",
        ),
        Person(
            username="governor.mount",
            first="Peter",
            last="Lomax",
            job_title="Safeguarding governor",
            roles=(Role.GOVERNOR,),
        ),
    ),
}
# The trust's administrator: a superuser, trust admin at every school.
ADMIN = Person(
    username="admin.trust",
    first="Gareth",
    last="Price",
    job_title="Trust IT and data manager",
    roles=(Role.TRUST_ADMIN,),
)
DEMO_USERNAMES = [person.username for people in STAFF.values() for person in people] + [ADMIN.username]

# --- the families ----------------------------------------------------------------------------------------

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
PARENTS = ["Mother", "Father"]
YEAR_GROUPS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXY"
# One household in five or so has a known risk; most have none.
KNOWN_RISKS = [
    "",
    "",
    "",
    "Large dog (kept in the garden when visitors are expected).",
    "Steep steps to the door.",
]

# --- what every request says unless the plan says otherwise ------------------------------------------

CODE_WORDS = ["bluebell", "marmalade", "lighthouse", "tangerine", "woodpecker", "snowdrop"]
PURPOSE = "Meet the family at home and agree how school can help."
WHY_NOT_IN_SCHOOL = "Parent works shifts and cannot come into school in the day."
BRIEFING = "Friendly family; mum prefers the front room. Check the dog is in the garden."
LONE_VISIT_REASON = "Family has said two visitors feel like an inspection (two staff may escalate)."
OUTCOME = "Family engaged well; plan agreed."
ACTION_REQUIRED = "Attendance review in two weeks."
AGREED_WITH_FAMILY = "School will ring on Monday morning to see how the week has started."


@dataclass(frozen=True, kw_only=True)
class AgencyWorker:
    """The outside agency's second visitor, where the school allows one (mp01)."""

    name: str
    organisation: str
    phone: str
    role: str


AGENCY_WORKER = AgencyWorker(
    name="Lorraine Pike",
    organisation="Stockport Family Early Help",
    phone="0161 496 0777",
    role="Early help practitioner",
)

# --- THE PLAN of visits ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Planned:
    """One visit: requested by the school's office (or `requester`) for `household` (its index in
    the school's families), then taken along the normal path to `status`, each step at a believable
    time.

    The pair: `lead` (the school's first visitor unless it names the second) and the school's other
    visitor, unless `agency` (the outside agency's worker) or `alone` (the reason for a lone visit).
    Nobody is on the road at two addresses at once (hc14): two visits under way at one school
    need two different people. The rest is what the people along the way write: the lead's
    `conditions` or `note` (sent back, declined, cancelled), the visitor's record (`outcome`,
    `agreed_with_family`, `declined_to_sign`, or `not_conducted`: hc15), and `record_draft` for a
    record typed so far on a visit still under way."""

    school: str
    household: int
    start: When
    status: Status
    reasons: tuple[Reason, ...]
    minutes: int = 60
    emergency: bool = False
    detail: str = ""
    why_not_in_school: str = WHY_NOT_IN_SCHOOL
    agency: bool = False
    alone: str = ""
    lead: str = "visitor1"
    requester: str = ""
    conditions: str = ""
    note: str = ""
    outcome: str = ""
    agreed_with_family: str = ""
    declined_to_sign: str = ""
    not_conducted: str = ""
    record_draft: bool = False


# The past in school days, as many weeks back as the story needs (15 school days: three weeks).
PLAN = (
    # Holy Cross: every state, today's board busy.
    Planned(
        school="holy-cross",
        household=0,
        start=At(days=-15, hour=10),
        status=Status.COMPLETED,
        reasons=(Reason.REFUSING_SCHOOL,),
        outcome="Child anxious about school; agreed a phased return.",
        agreed_with_family="Mornings only for two weeks, starting Monday; the class teacher meets them at the gate at 8:45.",
    ),
    Planned(
        school="holy-cross",
        household=1,
        start=At(days=-8, hour=13, minute=30),
        status=Status.COMPLETED,
        reasons=(Reason.OFF_SICK,),
        outcome="Child recovering well; work pack left.",
    ),
    Planned(
        school="holy-cross",
        household=2,
        start=At(days=-3, hour=9, minute=30),
        status=Status.COMPLETED,
        reasons=(Reason.ATTENDANCE, Reason.ATTENDANCE_STRATEGIES),
    ),
    Planned(
        school="holy-cross",
        household=3,
        start=At(days=-1, hour=14),
        status=Status.COMPLETED,
        reasons=(Reason.COLLECT_DROP_WORK,),
        outcome="Work collected; parent asked for a meeting.",
        declined_to_sign="Parent in a hurry to leave for work; will sign at the meeting in school.",
    ),
    Planned(
        school="holy-cross",
        household=4,
        start=Ago(hours=2),
        status=Status.IN_PROGRESS,
        reasons=(Reason.WELFARE_CHECK,),
        detail="Absent 3 days, phones unanswered.",
        alone="Imran is on another visit and a welfare check cannot wait; calls to the office every 30 minutes.",
    ),
    Planned(
        school="holy-cross",
        household=5,
        start=Ago(minutes=20),
        status=Status.IN_PROGRESS,
        reasons=(Reason.DISCUSS_AT_HOME,),
        record_draft=True,
        lead="visitor2",
        alone="Siobhan is on the welfare check; a short visit to a family the school knows well.",
    ),
    Planned(
        school="holy-cross",
        household=6,
        start=At(days=-5, hour=15, minute=30),
        status=Status.COMPLETED,
        reasons=(Reason.ATTENDANCE,),
        not_conducted="Older brother (about 14) answered; said mum was at work. We did not go in.",
    ),
    Planned(
        school="holy-cross",
        household=6,
        start=At(days=0, hour=15, minute=30),
        status=Status.AUTHORISED,
        reasons=(Reason.ATTENDANCE,),
        conditions="Leave if dad is present: see briefing.",
    ),
    Planned(
        school="holy-cross",
        household=7,
        start=At(days=1, hour=10),
        status=Status.AUTHORISED,
        reasons=(Reason.EDUCATED_AT_HOME,),
    ),
    Planned(
        school="holy-cross",
        household=8,
        start=Upcoming(at=At(days=0, hour=11), or_from_now=dt.timedelta(hours=1)),
        status=Status.REQUESTED,
        reasons=(Reason.WELFARE_CHECK,),
        emergency=True,
        detail="Sibling disclosed no food in the house.",
    ),
    Planned(
        school="holy-cross",
        household=9,
        start=At(days=2, hour=9, minute=30),
        status=Status.REQUESTED,
        reasons=(Reason.TERM_TIME_HOLIDAY,),
        alone=LONE_VISIT_REASON,
    ),
    Planned(
        school="holy-cross",
        household=10,
        start=At(days=3, hour=16, minute=30),
        status=Status.REQUESTED,
        reasons=(Reason.CONTACT_FAILED,),
        why_not_in_school="Only time both parents are home.",
    ),
    Planned(
        school="holy-cross",
        household=11,
        start=At(days=4, hour=13),
        status=Status.SENT_BACK,
        reasons=(Reason.DISCUSS_AT_HOME,),
        note="Add who we need to see and why school is not suitable.",
    ),
    Planned(
        school="holy-cross",
        household=0,
        start=At(days=5, hour=10),
        status=Status.DECLINED,
        reasons=(Reason.ATTENDANCE,),
        note="Invite the family into school first.",
    ),
    Planned(
        school="holy-cross",
        household=1,
        start=At(days=6, hour=14),
        status=Status.CANCELLED,
        reasons=(Reason.OFF_SICK,),
        note="Child back in school.",
    ),
    Planned(
        school="holy-cross",
        household=2,
        start=At(days=7, hour=10),
        status=Status.DRAFT,
        reasons=(Reason.FAMILY_WELLBEING,),
        requester="visitor1.holycross",
    ),
    # Mount: new starters (mp03), an outside-agency second visitor, every state.
    Planned(
        school="mount-primary",
        household=0,
        start=At(days=-9, hour=10),
        status=Status.COMPLETED,
        reasons=(Reason.NEW_STARTER,),
        outcome="Lovely visit; child excited to start Reception.",
    ),
    Planned(
        school="mount-primary",
        household=1,
        start=At(days=-2, hour=11),
        status=Status.COMPLETED,
        reasons=(Reason.FAMILY_WELLBEING,),
        agency=True,
    ),
    Planned(
        school="mount-primary",
        household=2,
        start=Ago(minutes=90),
        status=Status.IN_PROGRESS,
        reasons=(Reason.FAMILY_WELLBEING,),
        minutes=45,
    ),
    Planned(
        school="mount-primary",
        household=3,
        start=At(days=1, hour=9, minute=30),
        status=Status.AUTHORISED,
        reasons=(Reason.NEW_STARTER,),
    ),
    Planned(
        school="mount-primary",
        household=4,
        start=At(days=1, hour=11),
        status=Status.REQUESTED,
        reasons=(Reason.NEW_STARTER,),
    ),
    Planned(
        school="mount-primary",
        household=5,
        start=At(days=2, hour=10),
        status=Status.REQUESTED,
        reasons=(Reason.ATTENDANCE,),
        alone="Second adult unavailable; known family.",
    ),
    Planned(
        school="mount-primary",
        household=6,
        start=At(days=3, hour=14),
        status=Status.SENT_BACK,
        reasons=(Reason.ATTENDANCE,),
        note="Please add the SLT discussion notes.",
    ),
    Planned(
        school="mount-primary",
        household=7,
        start=At(days=4, hour=10),
        status=Status.DECLINED,
        reasons=(Reason.COLLECT_DROP_CHILD,),
        note="Police already involved; do not visit.",
    ),
    Planned(
        school="mount-primary",
        household=8,
        start=At(days=5, hour=9, minute=30),
        status=Status.CANCELLED,
        reasons=(Reason.NEW_STARTER,),
        note="Family moved away before the visit.",
    ),
    Planned(
        school="mount-primary",
        household=0,
        start=At(days=8, hour=10),
        status=Status.DRAFT,
        reasons=(Reason.NEW_STARTER,),
    ),
)

# --- the risk assessments (hc09-hc11) ----------------------------------------------------------------

FROM_TEMPLATE = "First assessment, from the school's template."


@dataclass(frozen=True, kw_only=True)
class RiskRaised:
    """hc09, hc10: a household assessed from the template long ago, then one hazard raised when it
    is reviewed for the request now waiting in the lead's queue (which cannot be authorised without
    the lead's reason and extra controls)."""

    school: str
    household: int
    by: str
    assessed: Ago
    hazard: str  # the template row whose hazard names this
    severity: Severity
    likelihood: Likelihood
    extra_controls: str
    reviewed: Ago
    summary: str


@dataclass(frozen=True, kw_only=True)
class RiskFromTemplate:
    """A waiting request reviewed from the school's template, as it stands."""

    school: str
    household: int
    by: str
    reviewed: Ago


RISK_RAISED = RiskRaised(
    school="holy-cross",
    household=10,
    by="office.holycross",
    assessed=Ago(days=40),
    hazard="dog",
    severity=Severity.MAJOR,
    likelihood=Likelihood.LIKELY,
    extra_controls=" Phone ahead and ask for the dog to be shut away; do not go in if it is loose.",
    reviewed=Ago(hours=1),
    summary="A neighbour reports the family's new dog is aggressive and often loose.",
)
RISK_FROM_TEMPLATE = RiskFromTemplate(school="holy-cross", household=9, by="office.holycross", reviewed=Ago(minutes=50))

# --- concerns and incidents (hc17, hc21, hc22) --------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Picked:
    """The school's visit in `status` at `index`, in order of scheduled start (-1: the latest)."""

    school: str
    status: Status
    index: int


@dataclass(frozen=True, kw_only=True)
class ConcernStep:
    """What a lead did `after` the concern was raised: acknowledged, an action, or closed (`note`
    is then the reason)."""

    after: dt.timedelta
    by: str
    action: ConcernActionKind
    reference: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RaisedConcern:
    visit: Picked
    raised: Ago | AfterEnd
    by: str
    kind: ConcernKind
    details: str
    urgent: bool = False
    source: ConcernSource = ConcernSource.STAFF
    steps: tuple[ConcernStep, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReportedIncident:
    """Reported ten minutes after it `happened`; `review`, if any, by `reviewed_by` a day later."""

    visit: Picked
    kind: IncidentKind
    happened: Ago | AfterStart
    by: str
    details: str
    review: str = ""
    reviewed_by: str = ""


CONCERNS = (
    # hc17: raised urgently from the tablet during this morning's welfare check; nobody has it yet.
    RaisedConcern(
        visit=Picked(school="holy-cross", status=Status.IN_PROGRESS, index=0),
        raised=Ago(minutes=25),
        by="visitor1.holycross",
        kind=ConcernKind.CHILD_ALONE,
        details="Child answered the door alone; no adult at home for at least an hour. "
        "Neighbour says mum left for work early.",
        urgent=True,
        source=ConcernSource.URGENT,
    ),
    # hc21: from the last school day's visit; a lead took it on and referred it to children's social care.
    RaisedConcern(
        visit=Picked(school="holy-cross", status=Status.COMPLETED, index=-1),
        raised=AfterEnd(minutes=30),
        by="visitor1.holycross",
        kind=ConcernKind.CHILD_PROTECTION,
        details="Older sibling said the children are often left with an adult who is not family. "
        "Child flinched when the adult came in.",
        steps=(
            ConcernStep(after=dt.timedelta(minutes=40), by="lead.holycross", action=ConcernActionKind.ACKNOWLEDGED),
            ConcernStep(
                after=dt.timedelta(hours=2),
                by="lead.holycross",
                action=ConcernActionKind.REFERRAL_CSC,
                reference="CSC/2026/1187",
                note="Referral made by phone to the front door; written referral sent.",
            ),
        ),
    ),
    # From the visit three weeks ago, dealt with through early help and closed.
    RaisedConcern(
        visit=Picked(school="holy-cross", status=Status.COMPLETED, index=0),
        raised=AfterEnd(minutes=20),
        by="visitor1.holycross",
        kind=ConcernKind.CHILD_PROTECTION,
        details="Very little food in the kitchen; parent upset.",
        steps=(
            ConcernStep(after=dt.timedelta(hours=1), by="deputy.holycross", action=ConcernActionKind.ACKNOWLEDGED),
            ConcernStep(
                after=dt.timedelta(days=1),
                by="deputy.holycross",
                action=ConcernActionKind.EARLY_HELP,
                reference="EH-5521",
                note="Early help assessment agreed.",
            ),
            ConcernStep(
                after=dt.timedelta(days=8),
                by="lead.holycross",
                action=ConcernActionKind.CLOSED,
                note="Early help plan in place; food bank vouchers given. No further concerns.",
            ),
        ),
    ),
)

# hc22: an incident of each kind, each with the time it happened (the accusation not yet reviewed,
# so the head sees it waiting).
INCIDENTS = (
    ReportedIncident(
        visit=Picked(school="holy-cross", status=Status.IN_PROGRESS, index=-1),
        kind=IncidentKind.THREAT,
        happened=Ago(minutes=12),
        by="visitor2.holycross",
        details="Father shouted at us on the doorstep and told us not to come back; we left and called the office.",
    ),
    ReportedIncident(
        visit=Picked(school="holy-cross", status=Status.COMPLETED, index=1),
        kind=IncidentKind.INJURY,
        happened=AfterStart(minutes=30),
        by="visitor1.holycross",
        details="Tripped on the broken front step on the way out; grazed hand, first aid at school.",
        review="Step reported to the family; visitors to use the side door next time.",
        reviewed_by="lead.holycross",
    ),
    ReportedIncident(
        visit=Picked(school="holy-cross", status=Status.COMPLETED, index=2),
        kind=IncidentKind.ACCUSATION,
        happened=AfterStart(minutes=40),
        by="visitor1.holycross",
        details="Parent accused the visitor of taking a photograph of the child; no photograph was taken.",
    ),
)

# --- CPOMS (hc24) ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OnCpoms:
    """The school's `oldest` completed visits are on CPOMS, recorded by `by` the day after; the newer
    ones wait on the leads' "Not yet on CPOMS" list."""

    school: str
    oldest: int
    by: str


CPOMS = (
    OnCpoms(school="holy-cross", oldest=2, by="lead.holycross"),
    OnCpoms(school="mount-primary", oldest=1, by="lead.mount"),
)
