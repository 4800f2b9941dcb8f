"""The evaluation harness: plan, engines, scoring and aggregation (the core), evidence in MLflow, and
the applications and CLI on top (pyproject.toml's import-linter contracts keep the layers)."""
