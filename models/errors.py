"""Refusals: the domain's way of saying no, as a catalogue key the handlers turn into a friendly text."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """An action was refused and nothing was changed. `key` names a text in the catalogue."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
