"""Writes to submissions: creating, updating, withdrawing papers, storing PDFs, queueing receipts."""
