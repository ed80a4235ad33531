"""The short survey after a meeting: planning and answering (core, answers), and the figures leads see (results)."""
