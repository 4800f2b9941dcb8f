"""Reports a committee reads, rendered from what MLflow holds: the run report as Markdown
(markdown.py), HTML and PDF, the round comparison, their charts, and the labels both languages
share. Storing a rendered report with its run is harness/evidence/reports.py."""
