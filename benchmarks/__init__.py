"""Benchmark data and its loaders: suites declared as YAML, public benchmarks read in their released
layouts, the sector and safety taxonomies. Imports nothing from the harness."""
