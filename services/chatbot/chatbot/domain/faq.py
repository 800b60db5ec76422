"""FAQ cache: curated and learned answers matched by similarity, so common questions skip the LLM."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from chatbot.domain.text import normalize


@dataclass(frozen=True)
class FaqAnswer:
    question: str
    answer: str
    source: str  # curated | learned


def _vector(text: str) -> dict[str, float]:
    grams: Counter[str] = Counter()
    for word in normalize(text).split():
        padded = f" {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
        grams["w:" + word] += 2
    norm = math.sqrt(sum(v * v for v in grams.values())) or 1.0
    return {g: v / norm for g, v in grams.items()}


class FaqIndex:
    def __init__(self, answers: list[FaqAnswer]) -> None:
        self._entries = [(answer, _vector(answer.question)) for answer in answers]

    def __len__(self) -> int:
        return len(self._entries)

    def best(self, question: str, threshold: float) -> tuple[FaqAnswer, float] | None:
        query = _vector(question)
        best: tuple[FaqAnswer, float] | None = None
        for answer, vector in self._entries:
            score = sum(value * vector.get(gram, 0.0) for gram, value in query.items())
            if score >= threshold and (best is None or score > best[1]):
                best = (answer, score)
        return best
