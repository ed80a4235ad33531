"""The evaluation report (interim report of the scientific monitoring): content, charts, PDF and HTML."""
