"""django-allauth adapter: account mails (confirmations, password resets) go through the outbox too, and their
links use the site's address (``SITE_URL``), as every other mail does, not the host the request came in on.
Where people land after signing in and the site's name in those mails come from personal_site/accounts.py."""
import uuid
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from personal_site.accounts import SiteAccountAdapter

from .kinds import MailKind, account_kind
from .services import mail_queue


def on_site(url: str) -> str:
    """``url`` (an absolute link to one of the site's pages, as allauth builds it) moved onto ``SITE_URL``."""
    parts, site = urlsplit(url), urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, site.path.rstrip("/") + parts.path, parts.query, parts.fragment))


class OutboxAccountAdapter(SiteAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth puts its links (activate_url, password_reset_url, signup_url…) in the context, built from the
        # request; each is moved onto SITE_URL before the mail is rendered.
        context = {name: on_site(value) if isinstance(value, str) and value.startswith(("http://", "https://"))
                   else value for name, value in context.items()}
        message = self.render_mail(template_prefix, email, self.mail_context(context))
        # Every confirmation or reset is its own mail: the key is unique per sending.
        mail_queue(kind=account_kind(template_prefix), object_key=MailKind.ACCOUNT.key(sending=uuid.uuid4()),
                   recipients=[email], subject=message.subject, body=message.body)
