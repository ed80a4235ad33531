"""The short survey after a meeting: its message and buttons (views, answer) and /feedback (results)."""
