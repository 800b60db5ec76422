"""What a customer's message names besides its intent: the topic asked (price, stock, colours, warranty...),
the product (or a product the shop does not sell), a variant or colour, a quantity, an order number, a CEP,
and whether it points back at the product already being talked about ("esse", "e o carregador?")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

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
        r"|quantas unidades|quantos tem|quantas tem|tem unidade|volta a ter|repoe|reposicao|quando volta\w*|vai voltar"
        r"|volta(?:ra|m)? (?:a ter|ao estoque)|reabastec\w*|previsao|vai chegar mais|chega(?:m|ra)? mais"
        r"|ja voltou|voltou)\b"),
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
    Topic.ORDER_STATUS: re.compile(
        r"\b(rastre\w*|acompanh\w*(?: \w+){0,3} (?:pedido|compra|encomenda))\b"),
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
    "modelos unidade unidades pronta vez cep resposta problema duvida duvidas informacao sabor medida "
    "fabrica fabricacao eletronico eletronicos defeito defeitos roupa roupas tamanhos cores mercadoria "
    "previsao reposicao chegada"
).split())
_PRODUCT_PHRASE = re.compile(
    r"(?:quanto (?:custa|custam|e|sai|ta|fica|esta)|preco d[oa]s?|valor d[oa]s?|(?:voces? )?(?:tem|tens|vende|vendem"
    r"|trabalha com|trabalham com)|^e(?= (?:o|a|os|as) )|quero (?:comprar|ver)"
    r"|(?:garantia|troca|devolucao)(?= d[oa]s? ))"
    r"\s+(?:(?:o|a|os|as|um|uma|uns|umas|de|do|da)\s+)?([a-z0-9][a-z0-9 ]*)")
_FOLLOW_UP = re.compile(r"^(?:e|mas e|tambem|e tambem)\s+(?:o|a|os|as|do|da|no|na|esse|essa|aquele|aquela)?\b")
_REFERENCE = re.compile(r"\b(esse|essa|este|esta|ele|ela|dele|dela|nele|nela|desse|dessa|o mesmo|a mesma)\b")
_ASKS_HAVE = re.compile(
    r"^(?:(?:oi|ola|bom dia|boa tarde|boa noite) )?(?:voces? |vc )?(?:tem|tens|teria|ainda ha|ha|vende|vendem)\b")
# "o que vocês vendem?", "quais produtos têm?", "me manda o catálogo": the whole catalog is asked.
_ASKS_CATALOG = re.compile(r"\b(?:o que|que produtos?|quais (?:os )?(?:produtos?|itens|coisas)|que coisas?)\b"
                           r"(?: \w+){0,2} (?:vende\w*|tem|tens|trabalha\w*|oferece\w*)\b|\bcatalogo\b")
_RESTOCK_REQUEST = re.compile(
    r"\b(?:me )?(?:avisa|avise|avisar|aviso|notifica\w*|me chama|me fala|me manda mensagem)\b(?: \w+){0,3} "
    r"(?:quando|assim que|se)\b|\bquero ser avisad\w*|\baviso de (?:chegada|reposicao|estoque)")
# A spec the buyer asks for: "1 litro", "500ml", "128gb", "110v", "20w"; sizes are read apart ("tamanho 42").
_SPEC = re.compile(r"\b(\d+(?:[.,]\d+)?)\s*(ml|l|lt|litros?|gb|tb|w|v|volts?|mah|kg|kgs|kilos?|quilos?|gr|gramas?)"
                   r"(?![a-z0-9])")
_SIZE = re.compile(r"\b(?:tamanho|tam|numero|numeracao|num|size|no|na|o|a)\s+(\d{2}|pp|gg|xg|xgg|eg|exg|g\d)\b"
                   r"|\b(?:tamanho|tam|size)\s+([pmg])\b|\b(pp|gg|xg|xgg|xxg|eg|exg|egg)\b")
_BARE_SIZE = re.compile(r"\b(\d{2})\b")
_UNITS = {"ml": ("volume", 1), "l": ("volume", 1000), "lt": ("volume", 1000), "litro": ("volume", 1000),
          "litros": ("volume", 1000), "gb": ("storage", 1), "tb": ("storage", 1024), "w": ("power", 1),
          "v": ("voltage", 1), "volt": ("voltage", 1), "volts": ("voltage", 1), "mah": ("battery", 1),
          **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "quilo", "quilos"), ("weight", 1000)),
          **dict.fromkeys(("gr", "grama", "gramas"), ("weight", 1))}
# Words that tell one device (and what fits it) from another: "capa do iphone" is not "Capa Galaxy S23".
_BRANDS = frozenset((  # noqa: SIM905
    "iphone apple ipad macbook airpods samsung galaxy motorola moto xiaomi redmi poco lg nokia asus zenfone "
    "lenovo dell acer hp positivo multilaser jbl sony playstation ps4 ps5 xbox nintendo kindle huawei realme oppo "
    "oneplus pixel"
).split())
_CONNECTORS = frozenset(("de", "do", "da", "dos", "das", "para", "pra", "pro", "o", "a", "os", "as", "no", "na"))
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
    products: tuple[Product, ...] = ()  # every product named ("o carregador e o fone"), `product` first
    spec: str = ""  # a spec or size asked that the product does not come in ("42", "1 litro"), as written
    spec_own: str = ""  # what the product has instead, from its name ("500ml" when "1 litro" was asked)
    asks_have: bool = False  # "tem o X?": whether the shop has it
    restock_request: bool = False  # "me avisa quando chegar"
    asks_catalog: bool = False  # "o que vocês vendem?"
    nearest: bool = False  # the product named is only the nearest ("panela de pressão" -> the Jogo de Panelas)


def normalised(text: str) -> str:
    words = fold(text).split()
    return " ".join(w if w == "p" and i and words[i - 1] in _SIZE_WORDS else SLANG.get(w, w)  # "tamanho P"
                    for i, w in enumerate(words))


_SIZE_WORDS = frozenset(("tamanho", "tam", "size", "numero"))


def extract(text: str, catalog: Catalog, focus: Product | None = None) -> Entities:
    folded = normalised(text)
    topics = frozenset(t for t, pattern in _TOPIC_PATTERNS.items() if pattern.search(folded))
    match = catalog.find(text)
    product = match.product if match else None
    asked_key, spec_label = _spec_in(folded)
    if product is not None and asked_key:
        product = _with_spec(product, asked_key, catalog)
    unknown = ""
    if product is not None and _other_device(folded, product):
        unknown, product = _phrase_from(folded, product), None
    if product is None:
        unknown = unknown or _unknown_product(folded, catalog, focus)
    target = product or focus
    variant = variant_in(folded, target) if target else ""
    if target is not None and not asked_key and not variant:
        asked_key, spec_label = _bare_size(folded, target)
    if target is not None and asked_key and not variant:
        variant = next((v for v in target.variants if spec_key(fold(v)) == asked_key), "")
    missing = spec_label if target is not None and asked_key and not _has_spec(target, asked_key) else ""
    if target is not None and target.variants and not missing and not variant:
        missing = _colour_not_offered(folded, target)  # "quero a camiseta rosa" when it comes in P, M, G
    if target is not None and not missing and "bivolt" in folded.split() and not any(
            "bivolt" in fold(v) for v in target.variants) and any(
            spec_key(fold(v)).startswith("voltage:") for v in target.variants):
        missing = "bivolt"  # "o secador é bivolt?" of one in 110V or 220V: no, and the two
    stems = {_stem(w) for w in folded.split()}
    if target is not None:  # "o creme tem cheiro?": a colour word of the product's own name is no colour asked
        stems -= {_stem(w) for text in (target.name, *target.synonyms) for w in fold(text).split()} - {
            _stem(w) for v in target.variants for w in fold(v).split()}
    colour = next((c for c, colour_stem in _COLOUR_STEMS if colour_stem in stems), "")
    named = _products_named(text, catalog, product) if product is not None else ()
    return Entities(
        topics=topics, product=product, unknown_product=unknown, variant=variant, colour=colour,
        order_number=order_number_in(text), cep=_cep(text), follow_up=bool(_FOLLOW_UP.match(folded)),
        refers_back=bool(_REFERENCE.search(folded)), words=tuple(folded.split()), products=named,
        spec=missing, spec_own=_own_spec(target, asked_key) if missing and target else "",
        asks_have=_asks_have(folded, product),
        restock_request=bool(_RESTOCK_REQUEST.search(folded)) and not _ABOUT_AN_ORDER.search(folded),
        asks_catalog=bool(_ASKS_CATALOG.search(folded)), nearest=product is not None and _only_near(folded, product),
    )


_ABOUT_AN_ORDER = re.compile(r"\b(pedido|encomenda|compra|rastreio)\b")


def _asks_have(folded: str, product: Product | None) -> bool:
    """"tem vestido floral?": "tem" followed by the product itself (not "tem desconto no vestido?")."""
    match = _ASKS_HAVE.match(folded)
    if product is not None and re.search(r"\b(?:vcs|voces|vc|voce|ai)? ?(?:tem|teria)(?: ai| ainda)?$", folded) \
            and len(folded.split()) <= 10:
        return True  # "to querendo um kit de pincel, tem?"
    if not match or product is None:
        return False
    rest = [w for w in folded[match.end():].split() if w not in _CONNECTORS and w not in ("ainda", "ai", "sim")]
    terms = {t for phrase in (product.name, *product.synonyms) for t in fold(phrase).split()}
    return bool(rest) and any(same_word(t, rest[0]) for t in terms)


_PARTS = re.compile(r"\s(?:e|ou|tambem|mais)\s")


def _products_named(text: str, catalog: Catalog, first: Product) -> tuple[Product, ...]:
    """"quanto custa o carregador e o fone?": each part that names a product, in order."""
    found = {first.id: first}
    parts = [p for chunk in text.split(",") for p in _PARTS.split(fold(chunk))]
    if len(parts) < 2:  # one part: the product already found (catalog.find is the costly part of a turn)
        return (first,)
    for part in parts:
        match = catalog.find(part) if part.strip() else None
        if match is not None and not _other_device(fold(part), match.product):
            found.setdefault(match.product.id, match.product)
    return tuple(found.values())


def spec_key(folded: str) -> str:
    """A spec in one comparable unit ("1 litro" and "1000ml" -> "volume:1000"), or a size ("size:42")."""
    key, _ = _spec_in(folded)
    if key:
        return key
    token = folded.replace(" ", "")
    return f"size:{token}" if re.fullmatch(r"\d{2}|pp|p|m|g|gg|xg|xgg|eg|exg|g\d", token) else ""


def _spec_in(folded: str) -> tuple[str, str]:
    match = _SPEC.search(folded)
    if match:
        kind, factor = _UNITS[match.group(2)]
        amount = float(match.group(1).replace(",", ".")) * factor
        return f"{kind}:{amount:g}", match.group(0)
    size = _SIZE.search(folded)
    if size:
        value = size.group(1) or size.group(2) or size.group(3)
        return f"size:{value}", value.upper()
    return "", ""


def _bare_size(folded: str, product: Product) -> tuple[str, str]:
    """"o tênis 42": a bare two-digit number is a size when the product's variants are numbers."""
    if not product.variants or not all(v.strip().isdigit() for v in product.variants):
        return "", ""
    without_cep = _CEP.sub(" ", folded)
    for match in _BARE_SIZE.finditer(without_cep):
        before = without_cep[:match.start()].split()[-1:]
        after = without_cep[match.end():].split()[:1]
        if before and before[0] in ("quero", "levar", "levo", "manda", "comprar", "pedido", "x"):
            continue
        if after and after[0] in ("un", "unidade", "unidades", "pecas", "x", "reais", "dias", "vezes"):
            continue
        return f"size:{match.group(1)}", match.group(1)
    return "", ""


