"""Everything that happens at a time: the dispatcher of due rows (reminders, nudges, deliveries)."""
