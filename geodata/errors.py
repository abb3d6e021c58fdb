"""One error type for requests the data layer refuses, worded in Vietnamese and English.

Why shared: exports, figures and the API all refuse bad parameters the same way, and
the web layer answers every such refusal with one 400 handler.
"""

from __future__ import annotations


class BilingualError(ValueError):
    """A refusal the user can act on; ``str()`` is the English text."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en = message_vi, message_en
