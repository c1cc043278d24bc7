"""The site's own account behaviour under django-allauth: where a person lands after signing in, and
the site's name in account mail (allauth's templates greet with ``current_site.name``).

The account hub (``/accounts/home/``, ``account_home``) is the page every header's "Your account"
link leads to: it lists what the signed-in person can reach, by URL name only (this package imports
no app). Organizers land on the organizer area instead.
"""
from functools import cached_property
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import render, resolve_url
from django.views.decorators.cache import never_cache

from .identity import is_organizer


def site_for_mail() -> SimpleNamespace:
    """What allauth's mail templates call the current site: the configured name and SITE_URL's host."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class SiteAccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        if is_organizer(request.user):
            return resolve_url("organizer:editions")
        return resolve_url("account_home")

    def mail_context(self, context: dict) -> dict:
        return {"current_site": site_for_mail(), **context}


class AccountMenu:
    """The roles the account menu shows, asked only when a template reads them (then kept)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def is_organizer(self) -> bool:
        return is_organizer(self._user)

    @cached_property
    def is_reviewer(self) -> bool:
        # The review app's relation, read by name: the project package imports no app.
        roles = getattr(self._user, "reviewer_roles", None) if self._user.is_authenticated else None
        return bool(roles is not None and roles.exists())


def account_menu(request) -> dict:
    """Context processor: ``account`` for templates/layouts/_account_menu.html."""
    # Never look at the user here: public pages must not touch the session (no "Vary: Cookie"); the
    # menu reads it only on pages that show it.
    user = getattr(request, "user", None)
    return {"account": AccountMenu(AnonymousUser() if user is None else user), "site_name": settings.SITE_NAME}


@never_cache
def account_home(request):
    """Signed in: everything the person can reach. Signed out: sign in or create an account."""
    return render(request, "account/home.html", {})
