"""Scoring: each suite kind's items through the loaded engine into per-item records, the judges, and the
statistics of what they measure."""
