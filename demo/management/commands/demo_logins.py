"""Print the demo's sign-in names and what each person sees first."""

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.data import DEMO_PASSWORD, DEMO_USERNAMES, demo_totp_secret
from visits.models import User


class Command(BaseCommand):
    help = "Print the demo logins (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="where `make run` serves (HOST)")
        parser.add_argument("--port", type=int, default=8000, help="the port it serves on (PORT)")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            self.stderr.write("demo_logins prints nothing with DEBUG off.")
            return
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        self.stdout.write("")
        host = options["host"]
        # Served on every interface: this machine's own browser still finds it on the loopback.
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104 - compared, not bound
        shown = f"[{shown}]" if ":" in shown else shown
        self.stdout.write(self.style.SUCCESS(f"Home Visits demo: http://{shown}:{options['port']}/"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        self.stdout.write(
            "Each has an authenticator app set up: add the key below to yours, or read the code on the "
            "sign-in's code page (shown there in the demo only)."
        )
        for username in DEMO_USERNAMES:
            user = users.get(username)
            if user is None:
                continue
            roles = sorted({m.get_role_display() for m in user.memberships.select_related("school")})
            schools = sorted({m.school.name for m in user.memberships.select_related("school")})
            self.stdout.write(f"  {username:<20} {user.get_full_name():<20} {', '.join(roles)} - {', '.join(schools)}")
            self.stdout.write(f"  {'':<20} authenticator key: {demo_totp_secret(username)}")
        self.stdout.write("")
