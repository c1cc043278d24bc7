"""Exports of the program (to be written)."""
from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


program_ics = program_json = schedule_xml = talk_ics = _todo
