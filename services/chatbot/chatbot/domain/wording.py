"""pt-BR wording in one place: articles and adjectives that agree with a product's gender and number, lists
joined with "e"/"ou", counted nouns, money, and sentences that start with a capital and end with a stop."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chatbot.domain.money import format_brl
from chatbot.domain.text import fold


class Gender(StrEnum):
    MASCULINE = "masculine"
    FEMININE = "feminine"


# Head nouns whose gender the ending does not tell (or tells wrong); everything else: -a, -ção, -são, -dade,
# -gem, -ie are feminine, the rest masculine.
_FEMININE_WORDS = frozenset((  # noqa: SIM905 - a sentence of words reads better than a long list
    "tv smart smartv televisao maquina lampada pelicula case capinha garrafa camera cadeira mesa toalha "
    "meia bota sandalia rasteirinha chuteira jaqueta saia blusa calca bolsa mochila caneca luminaria "
    "cafeteira panela pulseira caixa escova bateria bicicleta carteira fritadeira airfryer air base "
    "impressora lente mouse-pad cama colcha fronha almofada geladeira torradeira batedeira sanduicheira "
    "parafusadeira furadeira lixadeira serra chave capa pochete necessaire bermuda camisola regata "
    "legging touca viseira polo fonte rede corrente semente pele torre flor cor ponte parede nuvem"
).split())
_MASCULINE_WORDS = frozenset((  # noqa: SIM905
    "dia mapa sofa sistema problema tema pijama planeta clima programa idioma cinema kit tenis fone "
    "carregador notebook smartphone celular iphone relogio smartwatch mouse teclado monitor cabo "
    "suporte adaptador oculos perfume shampoo hidratante batom sabonete tapete travesseiro lencol "
    "controle console headset microfone tripe pendrive hd ssd ventilador aspirador liquidificador "
    "espelho chinelo sapato sapatenis bone cinto vestido short body cropped moletom casaco colar brinco "
    "anel tablet kindle ebook jogo brinquedo boneco quadro vaso copo pote prato garfo jogo guarda-chuva"
).split())
_SINGULAR_IN_S = frozenset(("tenis", "lapis", "onibus", "pires", "atlas", "virus", "bonus", "gas", "mes", "pais",
                            "simples", "jeans", "lapis", "pais"))
_ADJECTIVE_PLURALS = {"disponivel": "disponíveis", "disponível": "disponíveis"}


@dataclass(frozen=True)
class Noun:
    """How a product's name behaves in a sentence."""

    gender: Gender = Gender.MASCULINE
    plural: bool = False


def infer_gender(name: str) -> Gender:
    """The gender of a product's name, from its head noun (the first word in pt-BR names)."""
    head = _head(name)
    singular = _singular(head)
    if singular in _FEMININE_WORDS or head in _FEMININE_WORDS:
        return Gender.FEMININE
    if singular in _MASCULINE_WORDS or head in _MASCULINE_WORDS:
        return Gender.MASCULINE
    if singular.endswith(("a", "cao", "sao", "dade", "gem", "ie")):
        return Gender.FEMININE
    return Gender.MASCULINE


def noun_of(name: str, gender: str = "") -> Noun:
    """The name's gender (the seller's choice when set, else inferred) and number."""
    chosen = Gender(gender) if gender in (Gender.MASCULINE, Gender.FEMININE) else infer_gender(name)
    return Noun(chosen, _is_plural(_head(name)))


def article(noun: Noun) -> str:
    """o / a / os / as"""
    base = "a" if noun.gender is Gender.FEMININE else "o"
    return base + ("s" if noun.plural else "")


def of(noun: Noun) -> str:
    """do / da / dos / das"""
    return "d" + article(noun)


def in_(noun: Noun) -> str:
    """no / na / nos / nas"""
    return "n" + article(noun)


def pronoun(noun: Noun) -> str:
    """ele / ela / eles / elas"""
    base = "ela" if noun.gender is Gender.FEMININE else "ele"
    return base + ("s" if noun.plural else "")


def agree(noun: Noun, adjective: str) -> str:
    """An adjective given in the masculine singular ("esgotado", "disponível") agreeing with the noun."""
    word = adjective
    if noun.gender is Gender.FEMININE and word.endswith("o"):
        word = word[:-1] + "a"
    if noun.plural:
        word = _ADJECTIVE_PLURALS.get(word, word + "s")
    return word


def the(name: str, noun: Noun, capital: bool = False) -> str:
    """"o Fone X" / "a Garrafa Y", optionally at the start of a sentence."""
    text = f"{article(noun)} {name}"
    return text[0].upper() + text[1:] if capital else text


def join(items: Iterable[str], conjunction: str = "e") -> str:
    """"pix, cartão de crédito e boleto" (the last two joined by the conjunction)."""
    words = [i.strip() for i in items if i and i.strip()]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def counted(n: int, singular: str, plural: str = "") -> str:
    """"1 unidade", "3 unidades", "0 unidades"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def money(value: Decimal | float | str) -> str:
    return format_brl(value)


def sentence(text: str) -> str:
    """A capital at the start and a full stop at the end (unless it already ends with ?, ! or an emoji)."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] in ".!?…:" or (not text[-1].isalnum() and text[-1] not in ")\"'»"):
        return text
    return text + "."


def paragraph(parts: Sequence[str]) -> str:
    """Sentences joined by spaces, each one well formed."""
    return " ".join(s for s in (sentence(p) for p in parts) if s)


def continue_with(text: str, addition: str) -> str:
    """`addition` follows `text`: as its continuation when written in lower case ("em até 6x sem juros"),
    as a new sentence otherwise."""
    addition = addition.strip()
    if not addition:
        return sentence(text)
    if addition[0].islower():
        return sentence(text.rstrip(" .") + ", " + addition.rstrip())
    return paragraph([text, addition])


def _head(name: str) -> str:
    words = fold(name).split()
    return words[0] if words else ""


def _singular(word: str) -> str:
    if not _is_plural(word):
        return word
    if word.endswith("oes"):
        return word[:-3] + "ao"
    if word.endswith(("eis", "ais", "ois")):  # pinceis -> pincel, varais -> varal, lencois -> lencol
        return word[:-2] + "l"
    if word.endswith("ns"):  # batons -> batom
        return word[:-2] + "m"
    if word.endswith("es") and word[:-2].endswith(("r", "z", "s")):
        return word[:-2]
    return word[:-1]


def _is_plural(word: str) -> bool:
    return len(word) > 3 and word.endswith(("as", "os", "es", "eis", "ais", "ois", "ns")) and word not in _SINGULAR_IN_S
