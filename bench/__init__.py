"""`python -m bench`: actionbot against a bare python-telegram-bot echo bot, through the fake Bot API server."""
