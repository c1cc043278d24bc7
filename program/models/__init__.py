"""Program data: editions, their sessions and talks, important dates and the call for participation."""
from .cfp import CallForParticipation, Topic
from .dates import ImportantDate
from .edition import Edition
from .schedule import Session, Talk

__all__ = ["CallForParticipation", "Edition", "ImportantDate", "Session", "Talk", "Topic"]
