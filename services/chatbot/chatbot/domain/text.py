"""Normalisation of customer text: accents, case, slang, repeated letters and emojis, so the intent
model and the catalog matcher see "qto custa??" and "Quanto custa?" as the same words."""

from __future__ import annotations

import re
import unicodedata

# Internet pt-BR shorthand -> the word the training data uses.
SLANG: dict[str, str] = {
    "vc": "voce", "vcs": "voces", "voce": "voce", "ce": "voce", "oce": "voce",
    "qto": "quanto", "qnto": "quanto", "qnt": "quanto", "qt": "quanto", "qtos": "quantos", "qnts": "quantos",
    "q": "que", "oq": "o que", "pq": "porque", "pk": "porque",
    "tb": "tambem", "tbm": "tambem", "tmb": "tambem",
    "pf": "por favor", "pfv": "por favor", "pfvr": "por favor", "plz": "por favor", "porfavor": "por favor",
    "obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada", "brigado": "obrigado", "brigada": "obrigada",
    "brigadu": "obrigado", "obrigadao": "obrigado", "vlw": "valeu", "vlew": "valeu",
    "td": "tudo", "tds": "todos", "blz": "beleza", "bls": "beleza", "n": "nao", "ñ": "nao", "naum": "nao",
    "eh": "e", "tah": "ta", "to": "to", "tou": "to", "msm": "mesmo", "hj": "hoje", "dps": "depois",
    "ngm": "ninguem", "mt": "muito", "mto": "muito", "mta": "muita", "vlr": "valor", "qdo": "quando",
    "qd": "quando", "qnd": "quando", "qndo": "quando",
    "gnt": "gente", "cmg": "comigo", "ctg": "contigo", "p": "para", "pra": "para",
    "pro": "para o", "prx": "proximo", "tlgd": "ligado", "add": "adicionar", "msg": "mensagem",
    "zap": "whatsapp", "wpp": "whatsapp", "insta": "instagram", "pix": "pix", "cartao": "cartao",
    "cade": "cade", "kd": "cade", "cadê": "cade", "entao": "entao", "aki": "aqui", "ai": "ai",
    "preco": "preco", "precinho": "preco", "valorzinho": "valor", "frete": "frete", "fretinho": "frete",
    "estoq": "estoque", "disponivel": "disponivel", "disponiveis": "disponivel", "dispo": "disponivel",
    "hrs": "horas", "hr": "hora", "min": "minuto", "seg": "segundo", "sdds": "saudade", "bjs": "beijos",
    "bj": "beijo", "rs": "risos", "rsrs": "risos", "kk": "risos", "kkk": "risos", "haha": "risos",
    "hahaha": "risos", "hehe": "risos", "uhum": "sim", "aham": "sim", "ss": "sim", "sss": "sim", "nn": "nao",
}

EMOJI_WORDS: dict[str, str] = {
    "😡": " emojiraiva ", "🤬": " emojiraiva ", "😠": " emojiraiva ", "👎": " emojiraiva ", "😤": " emojiraiva ",
    "👍": " emojiok ", "👌": " emojiok ", "🙏": " emojiobrigado ", "❤": " emojiamor ", "😍": " emojiamor ",
    "🥰": " emojiamor ", "😘": " emojiamor ", "👋": " emojioi ", "😊": " emojifeliz ", "🙂": " emojifeliz ",
    "😂": " risos ", "🤣": " risos ", "😢": " emojitriste ", "😭": " emojitriste ", "💸": " emojidinheiro ",
    "💰": " emojidinheiro ", "🤑": " emojidinheiro ", "📦": " emojipacote ", "🚚": " emojientrega ",
}

_REPEATS = re.compile(r"(\w)\1{2,}")
_NON_WORD = re.compile(r"[^a-z0-9$ ]+")
_SPACES = re.compile(r"\s+")
_LONG_NUMBER = re.compile(r"\b\d{4,}\b")
_CEP = re.compile(r"\b\d{5}-?\d{3}\b")
_MONEY = re.compile(r"r\$\s*")


class _Unaccented(dict[int, str]):
    """Each character's compatibility decomposition without its combining marks, worked out the first time
    the character is seen. Decomposition goes character by character, so translating with this table is
    the same as decomposing the whole text and dropping its combining marks, without the per-character
    Python loop over every message."""

    def __missing__(self, code: int) -> str:
        kept = "".join(ch for ch in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(ch))
        self[code] = kept
        return kept


_UNACCENTED = _Unaccented()


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose
        return text
    return text.translate(_UNACCENTED)


def fold(text: str) -> str:
    """Lower case without accents or punctuation; keeps the words as written (for catalog matching)."""
    text = strip_accents(text.lower())
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()


def normalize(text: str) -> str:
    """Canonical form for intent detection: emojis to words, slang expanded, repeats collapsed."""
    for emoji, word in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, word)
    text = strip_accents(text.lower())
    text = _CEP.sub(" cepnum ", text)
    text = _MONEY.sub(" reais ", text)
    text = _LONG_NUMBER.sub(" numlong ", text)
    text = _REPEATS.sub(r"\1", text)
    words = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).split()
    return " ".join(SLANG.get(w, w) for w in words)


def tokens(text: str) -> list[str]:
    return normalize(text).split()


_QUESTION_STARTS = ("qual|quanto|quantos|tem|aceita|como|voces|vcs|vc|onde|quando|faz|entrega|envia|da|posso|"
                    "parcela|e o|e a|frete")
SENTENCE_SPLIT = re.compile(
    r"(?<=[?!.])\s+|\n+|\s+(?:e|tambem|alem disso|outra coisa)\s+(?=(?:" + _QUESTION_STARTS + r")\b)")


def split_questions(text: str) -> list[str]:
    """Split a message that asks several things ("qto custa? e entrega em sp?") into its parts."""
    folded = strip_accents(text.lower())
    parts = [p.strip(" ,;") for p in SENTENCE_SPLIT.split(folded) if p and p.strip(" ,;?!.")]
    return parts or [folded]
