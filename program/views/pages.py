"""Public HTML pages of the program (to be written)."""
from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


program = speakers = call_for_participation = organizers = person = _todo
