"""The SENT mark of each mail of a batch: one UPDATE, written while the next mail's SMTP transaction begins.

The mark matches only while the batch's claim holds (id, claim token, still SENDING). It is a commit, and on
PostgreSQL a commit waits for the disk. So the batch sends it without waiting for the answer (libpq's
asynchronous query, on Django's own connection), begins the next mail's SMTP transaction (MAIL FROM, RCPT TO:
nothing can be delivered yet) and takes the answer right before that mail's DATA. The rule the sweep relies on
still holds: a mail goes out only when the mail before it is recorded SENT. Elsewhere (SQLite) the UPDATE runs
at once. Nothing else may use the connection while a mark is in flight: ``finish()`` comes first.
"""
import select

from django.db import DatabaseError, connection
from django.utils import timezone

from .models import OutboundMail

State = OutboundMail.State
WAIT_SECONDS = 60  # an answer of the database, at most


def _sql(placeholder) -> str:
    meta = OutboundMail._meta
    q = connection.ops.quote_name
    column = {name: q(meta.get_field(name).column) for name in ("id", "state", "sent_at", "sending_since",
                                                                 "last_error", "claim_token")}
    p = [placeholder(i) for i in range(1, 6)]
    return (f"UPDATE {q(meta.db_table)} SET {column['state']} = {p[0]}, {column['sent_at']} = {p[1]}, "
            f"{column['sending_since']} = NULL, {column['last_error']} = '' "
            f"WHERE {column['id']} = {p[2]} AND {column['claim_token']} = {p[3]} AND {column['state']} = {p[4]}")


def _broken(message: str) -> DatabaseError:
    """The connection's state is unknown (a query may still be running on it, unseen by Django): close it, so
    the worker's next query opens a fresh one. The row stays SENDING or became SENT; the sweep judges it."""
    connection.close()
    return DatabaseError(message)


class SentMarks:
    """``start(pk)`` after the server took mail ``pk``; ``finish()`` returns whether that mark matched (None
    when no mark is pending) and tells ``on_result(pk, matched)``. At most one mark is in flight."""

    def __init__(self, token, on_result):
        self.token, self.on_result = token, on_result
        self.pending: int | None = None  # the mail whose mark is in flight (or done, not yet finished)
        self._result: bool | None = None
        self._pgconn = self._postgresql_connection()
        self._sql = _sql(lambda i: f"${i}") if self._pgconn is not None else _sql(lambda i: "%s")

    @staticmethod
    def _postgresql_connection():
        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        return getattr(connection.connection, "pgconn", None)  # psycopg 3

    def start(self, pk: int) -> None:
        if self.pending is not None:
            raise RuntimeError("finish() the SENT mark in flight first")
        self.pending, self._result = pk, None
        now = timezone.now()
        if self._pgconn is None:
            field = OutboundMail._meta.get_field
            with connection.cursor() as cursor:
                cursor.execute(self._sql, [State.SENT, field("sent_at").get_db_prep_value(now, connection), pk,
                                           field("claim_token").get_db_prep_value(self.token, connection),
                                           State.SENDING])
                self._result = cursor.rowcount == 1
            return
        pgconn = self._pgconn
        params = [State.SENT.encode(), now.isoformat().encode(), str(pk).encode(), str(self.token).encode(),
                  State.SENDING.encode()]
        try:
            pgconn.send_query_params(self._sql.encode(), params)
            while pgconn.flush():  # nonblocking (as psycopg keeps it): hand the whole query to the socket
                select.select([], [pgconn.socket], [], WAIT_SECONDS)
        except Exception as exc:  # noqa: BLE001 - libpq's errors, as Django's
            raise _broken(f"the SENT mark could not be sent: {exc}") from exc

    def finish(self) -> bool | None:
        if self.pending is None:
            return None
        pk, self.pending = self.pending, None
        if self._result is None:
            self._result = self._answer()  # an error here leaves the row SENDING: the sweep judges it
        self.on_result(pk, self._result)
        return self._result

    def _answer(self) -> bool:
        pgconn = self._pgconn
        matched, error = False, None
        try:
            while True:
                pgconn.consume_input()
                if not pgconn.is_busy():
                    break
                if not select.select([pgconn.socket], [], [], WAIT_SECONDS)[0]:
                    raise _broken(f"no answer from PostgreSQL to a SENT mark within {WAIT_SECONDS} s")
            while (result := pgconn.get_result()) is not None:
                if result.error_message:
                    error = result.error_message.decode(errors="replace")
                else:
                    matched = int(result.command_tuples or 0) == 1
        except DatabaseError:
            raise
        except Exception as exc:  # noqa: BLE001 - libpq's errors (a broken connection), as Django's
            raise _broken(f"the answer to a SENT mark could not be read: {exc}") from exc
        if error:
            raise DatabaseError(f"the SENT mark failed: {error}")
        return matched
