"""One mail connection for a batch of outbox mails, telling "not delivered" apart from "may have been delivered".

The connection is Django's (``get_connection()``: the SMTP backend with the EMAIL_* settings, or the in-memory one
in tests), opened once for the batch. With the SMTP backend, each mail is one SMTP transaction on the open
connection, spoken step by step so that a broken connection is judged by *when* it broke:

- while connecting, or before the message went out (MAIL FROM, RCPT TO): nothing was delivered. A connection the
  server dropped between two mails (idle timeout, a limit of messages per connection) is opened again, once, and
  the mail tried again on it;
- during DATA: the server may have taken the message. That mail is ``MaybeDelivered`` and never retried; the next
  mail opens a new connection.

An answer from the server (a reply code) is always certain: 4xx and 5xx mean it did not take the message.
"""
import smtplib
import socket
import ssl

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

# Broken connections, as smtplib and the socket layer report them.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, OSError)


def build_message(mail, connection=None) -> EmailMessage:
    """The message of one outbox row (``outbox.models.OutboundMail``): its token is in the Message-ID."""
    headers = {"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated", "X-Outbox-Kind": mail.kind}
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.recipient],
        reply_to=[mail.reply_to] if mail.reply_to else None, headers=headers, connection=connection,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def is_transient(exc: Exception) -> bool:
    """A failure worth retrying: the server answered 4xx, or could not be reached at all.

    Configuration problems (no STARTTLS, a bad certificate, refused credentials) are permanent:
    retrying them for an hour and a half only hides them from the organizers.
    """
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, (ssl.SSLError, smtplib.SMTPNotSupportedError, smtplib.SMTPAuthenticationError)):
        return False
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                            socket.timeout, TimeoutError, socket.gaierror))


def describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}"


class MaybeDelivered(Exception):
    """The connection broke while the message was being handed over: it may have been delivered."""


class CannotConnect(Exception):
    """The connection could not be opened (``__cause__`` says why): no mail can go over it now."""


class _Dropped(Exception):
    """The connection broke before the message went out (nothing delivered)."""


class MailSession:
    """``send(message)`` per mail; ``close()`` at the end. Raises the server's refusal (an SMTPException with its
    code), ``MaybeDelivered`` or ``CannotConnect``; returns when the server accepted the message."""

    def __init__(self):
        self.backend = get_connection(fail_silently=False)
        self.is_open = False
        self._senders: dict[tuple, str] = {}

    def open(self) -> None:
        try:
            self.backend.open()
        except Exception as exc:
            self._discard()
            raise CannotConnect(str(exc)) from exc
        self.is_open = True

    def close(self) -> None:
        if self.is_open:
            try:
                self.backend.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; every outcome is known already
                pass
        self.is_open = False

    def send(self, message: EmailMessage, before_data=None) -> None:
        """``before_data()`` runs right before the message can be delivered (before DATA); what it raises ends
        the SMTP transaction without the message."""
        before_data = before_data or (lambda: None)
        if not self.is_open:
            self.open()
        if not isinstance(self.backend, SMTPBackend):
            before_data()
            self._send_other(message)
            return
        try:
            self._transaction(message, before_data)
        except _Dropped:
            # The server closed the connection before this message went out: open a new one, once.
            self._discard()
            self.open()
            try:
                self._transaction(message, before_data)
            except _Dropped as again:
                self._discard()
                raise smtplib.SMTPServerDisconnected(f"the connection broke twice before the message went out "
                                                     f"({again})") from None

    def _transaction(self, message: EmailMessage, before_data) -> None:
        smtp = self.backend.connection
        encoding = message.encoding or settings.DEFAULT_CHARSET
        if (message.from_email, encoding) not in self._senders:  # every mail of a batch has the same sender
            self._senders[message.from_email, encoding] = sanitize_address(message.from_email, encoding)
        sender = self._senders[message.from_email, encoding]
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        raw = message.message().as_bytes(linesep="\r\n")
        refused = {}
        try:  # smtplib's exceptions are OSErrors too: refusals are raised after this block, never caught here
            smtp.ehlo_or_helo_if_needed()
            options = [f"size={len(raw)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
            code, reply = smtp.mail(sender, options)
            if code == 250:
                for recipient in recipients:
                    rcpt_code, rcpt_reply = smtp.rcpt(recipient)
                    if rcpt_code not in (250, 251):
                        refused[recipient] = (rcpt_code, rcpt_reply)
        except CONNECTION_ERRORS as exc:
            self._discard()
            raise _Dropped(f"{type(exc).__name__}: {exc}") from exc
        if code == 421 or any(rcpt_code == 421 for rcpt_code, _ in refused.values()):
            # "Service not available, closing the channel": a connection ended before the message went out.
            self._discard()
            raise _Dropped(f"421 {(reply if code == 421 else next(iter(refused.values()))[1])!r}")
        if code != 250:
            self._end_transaction()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        if refused:  # the outbox sends to one recipient per mail: any refusal refuses the mail
            self._end_transaction()
            raise smtplib.SMTPRecipientsRefused(refused)
        try:
            before_data()
        except BaseException:
            self._end_transaction()
            raise
        try:
            code, reply = smtp.data(raw)
        except smtplib.SMTPDataError as exc:  # DATA itself refused: the message never went out
            self._end_transaction(exc.smtp_code)
            raise
        except CONNECTION_ERRORS as exc:
            self._discard()
            raise MaybeDelivered(f"{type(exc).__name__}: {exc}") from exc
        if code != 250:  # the server's answer to the message: not taken (the reply ends the SMTP transaction)
            if code == 421:
                self._discard()
            raise smtplib.SMTPDataError(code, reply)

    def _end_transaction(self, code: int = 0) -> None:
        """After a refusal: RSET, so the next mail starts afresh (421: the server is closing the connection)."""
        if code == 421:
            self._discard()
            return
        try:
            self.backend.connection.rset()
        except CONNECTION_ERRORS:
            self._discard()

    def _send_other(self, message: EmailMessage) -> None:
        """A non-SMTP backend (memory, files, console): nothing can be half-delivered but a broken transport."""
        try:
            self.backend.send_messages([message])
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise
        except CONNECTION_ERRORS as exc:
            self._discard()
            raise MaybeDelivered(f"{type(exc).__name__}: {exc}") from exc

    def _discard(self) -> None:
        """Forget a broken connection without talking to the server again."""
        connection = getattr(self.backend, "connection", None)
        if connection is not None and hasattr(connection, "close"):
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass
        if isinstance(self.backend, SMTPBackend):
            self.backend.connection = None
        self.is_open = False
