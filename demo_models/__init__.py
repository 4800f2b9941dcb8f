"""The tiny demo models, trained here (torch, transformers, tokenizers) so that the demo and the tests
never touch a model hub. Not part of the runtime: nothing in harness/ imports it but the demo
command (harness/demo/job.py)."""
