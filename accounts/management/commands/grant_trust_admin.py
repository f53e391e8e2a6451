"""Give the first trust administrator role on a new installation (the admin grants no role)."""

from django.core.management.base import BaseCommand, CommandError

from accounts import staff
from visits.models import Trust, User


class Command(BaseCommand):
    help = (
        "Give USERNAME the trust administrator role at every school of the trust TRUST (its slug). "
        "For the first one: afterwards a trust administrator gives roles in the app (Staff and school settings)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("trust", help="the trust's slug, as set in the admin")

    def handle(self, *args, **options) -> None:
        member = User.objects.filter(username=options["username"]).first()
        if member is None:
            raise CommandError(f"No account is named {options['username']!r}: create it first (createsuperuser).")
        trust = Trust.objects.filter(slug=options["trust"]).first()
        if trust is None:
            raise CommandError(
                f"No trust has the slug {options['trust']!r}: add the trust and its schools in the admin."
            )
        if not trust.schools.exists():
            raise CommandError(f"{trust.name} has no school yet: add one in the admin first.")
        granted = staff.grant_trust_admin_from_server(member, trust)
        if not granted:
            self.stdout.write(f"{member.username} is already trust administrator at every school of {trust.name}.")
            return
        names = ", ".join(school.name for school in granted)
        self.stdout.write(self.style.SUCCESS(f"{member.username} is now trust administrator at: {names}."))
        self.stdout.write("They set up their authenticator app at their next sign-in.")
