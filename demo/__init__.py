"""`actionbot demo`: the real bot against the local Bot API stand-in (botapi/), with a chat page in the browser."""
