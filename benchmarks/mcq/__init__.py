"""Multiple-choice data: C-Eval and CMMLU layouts, SafetyBench, risk identification, and the prompt
they share with lm-eval."""
