"""What a reply may claim: prices, stock, deadlines, policies and colours only as the planned facts state them,
written with figures or in words, and never the same answer over and over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from chatbot.domain.answer_plan import AnswerKind, AnswerPlan
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.entities import COLOURS, stem, unknown_product_in
from chatbot.domain.money import amounts_in, to_decimal
from chatbot.domain.text import fold

_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_POLICY_TOPICS: dict[str, tuple[str, ...]] = {
    "returns": ("devolucao", "reembolso", "estorno", "troca gratis", "dias para troca", "dias para devol"),
    "shipping": ("frete gratis", "frete e gratis", "entrega gratis", "prazo de entrega e", "dias uteis"),
    "payment": ("parcel", "sem juros", "boleto", "cartao", "pix"),
    "warranty": ("garantia de", "de garantia"),
}
# "as condições de garantia" names the topic; "garantia de 1 ano" / "90 dias de garantia" states a policy.
_STATES_WARRANTY = re.compile(r"\bgarantia de (?!fabrica)\w+|\b\w+ (?:dias|meses|ano|anos) de garantia\b")
# pt-BR numbers in words, as a reply may write a price, a count or a deadline ("setenta reais", "duas unidades").
_UNITS = {"zero": 0, "um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
          "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13, "catorze": 14,
          "quatorze": 14, "quinze": 15, "dezesseis": 16, "dezessete": 17, "dezoito": 18, "dezenove": 19,
          "vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50, "sessenta": 60, "setenta": 70, "oitenta": 80,
          "noventa": 90, "cem": 100, "cento": 100, "duzentos": 200, "duzentas": 200, "trezentos": 300,
          "quatrocentos": 400, "quinhentos": 500, "seiscentos": 600, "setecentos": 700, "oitocentos": 800,
          "novecentos": 900}
_NUMBER_WORD = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBER = rf"(?:\d+|(?:{_NUMBER_WORD}|mil)(?: (?:e )?(?:{_NUMBER_WORD}|mil))*)"
_SPELLED_PRICE = re.compile(rf"\b({_NUMBER})(?: (?:reais|real|conto|contos|pila)\b)(?: e ({_NUMBER}) centavos?)?")
_BARE_PRICE = re.compile(r"(?<![\d.,$])(\d{1,3}(?:\.\d{3})*,\d{2})(?![\d%])"  # "69,90" without R$
                         r"|\b(?:por|custa|custam|sai|saem|fica|ficam|apenas|so)\s+(?:r\s*)?(\d{1,5})(?![\d,.]|\s*(?:x|%"
                         r"|dias|horas|unidades|vezes|parcelas|meses|semanas))")
_STOCK = re.compile(rf"\b({_NUMBER})\s*(?:unidades|unidade|pecas|itens|em estoque)\b")
_SCARCITY = re.compile(r"\b(ultimas unidades|ultima unidade|ultimas pecas|restam poucas|poucas unidades|quase acabando"
                       r"|esta acabando|estoque limitado)\b")
_DEADLINE = re.compile(rf"\b({_NUMBER})\s*(?:a\s*({_NUMBER})\s*)?(dias?|horas?|semanas?|mes|meses|anos?)\b")
_UNIT_CLASS = {"dia": "dia", "dias": "dia", "hora": "hora", "horas": "hora", "semana": "semana", "semanas": "semana",
               "mes": "mes", "meses": "mes", "ano": "ano", "anos": "ano"}
_VAGUE_DEADLINE = re.compile(
    r"\b(?:(?:chega|chegam|entrega|entregamos|envia|enviamos|sai|despacha\w*|volta|voltam|repoe|repomos)\s+(?:ja\s+)?"
    r"(?:amanha|hoje|no mesmo dia|em 24 ?h|logo)|em breve|logo logo|semana que vem|proxima semana"
    r"|nos proximos dias|ainda (?:esta|essa) semana)\b")
_IN_STOCK_WORDS = re.compile(r"\b(disponivel|disponiveis|em estoque|pronta entrega|temos sim|tem sim|pode comprar"
                             r"|ja pode (?:comprar|pedir|garantir)|garanta (?:o|a) sua?|compre ja|ainda temos"
                             r"|vendemos|trabalhamos com)\b")
_SOLD_OUT_WORDS = re.compile(r"\b(esgotad\w*|indisponivel|sem estoque|nao temos|acabou|em falta)\b")
_NEGATION = re.compile(r"\b(nao|sem|infelizmente|nenhum|nenhuma)\b")


def is_repetition(reply: str, recent_bot_replies: list[str]) -> bool:
    """The same answer as one of the last bot replies (the customer is stuck in a loop)."""
    folded = fold(reply)
    return bool(folded) and any(fold(previous) == folded for previous in recent_bot_replies[-2:])


@dataclass(frozen=True)
class Claim:
    kind: str  # price | stock | deadline | policy | variant
    detail: str


def number_in_words(text: str) -> int | None:
    """"setenta e nove" -> 79, "mil e duzentos" -> 1200, "42" -> 42; None if it is not a number."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for word in text.split():
        if word == "e":
            continue
        if word == "mil":
            total, current = total + max(current, 1) * 1000, 0
        elif word in _UNITS:
            current += _UNITS[word]
        else:
            return None
    return total + current