def _has_spec(product: Product, key: str) -> bool:
    keys = {spec_key(fold(v)) for v in product.variants}
    keys |= {k for k in (spec_key(w) for w in fold(product.name).split()) if not k.startswith("size:")}
    keys |= {_spec_in(fold(product.name))[0]}
    return key in keys


def _colour_not_offered(folded: str, product: Product) -> str:
    own = {_stem(w) for text in (*product.variants, product.name) for w in fold(text).split()}
    colours = {_stem(c) for c in COLOURS}
    return next((w for w in folded.split() if _stem(w) in colours and _stem(w) not in own), "")


def _own_spec(product: Product, key: str) -> str:
    """The product's name's spec of the kind asked: "500ml" in "Garrafa Térmica 500ml" for a volume."""
    kind = key.split(":")[0]
    for word in product.name.split():
        own = _spec_in(fold(word))[0]
        if own.split(":")[0] == kind and own != key:
            return word
    return ""


def _with_spec(product: Product, key: str, catalog: Catalog) -> Product:
    """"garrafa de 1 litro": among the products of the same head noun, the one that comes in it."""
    if _has_spec(product, key):
        return product
    head = fold(product.name).split()[:1]
    same_head = [p for p in catalog.products if fold(p.name).split()[:1] == head and _has_spec(p, key)]
    return same_head[0] if same_head else product


