"""Create the demo organizer account (a staff user in the Organizers group) and print how to sign in.

The account's address is a verified primary address (allauth), so the printed email and password
sign in on the site's own sign-in page, which lands organizers on the organizer area.
"""
import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from personal_site.identity import organizers_group


class Command(BaseCommand):
    help = "Create or reset an organizer account and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="organizer")
        parser.add_argument("--email", default="organizer@personal.example.org")
        parser.add_argument("--password", help="Default: a new random password, printed once.")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args, username, email, password, url, **options):
        password = password or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
        user.email = user.email or email
        taken = EmailAddress.objects.filter(email__iexact=user.email).exclude(user=user).first()
        if taken:
            raise CommandError(f"The address {user.email} belongs to another account ({taken.user}); "
                               "give the organizer another one with --email.")
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.add(organizers_group())
        # Verified and primary: allauth's sign-in (verification mandatory) accepts it at once.
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        elif not (address.verified and address.primary):
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
        self.stdout.write(self.style.SUCCESS(
            f"Organizer account {'created' if created else 'reset'}. Sign in at {url}/accounts/login/ "
            f"with email “{user.email}” and password “{password}” "
            f"(the admin at {url}/admin/ takes the user name “{username}”)."
        ))
