"""The seller's catalog as the bot sees it, and finding the product a customer is talking about."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from chatbot.domain.text import fold
from chatbot.domain.wording import Noun, noun_of

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
    gender: str = ""  # masculine | feminine; empty = inferred from the name
    active: bool = True  # False: deactivated on the platform (kept, never offered: "not available right now")

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @cached_property
    def noun(self) -> Noun:
        """How the name takes articles and adjectives ("a Garrafa", "esgotada")."""
        return noun_of(self.name, self.gender)


@dataclass(frozen=True)
class ProductMatch:
    product: Product
    score: float


@dataclass
class Catalog:
    """What the bot may offer (`products`), and what the shop has but cannot offer now (`unavailable`: synced
    products the platform deactivated). An inactive product given in `products` is moved to `unavailable`."""

    products: list[Product] = field(default_factory=list)
    unavailable: list[Product] = field(default_factory=list)

    def __post_init__(self) -> None:
        if any(not p.active for p in self.products):
            self.unavailable = [*self.unavailable, *(p for p in self.products if not p.active)]
            self.products = [p for p in self.products if p.active]

    def find_unavailable(self, text: str) -> Product | None:
        """The deactivated product the text names, if any: the shop had it, so it is "not available at the
        moment", not a product the shop never sold."""
        if not self.unavailable:
            return None
        match = self._unavailable_catalog.find(text)
        return match.product if match else None

    @cached_property
    def _unavailable_catalog(self) -> Catalog:
        return Catalog([replace(p, active=True) for p in self.unavailable])  # found as any product is

    def find(self, text: str) -> ProductMatch | None:
        """The product the text names (by name, synonym or SKU), tolerant to typos and missing accents."""
        words = fold(text).split()
        best: ProductMatch | None = None
        exact = self._all_terms.intersection(words)  # "fone" is a word of the catalog: not a typo of "fonte"
        for product, terms in self._phrase_terms:
            score = _phrase_score(terms, words, exact)
            if score > 0 and (best is None or score > best.score):
                best = ProductMatch(product, score)
        if best and best.score >= 0.6:
            return best
        return self._by_model_term(words)

    def by_id(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def knows_word(self, word: str) -> bool:
        """Whether any product's name, synonym or SKU has this word (typos and plurals tolerated)."""
        return any(same_word(term, word) for _, terms in self._phrase_terms for term in terms)

    def in_stock(self, besides: Product | None = None) -> list[Product]:
        return [p for p in self.products if p.in_stock and p is not besides]

    def _by_model_term(self, words: list[str]) -> ProductMatch | None:
        """"o de 128gb": a term with digits and letters that only one product's name has."""
        found = {product.id: product for product, terms in self._phrase_terms for term in terms
                 if _is_model_term(term) and term in words and self._term_owners[term] == 1}
        return ProductMatch(next(iter(found.values())), 0.6) if len(found) == 1 else None

    @cached_property
    def _all_terms(self) -> frozenset[str]:
        return frozenset(term for _, terms in self._phrase_terms for term in terms)

    @cached_property
    def _term_owners(self) -> dict[str, int]:
        owners: dict[str, set[str]] = {}
        for product, terms in self._phrase_terms:
            for term in terms:
                owners.setdefault(term, set()).add(product.id)
        return {term: len(ids) for term, ids in owners.items()}

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


def _phrase_score(terms: list[str], words: list[str], exact: frozenset[str] | set[str] = frozenset()) -> float:
    """Share of the phrase's significant words present in the text, weighted towards longer names. A word that
    is itself a catalog term matches only that term (no typo tolerance towards another product's word)."""
    if not terms:
        return 0.0

    def present(term: str) -> bool:
        return any(term == w or (w not in exact and same_word(term, w)) for w in words)

    hits = sum(1 for term in terms if present(term))
    if hits == 0:
        return 0.0
    share = hits / len(terms)
    if present(terms[0]):
        share = max(share, 0.6)  # the head noun comes first in pt-BR names: "camiseta" names "Camiseta Básica"
    return share + 0.01 * hits


def _is_model_term(term: str) -> bool:
    return any(c.isdigit() for c in term) and any(c.isalpha() for c in term)


def same_word(term: str, word: str) -> bool:
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
