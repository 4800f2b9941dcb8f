"""Intake: a submission's manifest and checkpoint checked as untrusted input, fingerprinted, signed by
the enterprise where it says so, and copied into the checkpoint store. Writes nothing to MLflow."""
