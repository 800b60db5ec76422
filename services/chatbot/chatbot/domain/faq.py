"""FAQ cache: curated and learned answers matched by similarity, so common questions skip the LLM."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
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
    """Answers indexed by character trigram: a question is scored only against the answers that share a
    gram with it (the learned answers grow to hundreds; comparing each one on every turn grew with them)."""

    def __init__(self, answers: list[FaqAnswer]) -> None:
        self._answers = answers
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, answer in enumerate(answers):
            for gram, weight in _vector(answer.question).items():
                self._postings[gram].append((index, weight))

    def __len__(self) -> int:
        return len(self._answers)

    def best(self, question: str, threshold: float) -> tuple[FaqAnswer, float] | None:
        """The most similar answer (cosine of the gram vectors) at or over `threshold`; the first on a tie."""
        scores: dict[int, float] = defaultdict(float)
        for gram, value in _vector(question).items():
            for index, weight in self._postings.get(gram, ()):
                scores[index] += value * weight
        best: tuple[FaqAnswer, float] | None = None
        for index in sorted(scores):
            score = scores[index]
            if score >= threshold and (best is None or score > best[1]):
                best = (self._answers[index], score)
        return best
