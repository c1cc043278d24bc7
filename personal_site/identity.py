"""Who someone is on this site: an organizer, and which addresses they have proven.

Organizers are staff accounts in the "Organizers" group; the group holds every model permission of
the organizer apps, so the Django admin and the organizer pages agree. What each person may do with
a paper, a review or a talk's media is decided beside those rules, in each app's ``rules.py``.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ORGANIZERS_GROUP = "Organizers"
# App labels whose model permissions organizers hold (strings: the project package imports no app).
ORGANIZER_APPS = ("program", "speakers", "submissions", "intake", "videos")


def organizers_group() -> Group:
    """The Organizers group, created on first use, with every permission of the organizer apps."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS))
    return group


def is_organizer(user) -> bool:
    """Active staff in the Organizers group, or a superuser (cached on the user object for the request)."""
    cached = getattr(user, "_is_organizer", None)
    if cached is None:
        cached = bool(
            user.is_authenticated and user.is_active and user.is_staff
            and (user.is_superuser or user.groups.filter(name=ORGANIZERS_GROUP).exists())
        )
        if user.is_authenticated:
            user._is_organizer = cached
    return cached


def verified_emails(user) -> frozenset[str]:
    """The user's verified addresses, lower-cased (cached on the user object for the request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_verified_emails", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = frozenset(
            e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        )
        user._verified_emails = cached
    return cached


def organizer_emails() -> list[str]:
    """Addresses of the organizer accounts (active staff in the Organizers group, and superusers)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).filter(
        Q(is_superuser=True) | Q(groups__name=ORGANIZERS_GROUP)
    ).exclude(email="")
    return sorted({email.lower() for email in users.values_list("email", flat=True)})
