"""Create the demo organizer account (a staff user in the Organizers group) and print how to log in."""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from personal_site.identity import organizers_group


class Command(BaseCommand):
    help = "Create or reset an organizer account and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="organizer")
        parser.add_argument("--email", default="organizer@personal.example.org")
        parser.add_argument("--password", help="Default: a new random password, printed once.")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, username, email, password, url, **options):
        password = password or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
        user.email = user.email or email
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.add(organizers_group())
        self.stdout.write(self.style.SUCCESS(
            f"Organizer account {'created' if created else 'reset'}. Log in at {url}/admin/ "
            f"with user name “{username}” and password “{password}”."
        ))
