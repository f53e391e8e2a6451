"""Print the demo's sign-in names and what each person sees first."""

from django.conf import settings
from django.core.management.base import BaseCommand

from visits.models import User

from .seed_demo import DEMO_PASSWORD, DEMO_USERNAMES


class Command(BaseCommand):
    help = "Print the demo logins (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            self.stderr.write("demo_logins prints nothing with DEBUG off.")
            return
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Home Visits demo: http://127.0.0.1:8000/"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        for username in DEMO_USERNAMES:
            user = users.get(username)
            if user is None:
                continue
            roles = sorted({m.get_role_display() for m in user.memberships.select_related("school")})
            schools = sorted({m.school.name for m in user.memberships.select_related("school")})
            self.stdout.write(f"  {username:<20} {user.get_full_name():<20} {', '.join(roles)} - {', '.join(schools)}")
        self.stdout.write("")
