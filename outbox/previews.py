"""Sample contexts for previewing every mail kind (the organizer area's mail page, and a test that
renders each template with them). The samples mimic the objects the senders pass; nothing is stored."""
import datetime
from types import SimpleNamespace as Sample

from .kinds import MailKind

# Kinds whose words are not our templates: the organizers' own decision template (previewed per paper
# on the decisions page) and django-allauth's account mails (its templates, under templates/account/).
NOT_TEMPLATED = (MailKind.DECISION, MailKind.ACCOUNT)
AT = datetime.datetime(2020, 5, 1, 14, 30, tzinfo=datetime.UTC)


def _world(site_url: str) -> dict:
    edition = Sample(title="PeRSonAl 2020 (sample)", slug="sample", submission_email="papers@example.org",
                     watch_url="https://example.org/webinar")
    authors = [Sample(name="Ada Author", email="ada@example.org", affiliation="Example University"),
               Sample(name="Bo Coauthor", email="bo@example.org", affiliation="")]
    submission = Sample(pk=17, title="A Sample Paper on Recommendations", edition=edition, is_withdrawn=False,
                        is_draft=False, get_status_display="Submitted", contact=Sample(email="ada@example.org"))
    talk = Sample(title=submission.title, slot_length_minutes=30)
    video = Sample(file_name="talk.mp4", reason="The video is 41 min 10 s long; the talk's slot is 30 minutes.")
    inbound = Sample(subject="Our paper", received_at=AT, pdf_name="paper.pdf", pdf_pages=2, pdf_sha256="ab" * 32)
    deadline = "May 8, 2020, 23:59:59 AoE (UTC-12)"
    return {
        "edition": edition, "submission": submission, "authors": authors, "author": authors[0], "talk": talk,
        "video": video, "inbound": inbound, "deadline": deadline, "url": f"{site_url}/submissions/17/",
        "event": Sample(get_action_display="Submitted", at=AT, note=""),
        "version": Sample(received_at=AT, page_count=2, size=123456, sha256="cd" * 32),
        "edit_url": f"{site_url}/submissions/17/edit/", "password_reset_url": f"{site_url}/accounts/password/reset/",
        "emailed": False, "reason": "The PDF has 3 pages; the limit is 2.", "title": submission.title, "days": 7,
        "invitation": Sample(name="Rita Reviewer", email="rita@example.org"), "inviter": "Olga Organizer",
        "link": f"{site_url}/review/invitations/sample/", "profile_link": f"{site_url}/people/profile/sample/",
        "person": Sample(name="Ada Author"), "starts": datetime.datetime(2020, 5, 29, 12, 0), "zone": "EDT",
        "role": "presenter", "what": submission.title, "description": "29 min 40 s long, 1920×1080, h264/aac",
        "reviewer": Sample(name="Rita Reviewer"), "list_link": f"{site_url}/review/",
        "papers": [{"number": 17, "title": submission.title, "link": f"{site_url}/review/papers/17/"},
                   {"number": 23, "title": "Another Sample Paper", "link": f"{site_url}/review/papers/23/"}],
        "speaker_url": f"{site_url}/videos/talks/sample/", "organizer_url": f"{site_url}/videos/organizer/sample/",
    }


def previewable_kinds() -> list[MailKind]:
    return [kind for kind in MailKind if kind not in NOT_TEMPLATED]


def sample_context(*, site_url: str) -> dict:
    """One sample world for every kind: each template takes what it needs from it."""
    return _world(site_url)
