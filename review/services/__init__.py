"""Writes of the review: invitations, assignments, conflicts, reviews, staged and released decisions."""
