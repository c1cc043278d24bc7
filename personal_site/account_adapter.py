"""django-allauth adapter: account mails (confirmations, password resets) go through the outbox too."""
import uuid

from allauth.account.adapter import DefaultAccountAdapter

from personal_site.outbox.services import mail_queue


class OutboxAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        kind = "account-" + template_prefix.rsplit("/", 1)[-1].replace("email_", "").replace("_", "-")
        # Every confirmation or reset is its own mail: the key is unique per sending.
        mail_queue(kind=kind[:50], object_key=f"account:{uuid.uuid4()}", recipients=[email],
                   subject=message.subject, body=message.body)
