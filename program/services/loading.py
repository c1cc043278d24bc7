"""Load an edition from a YAML data file kept in the repository.

The file is the edition's public page as data (see ``program/editions/personal-2020.yaml``).
Loading is an upsert keyed on natural keys (edition slug, session title, talk title, person slug,
date kind, topic name), so loading the same file twice changes nothing and keeps every export UID.
Nothing absent from the file is deleted: the program may have grown since (accepted papers).
"""
import datetime
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from program.models.dates import AOE_ZONE, end_of_day
from speakers.models import Appearance, Person


class EditionFileError(ValueError):
    """The data file is not what the loader expects; the message says where."""


@dataclass
class LoadReport:
    edition: Edition
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(report: LoadReport, kind: str, model, lookup: dict, values: dict):
    """Create or update one row; count it only when something really changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**{**values, **lookup})
        obj.full_clean()
        obj.save()
        report.count(kind, created=True, changed=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
        report.count(kind, created=False, changed=True)
    return obj


def _local(day: datetime.date, hhmm: str, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    try:
        time = datetime.time.fromisoformat(hhmm)
    except ValueError:
        raise EditionFileError(f"“{hhmm}” is not a time of day such as 13:45.") from None
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(datetime.UTC)


def _require(mapping: dict, key: str, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise EditionFileError(f"{where}: “{key}” is missing.")
    return mapping[key]


def edition_load_from_file(*, path: Path) -> LoadReport:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EditionFileError(f"{path} is not valid YAML: {exc}") from None
    return edition_load(data=data)


def edition_load(*, data: dict) -> LoadReport:
    spec = _require(data, "edition", "the file")
    try:
        with transaction.atomic():
            return _load(data, spec)
    except ValidationError as exc:
        raise EditionFileError(f"the data is not valid: {'; '.join(exc.messages)}") from None


def _load(data: dict, spec: dict) -> LoadReport:
    if spec.get("current"):
        Edition.objects.filter(is_current=True).exclude(slug=str(spec["slug"])).update(is_current=False)
    edition_values = {
        "name": spec["name"],
        "title": spec["title"],
        "subtitle": spec.get("subtitle", ""),
        "iteration": spec["iteration"],
        "date": spec["date"],
        "time_zone": spec.get("time_zone", "UTC"),
        "format": spec.get("format", Edition.Format.VIRTUAL_WEBINAR),
        "welcome": (spec.get("welcome") or "").strip(),
        "welcome_after_event": (spec.get("welcome_after_event") or "").strip(),
        "overview": (spec.get("overview") or "").strip(),
        "watch_url": spec.get("watch_url") or "",
        "watch_label": spec.get("watch_label", "To watch"),
        "free_and_open": spec.get("free_and_open", True),
        "submission_email": spec.get("submission_email", ""),
        "is_current": bool(spec.get("current", False)),
        "is_practice": bool(spec.get("practice", False)),
    }
    report = LoadReport(edition=None)  # type: ignore[arg-type]
    edition = _upsert(report, "edition", Edition, {"slug": str(spec["slug"])}, edition_values)
    report.edition = edition
    zone = edition.zone

    people = {}
    for entry in data.get("people", []):
        slug = _require(entry, "slug", "a person")
        people[slug] = _upsert(report, "person", Person, {"slug": slug}, {
            "name": _require(entry, "name", f"person {slug}"),
            "bio": (entry.get("bio") or "").strip(),
            "homepage": entry.get("homepage", ""),
            "email": entry.get("email", ""),
        })

    def person(slug: str) -> Person:
        if slug not in people:
            people[slug] = Person.objects.filter(slug=slug).first()
            if people[slug] is None:
                raise EditionFileError(f"person “{slug}” is used but not listed under people.")
        return people[slug]

    for s_entry in data.get("sessions", []):
        title = _require(s_entry, "title", "a session")
        session = _upsert(report, "session", Session, {"edition": edition, "title": title}, {
            "kind": s_entry.get("kind", Session.Kind.OTHER),
            "start": _local(edition.date, str(_require(s_entry, "start", title)), zone),
            "end": _local(edition.date, str(_require(s_entry, "end", title)), zone),
            "description": (s_entry.get("description") or "").strip(),
        })
        for order, chair in enumerate(s_entry.get("chairs", []), start=1):
            _upsert(report, "appearance", Appearance, {
                "person": person(chair["person"]), "edition": edition, "role": Appearance.Role.CHAIR,
                "session": session, "talk": None,
            }, {"affiliation": chair.get("affiliation", ""), "order": order})
        for order, t_entry in enumerate(s_entry.get("talks", []), start=1):
            t_title = _require(t_entry, "title", f"a talk in {title}")
            talk = _upsert(report, "talk", Talk, {"session": session, "title": t_title}, {
                "kind": t_entry.get("kind", Talk.Kind.INVITED),
                "label": t_entry.get("label", ""),
                "abstract": (t_entry.get("abstract") or "").strip(),
                "order": order,
                "slot_minutes": t_entry.get("slot_minutes"),
                "video_url": t_entry.get("video_url") or "",
                "paper_url": t_entry.get("paper_url") or "",
            })
            for p_order, presenter in enumerate(t_entry.get("presenters", []), start=1):
                _upsert(report, "appearance", Appearance, {
                    "person": person(presenter["person"]), "edition": edition,
                    "role": Appearance.Role.PRESENTER, "talk": talk, "session": None,
                }, {"affiliation": presenter.get("affiliation", ""), "order": p_order})

    cfp_spec = data.get("call_for_participation")
    if cfp_spec:
        cfp = _upsert(report, "call for participation", CallForParticipation, {"edition": edition}, {
            "introduction": (cfp_spec.get("introduction") or "").strip(),
            "invitation": (cfp_spec.get("invitation") or "").strip(),
            "topics_intro": cfp_spec.get("topics_intro", "Topics of interest include but are not limited to:"),
            "page_limit": cfp_spec.get("page_limit", 2),
            "formatting_rule": cfp_spec.get("formatting_rule", ""),
            "presentation_minutes": cfp_spec.get("presentation_minutes", 30),
            "presentation_note": (cfp_spec.get("presentation_note") or "").strip(),
            "how_to_submit": (cfp_spec.get("how_to_submit") or "").strip(),
        })
        for order, name in enumerate(cfp_spec.get("topics", []), start=1):
            _upsert(report, "topic", Topic, {"cfp": cfp, "name": name}, {"order": order})

    for order, d_entry in enumerate(data.get("important_dates", []), start=1):
        kind = _require(d_entry, "kind", "an important date")
        day = _require(d_entry, "day", f"important date {kind}")
        if "at" in d_entry:  # a moment in the event's zone, e.g. the event itself
            moment, date_zone, is_deadline = _local(day, str(d_entry["at"]), zone), edition.time_zone, False
        else:  # a day only: the last second of that day, Anywhere on Earth
            date_zone = d_entry.get("zone", AOE_ZONE)
            moment, is_deadline = end_of_day(day, date_zone), True
        lookup = {"edition": edition, "kind": kind}
        if kind == ImportantDate.Kind.OTHER:
            lookup["label"] = d_entry["label"]
        _upsert(report, "important date", ImportantDate, lookup, {
            "label": d_entry.get("label", ImportantDate.Kind(kind).label),
            "moment": moment, "zone": date_zone, "is_deadline": is_deadline, "order": order,
        })

    for order, slug in enumerate(data.get("organizers", []), start=1):
        _upsert(report, "appearance", Appearance, {
            "person": person(slug), "edition": edition, "role": Appearance.Role.ORGANIZER,
            "talk": None, "session": None,
        }, {"affiliation": "", "order": order})
    return report
