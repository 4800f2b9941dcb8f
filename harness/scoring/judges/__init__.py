"""Judges: decide one thing about one model response (refused or not, safe or not)."""
