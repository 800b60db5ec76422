"""The FAQ cache's index: the most similar known question answers, the first one on a tie, and nothing
answers a question below the threshold."""

from __future__ import annotations

from chatbot.domain.faq import FaqAnswer, FaqIndex

ANSWERS = [
    FaqAnswer("vocês entregam em Belo Horizonte?", "Entregamos em todo o Brasil.", "curated"),
    FaqAnswer("quais as formas de pagamento?", "Pix, boleto e cartão.", "curated"),
    FaqAnswer("aceita pix?", "Sim, aceitamos Pix.", "learned"),
    FaqAnswer("aceita pix?", "Pix com 5% de desconto.", "learned"),
]


def test_the_most_similar_question_answers_and_the_first_wins_a_tie() -> None:
    index = FaqIndex(ANSWERS)
    hit = index.best("vcs entregam em belo horizonte", 0.5)
    assert hit is not None and hit[0].answer == "Entregamos em todo o Brasil."
    tie = index.best("Aceita PIX??", 0.5)
    assert tie is not None and tie[0].answer == "Sim, aceitamos Pix." and tie[1] > 0.99


def test_nothing_answers_below_the_threshold_or_without_shared_words() -> None:
    index = FaqIndex(ANSWERS)
    assert index.best("qual o prazo de garantia do fone?", 0.72) is None
    assert index.best("xyz", 0.3) is None
    assert FaqIndex([]).best("aceita pix?", 0.3) is None
