"""The idle yardstick: bench/echo.py polling with PTB's defaults, in a process that imports nothing else.

`python -m bench.idle_echo TOKEN API_URL` (started by bench/idle.py): only python-telegram-bot is loaded, so
its memory is what a bare PTB bot costs.
"""

from __future__ import annotations

import logging
import signal
import sys

from telegram.ext import Application

from bench.echo import build_echo_bot


def main() -> int:
    token, api_url = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    app = build_echo_bot(token, f"{api_url}/bot", Application)
    app.run_polling(stop_signals=(signal.SIGTERM, signal.SIGINT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
