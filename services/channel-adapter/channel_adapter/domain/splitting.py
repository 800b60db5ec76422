"""Split a long reply into parts no longer than a platform's limit, preferring natural breaks."""

from __future__ import annotations

_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, in order; paragraph, sentence and word breaks win over cuts."""
    if limit < 1:
        raise ValueError("limit must be positive")
    remaining = text.strip()
    parts: list[str] = []
    while len(remaining) > limit:
        cut = _best_cut(remaining, limit)
        head, remaining = remaining[:cut].rstrip(), remaining[cut:].lstrip()
        if head:
            parts.append(head)
    if remaining:
        parts.append(remaining)
    return parts


def _best_cut(text: str, limit: int) -> int:
    window = text[: limit + 1]
    for separator in _BREAKS:
        at = window.rfind(separator, 0, limit + 1)
        # A break in the first third would leave a tiny part: cut harder instead.
        if at > limit // 3:
            return at + len(separator.rstrip())
    return limit
