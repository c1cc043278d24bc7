"""django-allauth adapter: account mails (confirmations, password resets) go through the outbox too."""
import uuid

from allauth.account.adapter import DefaultAccountAdapter

from .kinds import MailKind, account_kind
from .services import mail_queue


class OutboxAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        # Every confirmation or reset is its own mail: the key is unique per sending.
        mail_queue(kind=account_kind(template_prefix), object_key=MailKind.ACCOUNT.key(sending=uuid.uuid4()),
                   recipients=[email], subject=message.subject, body=message.body)
