"""The safety and trustworthiness suite of GB/T 45654-2025 (TC260-003): taxonomy, requirements,
banks and their checks, sampling, and human review sheets."""
