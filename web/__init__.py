"""The answer page's parts below the handlers: its signed links (links.py), its templates and static files
(templating.py), shared with the e-mails that link to it. The page itself is served by bot/answer_page.py."""
