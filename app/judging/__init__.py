"""Judging: conflicts of interest, assignments, reviews, screening, rankings, the pitch round."""
