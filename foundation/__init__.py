"""The bottom layer, below intake, benchmarks and the harness: the error type for bad input, the
project's paths and the reader of user-supplied JSONL. It imports nothing of the project."""
