"""A presenter completes their own profile through the signed link mailed to them."""
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from speakers.forms import PresenterProfileForm
from speakers.models import Appearance, Person

PROFILE_SALT = "speakers.profile"
PROFILE_LINK_DAYS = 120


def profile(request, token):
    try:
        payload = signing.loads(token, salt=PROFILE_SALT, max_age=PROFILE_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        return render(request, "speakers/profile_link_expired.html", status=410)
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    person = get_object_or_404(Person, pk=payload["person"])
    appearances = Appearance.objects.filter(person=person, role=Appearance.Role.PRESENTER).select_related(
        "talk", "edition").order_by("-edition__date")
    latest = appearances.first()
    form = PresenterProfileForm(request.POST or None, request.FILES or None, instance=person,
                                initial={"affiliation": latest.affiliation if latest else ""})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            person = form.save(commit=False)
            person.profile_updated_at = timezone.now()
            person.save()
            if latest and form.cleaned_data["affiliation"]:
                Appearance.objects.filter(pk=latest.pk).update(affiliation=form.cleaned_data["affiliation"])
                # update() skips signals: the program must still change at once
                from personal_site.public_cache import program_changed

                transaction.on_commit(program_changed)
        messages.success(request, "Thank you: your profile is saved." + (
            " It is shown on the program." if person.publish_consent else
            " It stays private until you agree to publish it."))
        return redirect(request.path)
    return render(request, "speakers/profile.html", {"person": person, "form": form, "appearances": appearances},
                  status=400 if request.method == "POST" else 200)
