"""Submissions: papers, their authors and PDF versions, their history, and deadline extensions."""
from .extension import DeadlineExtension
from .paper import PaperVersion
from .submission import Submission, SubmissionAuthor, SubmissionEvent

__all__ = ["DeadlineExtension", "PaperVersion", "Submission", "SubmissionAuthor", "SubmissionEvent"]
