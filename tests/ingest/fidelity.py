"""Helpers of the fidelity tests: does every word of a source reach the stored text?"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def missing_words(source: str, stored: str) -> list[str]:
    """The words of ``source`` not found, in order, in ``stored`` (empty when all are kept).

    Words are matched as an ordered subsequence so that labels or separators
    added by a reader do not hide a word lost or moved elsewhere.
    """
    stored_words = _WORD.findall(stored)
    pos = 0
    missing = []
    for word in _WORD.findall(source):
        try:
            pos = stored_words.index(word, pos) + 1
        except ValueError:
            missing.append(word)
    return missing
