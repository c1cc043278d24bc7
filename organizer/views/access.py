"""Gatekeeping for the organizer pages: organizers only (personal_site/identity.py says who is one)."""
import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404

from personal_site.identity import is_organizer
from program.models import Edition


def organizer_required(view):
    """Signed-in organizers only; anyone else gets 404 (the pages' existence is not advertised)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_organizer(request.user):
            raise Http404("Not found.")
        if "edition" in kwargs:
            kwargs["edition"] = get_object_or_404(Edition.objects.select_related("cfp"), slug=kwargs["edition"])
        return view(request, *args, **kwargs)

    return wrapper
