"""Reply templates: placeholder rendering and a lint for TikTok Shop's review policy (no incentives)."""

from __future__ import annotations

import re
import string

PLACEHOLDERS = {"buyer", "product", "text"}
# Sellers must not ask buyers to change reviews or offer incentives for them (seller-us policy 4451321470682882).
FORBIDDEN = [
    r"\bmude (sua|a) avalia", r"\balter(e|ar) (sua|a) avalia", r"\bremova (sua|a) avalia", r"\bapague",
    r"\bchange (your|the) review", r"\bremove (your|the) review", r"\bdelete (your|the) review",
    r"\b(cupom|desconto|reembolso|brinde) (em troca|se)\b", r"\bin exchange for\b", r"\b5 estrelas\b",
    r"\bfive stars?\b", r"\b5 stars?\b",
]


def lint_reply_template(template: str) -> str:
    """An explanation when the template breaks a rule, else an empty string."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return f"malformed placeholder ({exc})"
    unknown = names - PLACEHOLDERS
    if unknown:
        return f"unknown placeholder(s) {sorted(unknown)}; use {sorted(PLACEHOLDERS)}"
    lowered = template.lower()
    for pattern in FORBIDDEN:
        if re.search(pattern, lowered):
            return "must not ask buyers to change reviews or offer incentives (TikTok Shop review policy)"
    return ""


def render_reply(template: str, *, buyer: str = "", product: str = "", text: str = "") -> str:
    first_name = buyer.split()[0] if buyer.strip() else "cliente"
    return template.format(buyer=first_name, product=product or "produto", text=text).strip()
