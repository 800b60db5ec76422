"""What a customer's message names besides its intent: the topic asked (price, stock, colours, warranty...),
the product (or a product the shop does not sell), a variant or colour, a quantity, an order number, a CEP,
and whether it points back at the product already being talked about ("esse", "e o carregador?")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from chatbot.domain.catalog import STOPWORDS, Catalog, Product, same_word
from chatbot.domain.text import SLANG, fold


class Topic(StrEnum):
    PRICE = "price"
    STOCK = "stock"
    VARIANTS = "variants"
    DETAILS = "details"
    SHIPPING = "shipping"
    PAYMENT = "payment"
    RETURNS = "returns"
    WARRANTY = "warranty"
    ORDER_STATUS = "order_status"


PRODUCT_TOPICS = frozenset((Topic.PRICE, Topic.STOCK, Topic.VARIANTS, Topic.DETAILS))
POLICY_TOPICS = frozenset((Topic.SHIPPING, Topic.PAYMENT, Topic.RETURNS, Topic.WARRANTY))

# Words that name the topic asked, on folded text (no accents, lower case, slang expanded).
_TOPIC_PATTERNS: dict[Topic, re.Pattern[str]] = {
    Topic.PRICE: re.compile(
        r"\b(preco|precos|valor|valores|custa|custam|custo|quanto (?:e|sai|ta|fica|esta|custa)|qual o preco"
        r"|sai por|ta quanto|quanto que)\b"),
    Topic.STOCK: re.compile(
        r"\b(estoque|disponivel|disponiveis|disponibilidade|esgotad\w*|acabou|ainda tem|tem ainda|pronta entrega"
        r"|quantas unidades|quantos tem|quantas tem|tem unidade|volta a ter|repoe|reposicao)\b"),
    Topic.VARIANTS: re.compile(
        r"\b(cor|cores|tamanho|tamanhos|opcao|opcoes|numeracao|numeracoes|voltagem|versao|versoes|sabor|sabores"
        r"|tons?|estampas?|modelos|capacidades?|variacao|variacoes|vem em que|vem em quais|quais as opcoes)\b"),
    Topic.WARRANTY: re.compile(r"\b(garantia|garante|defeito de fabrica)\b"),
    Topic.SHIPPING: re.compile(
        r"\b(frete|fretes|entrega|entregam|entregar|envio|envia|enviam|prazo|chega|chegar|correios|sedex"
        r"|chegou|chegaria|transportadora|retirar|retirada)\b"),
    Topic.PAYMENT: re.compile(
        r"\b(pix|cartao|boleto|parcel\w*|pagamento|pagar|pago|formas de pag\w*|credito|debito|vezes)\b"),
    Topic.RETURNS: re.compile(r"\b(troca|trocar|devolv\w*|devolucao|reembolso|arrependimento|estorno)\b"),
    Topic.DETAILS: re.compile(
        r"\b(material|feito de|descricao|detalhes|medidas|dimensoes|compativel|serve em|serve no|serve na"
        r"|funciona|especificac\w*|como e|tecido|bateria dura|resistente|a prova)\b"),
}
COLOURS = frozenset((  # noqa: SIM905
    "preto branco azul vermelho verde amarelo rosa roxo cinza marrom bege dourado prata prateado laranja "
    "lilas vinho nude grafite chumbo creme caramelo marinho transparente colorido pink"
).split())
# What a product phrase may not be: words of the conversation itself, not of a catalog.
_NOT_A_PRODUCT = frozenset((  # noqa: SIM905
    "produto produtos item itens coisa coisas isso esse essa este esta ele ela eles elas aquele aquela "
    "frete entrega estoque garantia desconto descontos cupom promocao pix cartao boleto credito debito "
    "disponivel cor cores tamanho tamanhos troca prazo pagamento loja whatsapp pedido pedidos compra "
    "algum alguma alguns algumas outro outra outros outras mais sim nao como que qual quais quanto "
    "atendente pessoa humano alguem voce voces ai aqui la hoje amanha agora nada tudo todos favor "
    "mesmo so nota fiscal nf parcelamento juros vezes valor preco site link foto fotos video loja "
    "novidade novidades lancamento dinheiro troco retirada horario endereco numero opcao opcoes modelo "
    "modelos unidade unidades pronta vez cep resposta problema duvida duvidas informacao sabor medida"
).split())
_PRODUCT_PHRASE = re.compile(
    r"(?:quanto (?:custa|custam|e|sai|ta|fica|esta)|preco d[oa]s?|valor d[oa]s?|(?:voces? )?(?:tem|tens|vende|vendem"
    r"|trabalha com|trabalham com)|^e(?= (?:o|a|os|as) )|quero (?:comprar|ver))"
    r"\s+(?:(?:o|a|os|as|um|uma|uns|umas|de|do|da)\s+)?([a-z0-9][a-z0-9 ]*)")
_FOLLOW_UP = re.compile(r"^(?:e|mas e|tambem|e tambem)\s+(?:o|a|os|as|do|da|no|na|esse|essa|aquele|aquela)?\b")
_REFERENCE = re.compile(r"\b(esse|essa|este|esta|ele|ela|dele|dela|nele|nela|desse|dessa|o mesmo|a mesma)\b")
_ORDER_NUMBER = re.compile(r"(?:#|pedido\D{0,4})(\d{3,})|\b(\d{5,})\b")
_CEP = re.compile(r"\b(\d{5})-?(\d{3})\b")


@dataclass(frozen=True)
class Entities:
    topics: frozenset[Topic] = frozenset()
    product: Product | None = None  # named in this message
    unknown_product: str = ""  # named in this message, not in the catalog
    variant: str = ""  # a variant of `product` (or of the product in focus), catalog spelling
    colour: str = ""  # a colour named (whether or not a variant has it)
    order_number: str = ""
    cep: str = ""
    follow_up: bool = False  # "e o carregador?": same question, another product
    refers_back: bool = False  # "esse", "ele": the product in focus
    words: tuple[str, ...] = field(default=())


def normalised(text: str) -> str:
    return " ".join(SLANG.get(w, w) for w in fold(text).split())


def extract(text: str, catalog: Catalog, focus: Product | None = None) -> Entities:
    folded = normalised(text)
    topics = frozenset(t for t, pattern in _TOPIC_PATTERNS.items() if pattern.search(folded))
    match = catalog.find(text)
    product = match.product if match else None
    unknown = "" if product else _unknown_product(folded, catalog, focus)
    target = product or focus
    variant = variant_in(folded, target) if target else ""
    colour = next((c for c in COLOURS if any(_stem(w) == _stem(c) for w in folded.split())), "")
    return Entities(
        topics=topics, product=product, unknown_product=unknown, variant=variant, colour=colour,
        order_number=order_number_in(text), cep=_cep(text), follow_up=bool(_FOLLOW_UP.match(folded)),
        refers_back=bool(_REFERENCE.search(folded)), words=tuple(folded.split()),
    )


def variant_in(folded: str, product: Product) -> str:
    """The product's variant the text names: "preta" names "Preto", "128 gb" names "128GB"."""
    words = folded.split()
    stems = {_stem(w) for w in words}
    squeezed = folded.replace(" ", "")
    for variant in product.variants:
        parts = fold(variant).split()
        if not parts:
            continue
        if len("".join(parts)) <= 2:  # sizes P, M, G, GG, 38: only as a word after "tamanho"/"numero"
            if re.search(rf"\b(?:tamanho|tam|numero|n|size)\s+{re.escape(parts[0])}\b", folded) or words == parts:
                return variant
            continue
        if all(_stem(p) in stems for p in parts) or (any(c.isdigit() for c in variant) and "".join(parts) in squeezed):
            return variant
    for variant in product.variants:  # "verde" names "Verde Militar" when no variant is named in full
        first = fold(variant).split()[:1]
        if first and first[0] in COLOURS and _stem(first[0]) in stems:
            return variant
    return ""


