"""Public URLs of the program: each edition under its own slug, the current one also at the root."""
from django.urls import path, register_converter

from .views import exports, pages


class EditionSlugConverter:
    """An edition slug such as 2020 or practice; never one of the site's reserved top-level names."""

    regex = r"[-a-zA-Z0-9_]+"
    reserved = {"admin", "accounts", "static", "media", "people", "submissions", "organizer", "review", "videos",
                "talks"}

    def to_python(self, value):
        if value in self.reserved:
            raise ValueError(value)
        return value

    def to_url(self, value):
        return value


register_converter(EditionSlugConverter, "edition")

app_name = "program"

urlpatterns = [
    # the current edition
    path("", pages.program, name="current"),
    path("speakers/", pages.speakers, name="current-speakers"),
    path("call/", pages.call_for_participation, name="current-call"),
    path("organizers/", pages.organizers, name="current-organizers"),
    path("program.ics", exports.program_ics, name="current-ics"),
    path("program.json", exports.program_json, name="current-json"),
    path("schedule.xml", exports.schedule_xml, name="current-frab"),
    # people (across editions)
    path("people/<slug:slug>/", pages.person, name="person"),
    # any edition by slug
    path("<edition:edition>/", pages.program, name="edition"),
    path("<edition:edition>/speakers/", pages.speakers, name="speakers"),
    path("<edition:edition>/call/", pages.call_for_participation, name="call"),
    path("<edition:edition>/organizers/", pages.organizers, name="organizers"),
    path("<edition:edition>/program.ics", exports.program_ics, name="ics"),
    path("<edition:edition>/program.json", exports.program_json, name="json"),
    path("<edition:edition>/schedule.xml", exports.schedule_xml, name="frab"),
    path("<edition:edition>/talks/<int:talk_id>/", pages.talk, name="talk"),
    path("<edition:edition>/talks/<int:talk_id>.ics", exports.talk_ics, name="talk-ics"),
]
