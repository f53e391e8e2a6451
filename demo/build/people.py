"""The trust, its schools, their staff, and the families with their contacts and pupils."""

from __future__ import annotations

import datetime as dt

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from demo import data
from visits.models import Contact, Household, Membership, Pupil, School, Trust, User

from .state import Demo


def make_people_and_places(demo: Demo) -> None:
    trust = Trust.objects.create(name=data.TRUST.name, slug=data.TRUST.slug)
    for settings in data.SCHOOLS:
        demo.schools[settings.slug] = make_school(trust, settings)
    for settings in data.SCHOOLS:
        for person in data.STAFF[settings.slug]:
            user = demo.users[person.username] = make_user(person)
            for role in person.roles:
                Membership.objects.create(user=user, school=demo.schools[settings.slug], role=role)
    admin = demo.users[data.ADMIN.username] = make_user(data.ADMIN, is_staff=True, is_superuser=True)
    for school in demo.schools.values():
        for role in data.ADMIN.roles:
            Membership.objects.create(user=admin, school=school, role=role)
    for settings in data.SCHOOLS:
        school = demo.schools[settings.slug]
        demo.households[settings.slug] = [make_household(demo, school, settings, i) for i in range(settings.households)]


def make_school(trust: Trust, settings: data.School) -> School:
    return School.objects.create(
        trust=trust,
        name=settings.name,
        slug=settings.slug,
        phone=settings.phone,
        email=settings.email,
        address=settings.address,
        pairs_required=settings.pairs_required,
        evening_cutoff=settings.evening_cutoff,
        overdue_grace_minutes=settings.overdue_grace_minutes,
        slt_discussion_required=settings.slt_discussion_required,
    )


def make_user(person: data.Person, **extra) -> User:
    """A demo person, with the demo password and their authenticator app already set up (its key
    is printed by `demo_logins`; with DEBUG on, the code page also shows the current code)."""
    user = User.objects.create_user(
        username=person.username,
        password=data.DEMO_PASSWORD,
        first_name=person.first,
        last_name=person.last,
        email=f"{person.username}@example.org",
        job_title=person.job_title,
        mobile=person.mobile,
        description=person.description,
        **extra,
    )
    TOTPDevice.objects.create(
        user=user, name=second_factor.DEMO_DEVICE_NAME, key=data.demo_totp_key(person.username), confirmed=True
    )
    return user


def make_household(demo: Demo, school: School, settings: data.School, i: int) -> Household:
    rng = demo.rng
    surname = data.SURNAMES[(i * 3 + settings.surname_offset) % len(data.SURNAMES)]
    street = settings.streets[i % len(settings.streets)]
    household = Household.objects.create(
        school=school,
        name=f"{surname} family",
        address_line1=f"{rng.randint(2, 180)} {street.name}",
        town=street.town,
        postcode=f"{street.district} {rng.randint(1, 9)}{rng.choice(data.POSTCODE_LETTERS)}{rng.choice(data.POSTCODE_LETTERS)}",
        known_risks=rng.choice(data.KNOWN_RISKS),
    )
    make_contacts(demo, household, surname, i)
    for _ in range(1 if i % 2 else 2):
        make_pupil(demo, school, settings, household, surname)
    return household


def make_contacts(demo: Demo, household: Household, surname: str, i: int) -> None:
    """A parent with parental responsibility; in every third family a grandparent too."""
    rng = demo.rng
    Contact.objects.create(
        household=household,
        first_name=data.ADULT_NAMES[(2 * i) % len(data.ADULT_NAMES)],
        last_name=surname,
        relationship=rng.choice(data.PARENTS),
        parental_responsibility=True,
        mobile=f"07700 9{rng.randint(10000, 99999)}"[:12],
        phone=f"0161 496 {rng.randint(1000, 9999)}",
    )
    if i % 3 == 0:
        Contact.objects.create(
            household=household,
            first_name=rng.choice(data.ADULT_NAMES),
            last_name=rng.choice(data.SURNAMES),
            relationship="Grandparent",
            parental_responsibility=False,
            may_discuss_pupil=i % 2 == 0,
            phone=f"0161 496 {rng.randint(1000, 9999)}",
        )


def make_pupil(demo: Demo, school: School, settings: data.School, household: Household, surname: str) -> Pupil:
    rng = demo.rng
    n = Pupil.objects.count()
    year = data.YEAR_GROUPS[rng.randrange(len(data.YEAR_GROUPS))]
    age = 4 + data.YEAR_GROUPS.index(year)
    return Pupil.objects.create(
        school=school,
        household=household,
        first_name=data.CHILD_NAMES[n % len(data.CHILD_NAMES)],
        last_name=surname,
        date_of_birth=dt.date(demo.today.year - age - 1, rng.randint(9, 12), rng.randint(1, 28)),
        year_group=year,
        mis_id=f"{settings.mis}{1000 + n}",
    )
