"""django-allauth adapter: account mails (confirmations, password resets) go through the outbox too; where
people land after signing in and the site's name in those mails come from personal_site/accounts.py."""
import uuid

from personal_site.accounts import SiteAccountAdapter

from .kinds import MailKind, account_kind
from .services import mail_queue


class OutboxAccountAdapter(SiteAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, self.mail_context(context))
        # Every confirmation or reset is its own mail: the key is unique per sending.
        mail_queue(kind=account_kind(template_prefix), object_key=MailKind.ACCOUNT.key(sending=uuid.uuid4()),
                   recipients=[email], subject=message.subject, body=message.body)