def stated_amounts(reply: str) -> set[Decimal]:
    """Every money amount a reply states: "R$ 69,90", "69,90", "por 69", "setenta reais"."""
    folded = _fold_keeping_commas(reply)
    found = set(amounts_in(reply))
    for match in _BARE_PRICE.finditer(folded):
        raw = (match.group(1) or match.group(2)).replace(".", "").replace(",", ".")
        found.add(to_decimal(raw))
    for match in _SPELLED_PRICE.finditer(folded):
        whole = number_in_words(match.group(1))
        cents = number_in_words(match.group(2)) if match.group(2) else 0
        if whole is not None and cents is not None:
            found.add(to_decimal(Decimal(whole) + Decimal(cents) / 100))
    return found


def _fold_keeping_commas(text: str) -> str:
    """Folded, with the decimal comma and thousands dot of numbers kept ("1.299,90")."""
    marked = re.sub(r"(?<=\d)([.,])(?=\d)", lambda m: "qvq" if m.group(1) == "," else "qpq", text)
    return fold(marked).replace("qvq", ",").replace("qpq", ".")


def unsupported_claims(reply: str, plan: AnswerPlan, catalog: Catalog) -> list[Claim]:
    """Every price, stock, deadline, policy or colour the reply states that the plan's facts do not (empty =
    send it)."""
    claims: list[Claim] = []
    allowed = plan.allowed_amounts()
    for amount in sorted(stated_amounts(reply) - allowed):
        claims.append(Claim("price", f"{amount} is not in the facts"))
    claims += _per_product(reply, plan, catalog, allowed)
    claims += _stock_counts(without_names(fold(reply), catalog), plan)
    claims += _unknown_products(reply, plan, catalog)
    folded_reply = fold(reply)
    policy_sources = fold(" ".join(plan.policy_texts()))
    claims += _deadlines(folded_reply, policy_sources)
    planned = {topic.value for topic in plan.policies()}
    for topic, phrases in _POLICY_TOPICS.items():
        for phrase in phrases:
            if topic == "warranty" and not _STATES_WARRANTY.search(folded_reply):
                break
            if phrase in folded_reply and phrase not in policy_sources and topic not in planned:
                claims.append(Claim("policy", f"{topic}: '{phrase}'"))
                break
    return claims


def _per_product(reply: str, plan: AnswerPlan, catalog: Catalog, allowed: set[Decimal]) -> list[Claim]:
    """Sentence by sentence, about the product it names (or the one the reply was about): its own price, no
    stock when sold out, only its colours."""
    claims: list[Claim] = []
    own_extra = allowed - {p.price.quantize(Decimal("0.01")) for p in catalog.products}
    subject = next((a.product for a in plan.answers if a.product is not None), None)
    heads = [(p, fold(p.name).split()[:1]) for p in catalog.products]  # each name's first word, folded once
    for sentence in _SENTENCES.split(reply):
        folded = fold(sentence)
        words = set(folded.split())
        named = [p for p, head in heads if head and head[0] in words]
        if len(named) > 1:
            continue  # a list of products: its amounts are checked against the facts as a whole
        # the catalog search (the costly part) only when no product's name starts the sentence's words
        found = named[0] if named else (match.product if (match := catalog.find(sentence)) else None)
        subject = found or subject  # "Chega em breve e você já pode comprar": the product talked about
        if subject is None:
            continue
        product = subject
        if found:
            for amount in sorted(stated_amounts(sentence) - {product.price.quantize(Decimal("0.01"))} - own_extra):
                if amount in allowed:
                    claims.append(Claim("price", f"{amount} belongs to another product, not {product.name}"))
        if not product.in_stock and _IN_STOCK_WORDS.search(folded) and not _SOLD_OUT_WORDS.search(folded):
            claims.append(Claim("stock", f"{product.name} is sold out"))
        claims += _colours(folded, product)
    return claims