def order_number_in(text: str) -> str:
    """"pedido 12345", "#1234" or a bare long number that is not a CEP."""
    without_cep = _CEP.sub(" ", text.lower()) if "cep" in fold(text) or "-" in text else text.lower()
    match = _ORDER_NUMBER.search(without_cep)
    if not match:
        return ""
    return match.group(1) or match.group(2)


def _cep(text: str) -> str:
    match = _CEP.search(text)
    return f"{match.group(1)}-{match.group(2)}" if match else ""


def _unknown_product(folded: str, catalog: Catalog, focus: Product | None) -> str:
    """A product the customer names that the catalog does not have ("o notebook gamer")."""
    for match in _PRODUCT_PHRASE.finditer(folded):
        kept: list[str] = []
        for word in match.group(1).split()[:4]:
            if kept and word in ("de", "do", "da", "para", "pra"):
                kept.append(word)  # "fone de ouvido", "capa para celular"
                continue
            if word in STOPWORDS or word in _NOT_A_PRODUCT or (word.isdigit() and not kept):
                break
            kept.append(word)
        while kept and kept[-1] in ("de", "do", "da", "para", "pra"):
            kept.pop()
        if not kept or len(kept[0]) < 3 or _stem(kept[0]) in {_stem(c) for c in COLOURS}:
            continue
        if _TOPIC_WORD.search(kept[0]):
            continue
        if focus is not None and variant_in(" ".join(kept), focus):
            continue
        if catalog.knows_word(kept[0]):
            continue
        return " ".join(kept)
    return ""


_TOPIC_WORD = re.compile("|".join(p.pattern for p in _TOPIC_PATTERNS.values()))


def _stem(word: str) -> str:
    """Colours and adjectives in any gender and number: "pretas", "preto" -> "pret"."""
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 3 and word[-1] in "ao":
        word = word[:-1]
    return word


__all__ = ["COLOURS", "POLICY_TOPICS", "PRODUCT_TOPICS", "Entities", "Topic", "extract", "same_word",
           "variant_in"]
