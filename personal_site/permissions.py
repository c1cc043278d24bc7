"""Who may do what: the one place where permissions are decided.

Organizers are staff accounts in the "Organizers" group; the group holds every model permission of
the program, speakers and submissions apps, so the Django admin and the organizer pages agree.
"""
from django.contrib.auth.models import Group, Permission

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_APPS = ("program", "speakers", "submissions")


def organizers_group() -> Group:
    """The Organizers group, created on first use, with every permission of the organizer apps."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS))
    return group


def is_organizer(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.is_staff
        and (user.is_superuser or user.groups.filter(name=ORGANIZERS_GROUP).exists())
    )
