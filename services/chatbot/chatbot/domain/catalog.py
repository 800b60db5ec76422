"""The seller's catalog as the bot sees it, and finding the product a customer is talking about."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from chatbot.domain.text import fold

STOPWORDS = frozenset((  # noqa: SIM905 - a sentence of words reads better than a 70-item list
    "o a os as um uma de do da dos das e em no na nos nas para pra pro por com sem que qual quanto quantos "
    "custa preco valor tem voce voces vc vcs me meu minha esse essa este esta isso ai la produto produtos "
    "item quero ver sobre mais ta eh ou se ja ainda"
).split())


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    name: str
    price: Decimal
    description: str = ""
    currency: str = "BRL"
    stock: int = 0
    synonyms: tuple[str, ...] = ()
    shipping_policy: str = ""
    return_policy: str = ""
    variants: tuple[str, ...] = ()

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


@dataclass(frozen=True)
class ProductMatch:
    product: Product
    score: float


@dataclass
class Catalog:
    products: list[Product] = field(default_factory=list)

    def find(self, text: str) -> ProductMatch | None:
        """The product the text names (by name, synonym or SKU), tolerant to typos and missing accents."""
        words = fold(text).split()
        best: ProductMatch | None = None
        for product, terms in self._phrase_terms:
            score = _phrase_score(terms, words)
            if score > 0 and (best is None or score > best.score):
                best = ProductMatch(product, score)
        return best if best and best.score >= 0.6 else None

    def by_id(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    @cached_property
    def _phrase_terms(self) -> list[tuple[Product, list[str]]]:
        """Each product's name, synonyms and SKU as significant folded words, folded once per catalog (a
        profile keeps its catalog until the catalog changes) instead of on every lookup."""
        phrases = []
        for product in self.products:
            for phrase in (product.name, *product.synonyms, product.sku):
                all_terms = fold(phrase).split()
                phrases.append((product, [t for t in all_terms if t not in STOPWORDS] or all_terms))
        return phrases


def _phrase_score(terms: list[str], words: list[str]) -> float:
    """Share of the phrase's significant words present in the text, weighted towards longer names."""
    if not terms:
        return 0.0
    hits = sum(1 for term in terms if any(_same_word(term, w) for w in words))
    if hits == 0:
        return 0.0
    share = hits / len(terms)
    if any(_same_word(terms[0], w) for w in words):
        share = max(share, 0.6)  # the head noun comes first in pt-BR names: "camiseta" names "Camiseta Básica"
    return share + 0.01 * hits


def _same_word(term: str, word: str) -> bool:
    if term == word:
        return True
    if len(term) < 4 or len(word) < 3:
        return False
    if word.startswith(term) or (term.startswith(word) and len(word) >= len(term) - 1):
        return True  # plurals and cut words: "fones", "camis"
    return len(term) >= 5 and _within_one_edit(term, word)


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i, j = diffs
            return a[i] == b[j] and a[j] == b[i]  # swapped letters: "fnoe"
        return len(diffs) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]