def _only_near(folded: str, product: Product) -> bool:
    """"panela de pressão" names the "Jogo de Panelas Antiaderente" only as the nearest thing: a "de X" after the
    product's noun that neither its name, synonyms nor description have."""
    words = folded.split()
    known = {t for text in (product.name, *product.synonyms, product.sku, product.description, *product.variants)
             for t in fold(text).split()}
    for i, word in enumerate(words[:-1]):
        if word not in ("de", "do", "da") or i == 0 or not any(same_word(t, words[i - 1]) for t in known):
            continue
        after = words[i + 1]
        if after in STOPWORDS or after in _NOT_A_PRODUCT or _stem(after) in {_stem(c) for c in COLOURS} \
                or any(c.isdigit() for c in after) or len(after) < 3:
            continue
        if not any(same_word(t, after) for t in known):
            return True
    return False


def _qualifiers(folded: str, product: Product) -> list[str]:
    """The words after the product's noun that name a device or model ("capa do iphone 15")."""
    words = folded.split()
    terms = {t for phrase in (product.name, *product.synonyms, product.sku) for t in fold(phrase).split()}
    start = next((i for i, w in enumerate(words) if any(same_word(t, w) for t in terms)), None)
    if start is None:
        return []
    found: list[str] = []
    for word in words[start + 1:start + 6]:
        if word in _CONNECTORS:
            continue
        is_model = any(c.isdigit() for c in word) and (bool(found) or any(c.isalpha() for c in word))
        if word in _BRANDS or (is_model and not _SPEC.fullmatch(word)):
            found.append(word)
            continue
        if not any(same_word(t, word) for t in terms):
            break
    return found


