"""Review of submissions: reviewers, assignments, conflicts, reviews, decisions and decision mail."""