def _colours(folded: str, product: Product) -> list[Claim]:
    if _NEGATION.search(folded):
        return []  # "não vem em verde"
    own = {stem(w) for text in (*product.variants, product.name, product.description) for w in fold(text).split()}
    return [Claim("variant", f"{product.name} does not come in {word}") for word in folded.split()
            if word in COLOURS or stem(word) in {stem(c) for c in COLOURS}
            if stem(word) not in own]


def without_names(folded: str, catalog: Catalog) -> str:
    """The text without the catalog's product names ("5 peças" in "Jogo de Panelas 5 peças" is not a count)."""
    for name in sorted((fold(p.name) for p in catalog.products), key=len, reverse=True):
        if name and name in folded:
            folded = re.sub(rf"\b{re.escape(name)}\b", " ", folded)
    return folded


def _stock_counts(folded: str, plan: AnswerPlan) -> list[Claim]:
    claims: list[Claim] = []
    allowed_stock = plan.allowed_stock()
    for stock in _STOCK.finditer(folded):
        count = number_in_words(stock.group(1))
        if count is not None and count not in allowed_stock:
            claims.append(Claim("stock", f"{stock.group(1)} units is not in the facts"))
    scarce = _SCARCITY.search(folded)
    if scarce and not any(0 < n <= 3 for n in allowed_stock):
        claims.append(Claim("stock", scarce.group(0)))
    return claims


def _unknown_products(reply: str, plan: AnswerPlan, catalog: Catalog) -> list[Claim]:
    """A product the shop does not sell, said to be sold or available."""
    claims: list[Claim] = []
    unknown = [a.text for a in plan.answers if a.kind is AnswerKind.UNKNOWN_PRODUCT and a.text]
    for sentence in _SENTENCES.split(reply):
        folded = without_names(fold(sentence), catalog)  # "iphone" in "Capinha iPhone 13" is not the iPhone
        if _IN_STOCK_WORDS.search(folded) and not _NEGATION.search(folded) and catalog.find(sentence) is None:
            named = unknown_product_in(re.sub(r"\b(temos|vendemos|trabalhamos com)\b", "tem", folded), catalog)
            if named:  # "Temos o notebook gamer disponível"
                claims.append(Claim("stock", f"{named} is not in the catalog"))
                continue
        for name in unknown:
            words = [w for w in fold(name).split() if len(w) > 2]
            if words and all(w in folded.split() for w in words) and _IN_STOCK_WORDS.search(folded) \
                    and not _NEGATION.search(folded):
                claims.append(Claim("stock", f"the shop does not sell {name}"))
    return claims


def _deadlines(folded_reply: str, policy_sources: str) -> list[Claim]:
    """Deadlines as the policies write them: "3 a 8 dias" allows 3 and 8 days, not "uma semana"."""
    allowed: set[tuple[int | None, str]] = set()
    for match in _DEADLINE.finditer(policy_sources):
        allowed |= {_deadline(match.group(1), match.group(3)), _deadline(match.group(2) or "", match.group(3))}
    claims = []
    for deadline in _DEADLINE.finditer(folded_reply):
        if _deadline(deadline.group(1), deadline.group(3)) not in allowed:
            claims.append(Claim("deadline", deadline.group(0)))
    vague = _VAGUE_DEADLINE.search(folded_reply)
    if vague and vague.group(0) not in policy_sources:
        claims.append(Claim("deadline", vague.group(0)))
    return claims


def _deadline(number: str, unit: str) -> tuple[int | None, str]:
    return number_in_words(number) if number else None, _UNIT_CLASS[unit]