def _other_device(folded: str, product: Product) -> bool:
    """The buyer's model words are not the product's: the question is about another product."""
    terms = {t for phrase in (product.name, *product.synonyms, product.sku) for t in fold(phrase).split()}
    return any(not any(t == q or (not q.isdigit() and same_word(t, q)) for t in terms)
               for q in _qualifiers(folded, product))


def _phrase_from(folded: str, product: Product) -> str:
    """The buyer's own words for the product asked ("capa do iphone 15")."""
    words = folded.split()
    terms = {t for phrase in (product.name, *product.synonyms) for t in fold(phrase).split()}
    start = next((i for i, w in enumerate(words) if any(same_word(t, w) for t in terms)), 0)
    qualifiers = _qualifiers(folded, product)
    end = max((words.index(q, start) for q in qualifiers if q in words[start:]), default=start)
    return " ".join(words[start:end + 1])


def _after_the_product(words: list[str], size: str, product: Product) -> bool:
    """"2 camisetas M", "o tenis 40": the size right after a word of the product's name or synonyms."""
    terms = {t for phrase in (product.name, *product.synonyms) for t in fold(phrase).split() if len(t) > 3}
    return any(word == size and any(same_word(t, before) for t in terms)
               for before, word in pairwise(words))


def variant_in(folded: str, product: Product) -> str:
    """The product's variant the text names: "preta" names "Preto", "128 gb" names "128GB"."""
    words = folded.split()
    stems = {_stem(w) for w in words}
    squeezed = folded.replace(" ", "")
    for variant in product.variants:
        parts = fold(variant).split()
        if not parts:
            continue
        if len("".join(parts)) <= 2:  # sizes P, M, G, GG, 38: a word after "tamanho"/"numero" or the product's noun
            if re.search(rf"\b(?:tamanho|tam|numero|n|size)\s+{re.escape(parts[0])}\b", folded) or words == parts \
                    or _after_the_product(words, parts[0], product):
                return variant
            continue
        if all(_stem(p) in stems for p in parts) or (any(c.isdigit() for c in variant) and "".join(parts) in squeezed):
            return variant
    for variant in product.variants:  # "o de 400" names "400ml", "e em 110?" names "110V"
        number = re.fullmatch(r"(\d+)[a-z]+", fold(variant).replace(" ", ""))
        if number and sum(fold(v).startswith(number.group(1)) for v in product.variants) == 1:
            for match in re.finditer(rf"\b{number.group(1)}\b", folded):
                before, after = folded[:match.start()].split()[-1:], folded[match.end():].split()[:1]
                if (before and before[0] in _QUANTITY_BEFORE) or (after and after[0] in _QUANTITY_AFTER):
                    continue
                return variant
    for variant in product.variants:  # "verde" names "Verde Militar" when no variant is named in full
        first = fold(variant).split()[:1]
        if first and first[0] in COLOURS and _stem(first[0]) in stems:
            return variant
    return ""


