"""CSV import of a catalog: one product per row, header names as in the API (sku, name, price, ...)."""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from chatbot.domain.catalog import Product
from chatbot.domain.money import to_decimal
from chatbot.domain.text import fold

REQUIRED = ("sku", "name", "price")
_GENDERS = {"m": "masculine", "masculino": "masculine", "masculine": "masculine", "o": "masculine",
            "f": "feminine", "feminino": "feminine", "feminine": "feminine", "a": "feminine"}
MAX_ROWS = 5000


@dataclass
class ParsedCatalog:
    products: list[Product] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)  # the header lacks them: not a catalog at all


def parse_price(raw: str) -> Decimal:
    text = raw.strip().upper().replace("R$", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    value = to_decimal(text)
    if value < 0:
        raise InvalidOperation
    return value


def parse_csv(data: bytes) -> ParsedCatalog:
    parsed = ParsedCatalog()
    text = data.decode("utf-8-sig", errors="replace")
    dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)  # the csv module wants newline=""
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        parsed.errors.append(f"header: missing column(s) {', '.join(missing)}")
        parsed.missing_columns = missing
        return parsed
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            parsed.errors.append(f"line {line}: more than {MAX_ROWS} rows, the rest was ignored")
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        product, error = _product(row)
        if error:
            parsed.errors.append(f"line {line}: {error}")
        elif product:
            parsed.products.append(product)
    return parsed


def _product(row: dict[str, str]) -> tuple[Product | None, str]:
    if not row.get("sku") or not row.get("name"):
        return None, "sku and name are required"
    if len(row["sku"]) > 64 or len(row["name"]) > 200:
        return None, "sku (64) or name (200) too long"
    try:
        price = parse_price(row.get("price", ""))
    except (InvalidOperation, ValueError):
        return None, f"price: '{row.get('price', '')}' is not an amount"
    try:
        stock = int(row.get("stock") or 0)
        if stock < 0:
            raise ValueError
    except ValueError:
        return None, f"stock: '{row.get('stock')}' is not a whole number >= 0"
    return Product(
        id="", sku=row["sku"], name=row["name"], price=price, description=row.get("description", ""),
        currency=(row.get("currency") or "BRL").upper()[:3], stock=stock,
        synonyms=_list(row.get("synonyms", "")), variants=_list(row.get("variants", "")),
        shipping_policy=row.get("shipping_policy", ""), return_policy=row.get("return_policy", ""),
        gender=_GENDERS.get(fold(row.get("gender", "")), ""),
    ), ""


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.replace("|", ";").split(";") if item.strip())
