"""Telegram I/O per feature: parse the update, call the domain in models/, render a view."""