_QUANTITY_BEFORE = frozenset(("quero", "levar", "levo", "manda", "comprar", "pedir", "fica", "sai", "x", "r$"))
_QUANTITY_AFTER = frozenset(("un", "unidade", "unidades", "pecas", "x", "reais", "dias", "vezes", "kits", "potes",
                             "frascos"))


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
        if catalog.knows_word(kept[0]) and (kept[0] not in _BRANDS or _is_head_word(kept[0], catalog)):
            continue
        return " ".join(kept)
    return ""


def unknown_product_in(folded: str, catalog: Catalog) -> str:
    """A product named in the text that the catalog does not have ("" if none)."""
    return _unknown_product(normalised(folded), catalog, None)


def _is_head_word(word: str, catalog: Catalog) -> bool:
    """Whether the word names a product (a name's or synonym's first word), not only qualifies one: "iphone"
    in "Capinha iPhone 13" does not make the shop sell iPhones."""
    for product in catalog.products:
        for phrase in (product.name, *product.synonyms, product.sku):
            terms = [t for t in fold(phrase).split() if t not in STOPWORDS]
            if terms and same_word(terms[0], word):
                return True
    return False


_TOPIC_WORD = re.compile("|".join(p.pattern for p in _TOPIC_PATTERNS.values()))


def _stem(word: str) -> str:
    """Colours and adjectives in any gender and number: "pretas", "preto" -> "pret"."""
    if len(word) > 3 and word.endswith("ns"):
        return word[:-2] + "m"  # "marrons" -> "marrom"
    if len(word) > 3 and word.endswith("is"):
        return word[:-2] + "l"  # "azuis" -> "azul"
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 3 and word[-1] in "ao":
        word = word[:-1]
    return word


_COLOUR_STEMS = tuple((c, _stem(c)) for c in COLOURS)  # in COLOURS' order: the first colour named wins


__all__ = ["COLOURS", "POLICY_TOPICS", "PRODUCT_TOPICS", "Entities", "Topic", "extract", "same_word", "spec_key",
           "stem", "unknown_product_in", "variant_in"]


stem = _stem
