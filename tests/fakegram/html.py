"""Re-export: the HTML subset parser lives in botapi/html.py."""

from botapi.html import HtmlError, parse_html, unescape, utf16_len

__all__ = ["HtmlError", "parse_html", "unescape", "utf16_len"]
