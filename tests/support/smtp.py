"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it accepts and refusing on demand.

Use the ``smtp_server`` fixture (one server for the session) and ``smtp_backend`` (points Django's SMTP backend
at it for one test and clears what it recorded)::

    def test_receipt(smtp_backend):
        ...send mail through Django...
        smtp_backend.wait_for(1)
        [msg] = smtp_backend.messages            # email.message.EmailMessage, policy=email.policy.default
        assert msg.envelope_rcpt == ["author@example.org"]

Failure modes, each answered to a real SMTP client (Django's backend, smtplib):

- ``fail_next(n)``: the next ``n`` messages get ``451 4.3.0`` at DATA (a transient outage);
- ``refuse(True)`` … ``refuse(False)``: every message gets ``451`` while the flag is set;
- ``reject_recipient(addr)``: ``550 5.1.1`` at RCPT for that address (a permanent failure);
- ``defer_recipient(addr)``: ``451 4.7.1`` at RCPT for that address (greylisting: a transient failure);
- ``close_after(n)``: close each connection after it delivered ``n`` messages (a limit per connection: the next
  MAIL FROM on it finds the connection gone). ``connections()`` counts the connections messages arrived on
  (each accepted message records its client's ``peer``);
- ``hold_next(after=n)``: let ``n`` messages through, then hold the next one at DATA until ``release()``
  (``wait_until_held()`` returns once it is held). If the client vanishes meanwhile (a worker killed with SIGKILL)
  the message is dropped, never recorded, as a real server drops a conversation cut before its end
  (``abandoned`` counts those).
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import threading
import time

from aiosmtpd.controller import Controller

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EphemeralPortController(Controller):
    """aiosmtpd 1.4.6's self-check connects to port 0 when asked for ``port=0``: read the real port first."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class RecordingHandler:
    """The aiosmtpd handler: records accepted messages, answers 451/550 when told to. Thread-safe."""

    def __init__(self):
        self._cond = threading.Condition()
        self.messages: list[email.message.EmailMessage] = []
        self.data_attempts = 0  # DATA commands seen, accepted or not
        self.temporary_failures = 0  # 451 answers given
        self.rejected_recipients: list[str] = []  # 550 answers given, by address
        self.abandoned = 0  # held messages whose client went away
        self.held_peer: tuple | None = None  # (host, port) of the client whose message is held
        self._fail_next = 0
        self._refusing = False
        self._reject: set[str] = set()
        self._defer: set[str] = set()
        self._close_after: int | None = None
        self._closing: set = set()
        self._hold_after: int | None = None
        self._held = threading.Event()
        self._released = threading.Event()

    # --- controls, called from the test thread ---------------------------------------------------
    def clear(self) -> None:
        with self._cond:
            self.messages.clear()
            self.data_attempts = self.temporary_failures = self.abandoned = 0
            self.rejected_recipients.clear()
            self._fail_next = 0
            self._refusing = False
            self._reject.clear()
            self._defer.clear()
            self._close_after = None
            self._closing.clear()
            self._hold_after = None
            self._held.clear()
            self._released.set()  # let a message still held from an earlier test go on

    def fail_next(self, n: int) -> None:
        with self._cond:
            self._fail_next = n

    def refuse(self, refusing: bool = True) -> None:
        with self._cond:
            self._refusing = refusing

    def reject_recipient(self, address: str) -> None:
        with self._cond:
            self._reject.add(address.lower())

    def defer_recipient(self, address: str) -> None:
        with self._cond:
            self._defer.add(address.lower())

    def close_after(self, n: int | None) -> None:
        with self._cond:
            self._close_after = n

    def connections(self) -> int:
        with self._cond:
            return len({m.peer for m in self.messages})

    def hold_next(self, after: int = 0) -> None:
        with self._cond:
            self._hold_after = after
            self._held.clear()
            self._released.clear()

    def wait_until_held(self, timeout: float = 10) -> None:
        if not self._held.wait(timeout):
            raise TimeoutError(f"no message reached DATA within {timeout} s")

    def release(self) -> None:
        self._released.set()

    def wait_for(self, count: int, timeout: float = 10) -> list[email.message.EmailMessage]:
        """Wait until at least ``count`` messages were accepted; return them all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"{len(self.messages)} message(s) accepted within {timeout} s, expected {count}")
            return list(self.messages)

    def message_ids(self) -> list[str]:
        with self._cond:
            return [str(m["Message-ID"]) for m in self.messages]

    # --- aiosmtpd hooks, run in the server's event loop thread -----------------------------------
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._cond:
            if address.lower() in self._reject:
                self.rejected_recipients.append(address)
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            if address.lower() in self._defer:
                self.temporary_failures += 1
                return f"451 4.7.1 <{address}>: Recipient address deferred: greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._cond:
            self.data_attempts += 1
            if self._refusing or self._fail_next > 0:
                self._fail_next = max(self._fail_next - 1, 0)
                self.temporary_failures += 1
                return TEMPORARY_FAILURE
            hold = self._hold_after == 0
            if self._hold_after is not None:
                self._hold_after = None if hold else self._hold_after - 1
        if hold:
            self.held_peer = session.peer
            self._held.set()
            try:
                while not self._released.is_set():
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:  # the client went away (aiosmtpd cancels the handler on EOF)
                with self._cond:
                    self.abandoned += 1
                raise
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message.envelope_from = envelope.mail_from
        message.envelope_rcpt = list(envelope.rcpt_tos)
        message.peer = session.peer
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()
            on_this_connection = sum(1 for m in self.messages if m.peer == session.peer)
            if self._close_after and on_this_connection % self._close_after == 0:
                self._closing.add(session.peer)  # closed when this client starts its next message
        return "250 2.0.0 OK: queued"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._cond:
            closing = session.peer in self._closing
            self._closing.discard(session.peer)
        if closing:
            server.transport.close()  # the client finds the connection gone
            return "421 4.4.2 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class SMTPServer:
    """aiosmtpd running in a thread on 127.0.0.1; the handler's controls and records are exposed directly."""

    def __init__(self, host: str = "127.0.0.1"):
        self.handler = RecordingHandler()
        self.controller = EphemeralPortController(self.handler, hostname=host, port=0)
        self.host = host

    def start(self) -> SMTPServer:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release()
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def url(self) -> str:
        """For ``EMAIL_URL`` (django-environ): ``smtp://127.0.0.1:<port>``."""
        return f"smtp://{self.host}:{self.port}"

    def django_settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host, "EMAIL_PORT": self.port, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 10,
        }

    def __getattr__(self, name):  # messages, fail_next, refuse, reject_recipient, clear, wait_for, …
        return getattr(self.handler, name)

    def wait_quiet(self, seconds: float = 0.5, timeout: float = 20) -> None:
        """Wait until no DATA command arrived for ``seconds`` (the senders are done or stuck)."""
        deadline = time.monotonic() + timeout
        last, since = self.handler.data_attempts, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now_attempts = self.handler.data_attempts
            if now_attempts != last:
                last, since = now_attempts, time.monotonic()
            elif time.monotonic() - since >= seconds:
                return
        raise TimeoutError(f"SMTP traffic did not settle within {timeout} s")
