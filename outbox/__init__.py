"""The outbox: every mail the site sends is a row first, written in the transaction that caused it.

A Celery task sends a row after the transaction commits; a beat sweep re-dispatches rows that were
left queued (a lost broker message, Redis down). A row is sent only from the QUEUED state and is
flipped to SENDING in its own transaction before the SMTP conversation, so two workers can never
both send it; a row found SENDING after its worker died is marked UNCERTAIN, never resent by itself.
"""
