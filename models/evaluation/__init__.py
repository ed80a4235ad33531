"""Evaluation: the cooperation figures (figures.py) behind the evaluation report and docs/evaluation.md."""
