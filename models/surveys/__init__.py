"""The short survey after a meeting: planning and answering (core), and the figures leads see (results)."""
