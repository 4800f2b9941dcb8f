"""Evidence in MLflow: the one place that writes to it (runs, registered models, artifacts, tags), and
the names everything else reads it by."""
