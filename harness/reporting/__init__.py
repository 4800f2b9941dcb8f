"""Reports a committee reads: the run report and the round comparison as HTML and PDF, their charts,
and the labels both languages share. The Markdown report and storing reports with a run live in
harness/evidence/report.py."""
