"""Every link a mail gives to one of the site's own pages starts with ``SITE_URL``.

Checked after every test that touched the database (``tests/conftest.py``), over every mail the test
queued, whatever the flow that queued it: a mail that links ``http://testserver/…``, ``localhost`` or a
bare path while the site is elsewhere would send its reader nowhere. Links to other sites (the webinar,
a speaker's homepage) are left alone; a link counts as the site's own when its host is the site's, a
development host, or its path is one of the site's own top-level sections.
"""
import re
from urllib.parse import urlsplit

LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+")
DEVELOPMENT_HOSTS = {"testserver", "localhost", "127.0.0.1", "example.com", "0.0.0.0"}
SITE_SECTIONS = ("/accounts/", "/submissions/", "/review/", "/videos/", "/organizer/", "/people/", "/talks/",
                 "/admin/")


def links_elsewhere(text: str, site_url: str) -> list[str]:
    """The links in ``text`` that point at the site's own pages without starting with ``site_url``."""
    site_host = urlsplit(site_url).hostname
    wrong = []
    for link in LINK.findall(text or ""):
        link = link.rstrip(".,;:!?")
        if link.startswith(site_url + "/") or link == site_url:
            continue
        parts = urlsplit(link if "://" in link else "http://" + link)
        if parts.hostname in DEVELOPMENT_HOSTS | {site_host} or parts.path.startswith(SITE_SECTIONS):
            wrong.append(link)
    return wrong


def mails_with_links_elsewhere(site_url: str) -> dict[str, list[str]]:
    from outbox.models import OutboundMail

    found = {}
    for mail in OutboundMail.objects.only("pk", "kind", "subject", "body", "html"):
        wrong = links_elsewhere(mail.body, site_url) + links_elsewhere(mail.html, site_url)
        if wrong:
            found[f"#{mail.pk} {mail.kind} {mail.subject!r}"] = wrong
    return found
