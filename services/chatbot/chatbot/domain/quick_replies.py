"""Quick replies: a shop's saved answers, with variables an agent does not have to look up ({produto}, {preco},
{estoque}, {nome}) filled from the catalog and the conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.domain.money import format_brl

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
VARIABLE = re.compile(r"\{(\w+)\}")
VARIABLES = ("produto", "preco", "estoque", "nome")


@dataclass(frozen=True)
class ProductFacts:
    name: str
    price: float
    stock: int


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]  # variables left as written: no product chosen, unknown name


def render(template: str, contact_name: str, product: ProductFacts | None) -> Rendered:
    """Unknown variables and ones without a value stay as typed, so the agent sees what to fill in."""
    values: dict[str, str] = {}
    first_name = contact_name.strip().split(" ")[0] if contact_name.strip() else ""
    if first_name:
        values["nome"] = first_name
    if product is not None:
        values.update(produto=product.name, preco=format_brl(product.price), estoque=str(product.stock))
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return Rendered(VARIABLE.sub(fill, template), missing)
