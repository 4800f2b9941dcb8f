"""The shared tracking server: `mlflow server` with a private PostgreSQL cluster and basic-auth."""
