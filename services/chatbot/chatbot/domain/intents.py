"""Offline intent detection for pt-BR customer messages: a linear model over word, word-pair, character
n-gram and topic-stem features (robust to typos, slang, missing accents and emojis), trained at start from
the labelled examples shipped in `intent_data/`. No network, no torch."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from chatbot.domain.text import normalize

DATA_DIR = Path(__file__).parent / "intent_data"
TRAINING_FILE = DATA_DIR / "intents_ptbr.tsv"
HELD_OUT_BUCKETS = 5  # one in five examples is held out, chosen by a hash of its text


class Intent(StrEnum):
    GREETING = "greeting"
    PRODUCT_INFO = "product_info"
    PRICE = "price"
    AVAILABILITY = "availability"
    SHIPPING = "shipping"
    PAYMENT = "payment"
    ORDER_STATUS = "order_status"
    RETURNS = "returns"
    COMPLAINT = "complaint"
    HUMAN = "human"
    PURCHASE = "purchase"
    THANKS_BYE = "thanks_bye"
    OTHER = "other"


@dataclass(frozen=True)
class Example:
    intent: Intent
    text: str


@dataclass(frozen=True)
class IntentPrediction:
    intent: Intent
    confidence: float
    ranking: tuple[tuple[Intent, float], ...] = ()


def load_examples(path: Path = TRAINING_FILE) -> list[Example]:
    examples: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        examples.append(Example(Intent(label.strip()), text.strip()))
    return examples


def is_held_out(example: Example) -> bool:
    """Stable split: the same example is always on the same side, whatever else the file holds."""
    digest = hashlib.sha1(example.text.encode("utf-8")).digest()  # noqa: S324 - a split, not security
    return digest[0] % HELD_OUT_BUCKETS == 0


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not is_held_out(e)]
    held_out = [e for e in examples if is_held_out(e)]
    return train, held_out


# Stems that signal a topic: they let the model generalise to words it never saw in a labelled example
# ("sedex" -> shipping, "estorno" -> returns). Matched as word prefixes on normalised text.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "price": ("preco", "valor", "custa", "custo", "quanto", "barat", "caro", "desconto", "cupom", "promo",
              "reais", "atacado", "tabela"),
    "stock": ("estoque", "disponiv", "esgot", "acabou", "acabo", "reposi", "repo", "falta", "sobrou",
              "unidade", "pronta", "ainda"),
    "shipping": ("frete", "entreg", "envi", "envio", "correio", "sedex", "transportadora", "prazo", "cepnum",
                 "cep", "posta", "despach", "retir", "motoboy", "chega"),
    "payment": ("pix", "cartao", "boleto", "parcel", "debito", "credito", "pagamento", "pag", "juros",
                "comprovante", "qr", "transferencia", "picpay", "dinheiro", "link", "vezes", "nubank"),
    "order": ("pedido", "rastrei", "rastreio", "encomenda", "cade", "recebi", "postado", "postaram", "atras",
              "numlong", "pacote", "entregue", "status", "aguard", "chegou"),
    "returns": ("troc", "devol", "reembols", "estorn", "cancel", "arrepend", "desist"),
    "complaint": ("pessim", "horrivel", "absurd", "defeito", "quebr", "golpe", "procon", "reclam", "lixo",
                  "porcaria", "ruim", "ruins", "vergonha", "engan", "raiva", "emojiraiva", "ridicul", "desrespeit",
                  "mentir", "menti", "decepcion", "indign", "process", "irrit", "revolt", "chatead", "descaso",
                  "palhacada", "falsific", "vaza", "rasg", "manch", "roub", "denunc", "inadmiss"),
    "human": ("humano", "atendente", "pessoa", "robo", "bot", "chatbot", "gerente", "dono", "dona", "ligar",
              "liga", "suporte", "sac", "responsavel", "vendedor", "transfer", "maquina", "verdade",
              "automatic", "alguem"),
    "buy": ("compr", "quero", "levar", "leva", "fech", "pedir", "encomend", "reserv", "separ", "finaliz",
            "garant", "adquir", "anota", "vou"),
    "thanks": ("thank", "obrigad", "valeu", "tchau", "agradec", "falou", "flw", "grat", "beijo", "tmj", "emojiobrigado",
               "ate"),
    "hello": ("oi", "ola", "dia", "tarde", "noite", "eai", "salve", "opa", "hello", "hey", "emojioi", "beleza",
              "alo"),
    "info": ("material", "tamanho", "medida", "cor", "funciona", "garantia", "original", "voltagem", "bivolt",
             "bateria", "tecido", "compativel", "serve", "marca", "peso", "especifica", "detalhe", "resistente",
             "lavar", "prova", "qualidade", "tipo", "modelo", "explica", "foto", "video", "selo", "inmetro"),
    "chat": ("legal", "lind", "interessant", "nossa", "risos", "hum", "ata", "talvez", "horario", "loja",
             "site", "endereco", "revend", "parceria", "live", "insta", "instagram", "whatsapp"),
}
_CONCEPT_INDEX: dict[str, list[str]] = {}
for _concept, _stems in CONCEPTS.items():
    for _stem in _stems:
        _CONCEPT_INDEX.setdefault(_stem, []).append(_concept)


def _concepts_of(word: str) -> set[str]:
    found: set[str] = set()
    for end in range(2, len(word) + 1):
        found.update(_CONCEPT_INDEX.get(word[:end], ()))
    return found


@lru_cache(maxsize=65_536)
def _word_features(word: str) -> tuple[str, ...]:
    """The features one word contributes (the word, its topic stems, its character 3-5-grams): pure, and
    customers reuse the same few thousand words, so each is worked out once per process."""
    keys = ["w:" + word]
    keys += ["k:" + concept for concept in _concepts_of(word)]
    padded = f" {word} "
    for n in (3, 4, 5):
        keys += ["c:" + padded[i:i + n] for i in range(max(1, len(padded) - n + 1))]
    return tuple(keys)


def features(text: str) -> Counter[str]:
    words = normalize(text).split()
    found: Counter[str] = Counter()
    for word in words:
        found.update(_word_features(word))
    for first, second in pairwise(words):
        found[f"b:{first}_{second}"] += 2
    if not words:
        found["empty"] += 1
    if text.strip().endswith("?"):
        found["q?"] += 1
    return found


class IntentModel:
    """A multinomial logistic regression over `features()`.

    scikit-learn fits it (once, at start); prediction is a sparse dot product in plain Python, which is
    several times faster than a scikit-learn call for one short message.
    """

    def __init__(self, weights: dict[str, list[float]], bias: list[float], labels: list[Intent]) -> None:
        self._weights = weights
        self._bias = bias
        self._labels = labels

    @classmethod
    def train(cls, examples: Iterable[Example], regularisation_c: float = 30.0) -> IntentModel:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        examples = list(examples)
        vectorizer = DictVectorizer()
        matrix = vectorizer.fit_transform([_unit(features(e.text)) for e in examples])
        classifier = LogisticRegression(C=regularisation_c, max_iter=300, tol=1e-3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter: accuracy is what the evaluation checks
            classifier.fit(matrix, [e.intent.value for e in examples])
        labels = [Intent(label) for label in classifier.classes_]
        coefficients = classifier.coef_.T.tolist()
        weights = {name: coefficients[i] for name, i in vectorizer.vocabulary_.items()}
        return cls(weights, classifier.intercept_.tolist(), labels)

    def to_json(self) -> str:
        return json.dumps({"labels": [label.value for label in self._labels], "bias": self._bias,
                           "weights": self._weights})

    @classmethod
    def from_json(cls, raw: str) -> IntentModel:
        data = json.loads(raw)
        return cls(data["weights"], data["bias"], [Intent(label) for label in data["labels"]])

    def predict(self, text: str) -> IntentPrediction:
        scores = list(self._bias)
        known = 0
        for feature, value in _unit(features(text)).items():
            row = self._weights.get(feature)
            if row is None:
                continue
            known += 1
            for c, weight in enumerate(row):
                scores[c] += value * weight
        if known == 0:
            return IntentPrediction(Intent.OTHER, 0.0, ((Intent.OTHER, 0.0),))
        probabilities = _softmax(scores)
        ranking = sorted(zip(self._labels, probabilities, strict=True), key=lambda p: -p[1])
        top = tuple((label, round(p, 4)) for label, p in ranking[:3])
        return IntentPrediction(top[0][0], top[0][1], top)


def _unit(feats: Counter[str]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in feats.values())) or 1.0
    return {f: v / norm for f, v in feats.items()}


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


_default_model: IntentModel | None = None


MODEL_VERSION = "lr-c30-v1"  # bump when features() or training changes


def default_model(cache_dir: Path | None = None) -> IntentModel:
    """The model trained on every shipped example, once per process; the weights are cached on disk keyed
    by the training data and model version, so restarts skip the (1-20 s, load-dependent) training."""
    global _default_model
    if _default_model is not None:
        return _default_model
    data = TRAINING_FILE.read_bytes() + MODEL_VERSION.encode() + Path(__file__).read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    cache = (cache_dir or Path(tempfile.gettempdir())) / f"sellerbot-intent-model-{digest}.json"
    try:
        _default_model = IntentModel.from_json(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        _default_model = IntentModel.train(load_examples())
        with contextlib.suppress(OSError):
            partial = cache.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(_default_model.to_json(), encoding="utf-8")
            partial.replace(cache)
    return _default_model
