"""The small web side of the bot: the answer page that e-mails to a town's contacts link to (web/answer_page.py)."""
