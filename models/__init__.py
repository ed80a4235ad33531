"""The domain: tables, queries and rules of actionbot.

Nothing here touches Telegram: handlers, the scheduler and tests get a verdict without an update in hand.
"""
