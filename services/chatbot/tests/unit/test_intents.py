"""Offline intent detection: the exact taxonomy, held-out accuracy, and real-world spellings."""

from __future__ import annotations

import pytest
from chatbot.domain.intents import Intent, IntentModel, default_model, load_examples, split

LABELS = ["greeting", "product_info", "price", "availability", "shipping", "payment", "order_status", "returns",
          "complaint", "human", "purchase", "thanks_bye", "other"]


def test_taxonomy_is_exactly_the_thirteen_labels() -> None:
    assert [i.value for i in Intent] == LABELS
    assert {e.intent.value for e in load_examples()} == set(LABELS)


def test_held_out_accuracy_reaches_the_goal_without_training_on_it() -> None:
    train, held_out = split(load_examples())
    assert not {e.text for e in train} & {e.text for e in held_out}
    model = IntentModel.train(train)
    correct = sum(model.predict(e.text).intent is e.intent for e in held_out)
    assert correct / len(held_out) >= 0.92


@pytest.mark.parametrize(("text", "intent"), [
    ("Qual o preço do produto X?", "price"),
    ("qto custa??", "price"),
    ("QUANTO TA ESSE AI", "price"),
    ("tem no estoque?", "availability"),
    ("ainda tem o azul tamanho M", "availability"),
    ("cadê meu pedido", "order_status"),
    ("cade meu pedido, comprei faz 10 dias", "order_status"),
    ("aceita pix?", "payment"),
    ("da pra parcelar no cartao", "payment"),
    ("qnto fica o frete pra bh", "shipping"),
    ("quero devolver, nao serviu", "returns"),
    ("q absurdo, veio quebrado 😡", "complaint"),
    ("quero falar com uma pessoa", "human"),
    ("vou querer 2, como faço pra comprar", "purchase"),
    ("vlw, obg!!", "thanks_bye"),
    ("oiii bom diaaa", "greeting"),
])
def test_understands_slang_typos_missing_accents_and_emojis(text: str, intent: str) -> None:
    prediction = default_model().predict(text)
    assert prediction.intent.value == intent, prediction
    assert 0 < prediction.confidence <= 1


def test_gibberish_is_other_with_low_confidence() -> None:
    prediction = default_model().predict("zzzz qwpq")
    assert prediction.intent is Intent.OTHER or prediction.confidence < 0.6
