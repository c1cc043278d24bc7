"""Papers submitted by email: stored raw first, then processed into a submission, a pending paper, an answer or nothing.

How a message travels (docs/email-intake.md has the full story):

1. ``storing.inbound_store``: the raw bytes go to default storage under a server-chosen name and an
   ``InboundMessage`` row is written (deduplicated by content hash), timestamped at arrival. Only then
   is the IMAP message marked handled or the pipe command's exit code 0.
2. ``tasks.process_inbound_message`` (after commit) calls ``processing.inbound_process``: parse with
   caps (``parsing``), skip automatic mail (``answers``), find the edition (``routing``), pick the one
   PDF and run the one PDF check and the one deadline rule at the arrival time (``paper``), and check
   who sent it (``verification``).
3. A paper from a verified sender becomes a submission through ``submissions.services.authoring``
   (``accounts`` finds or creates the contact's account); otherwise it waits, PENDING, for the sender
   to confirm by link or by reply. Every message gets one answer or, on purpose, none.
"""
