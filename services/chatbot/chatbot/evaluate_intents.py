"""Evaluate the offline intent model on the held-out split it never trains on.

    .venv/bin/python -m chatbot.evaluate_intents

Prints accuracy, a per-intent precision/recall table, the confusion matrix and the misclassified
messages; exits non-zero below the goal (92%).
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from chatbot.domain.intents import DATA_DIR, Intent, IntentModel, load_examples, split

GOAL = 0.92


def evaluate() -> float:
    train, held_out = split(load_examples())
    started = time.perf_counter()
    model = IntentModel.train(train)
    trained_in = time.perf_counter() - started
    pairs = [(e, model.predict(e.text)) for e in held_out]
    confusion: Counter[tuple[Intent, Intent]] = Counter((e.intent, p.intent) for e, p in pairs)
    correct = sum(n for (truth, guess), n in confusion.items() if truth is guess)
    accuracy = correct / len(held_out)
    print(f"training examples: {len(train)}  held-out: {len(held_out)}  trained in {trained_in:.2f}s")
    print(f"held-out accuracy: {accuracy:.4f} ({correct}/{len(held_out)})  goal: {GOAL:.2f}\n")
    labels = list(Intent)
    print(f"{'intent':<14}{'precision':>10}{'recall':>8}{'n':>5}")
    for label in labels:
        true_positive = confusion[(label, label)]
        predicted = sum(n for (_, g), n in confusion.items() if g is label)
        actual = sum(n for (t, _), n in confusion.items() if t is label)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        print(f"{label.value:<14}{precision:>10.2f}{recall:>8.2f}{actual:>5}")
    short = [label.value[:5] for label in labels]
    print("\nconfusion matrix (rows: truth, columns: predicted)")
    print(" " * 14 + "".join(f"{s:>6}" for s in short))
    for truth in labels:
        print(f"{truth.value:<14}" + "".join(f"{confusion[(truth, guess)] or '.':>6}" for guess in labels))
    errors = [(e, p) for e, p in pairs if e.intent is not p.intent]
    if errors:
        print("\nmisclassified:")
        for example, prediction in errors:
            print(f"  {example.intent.value:>13} -> {prediction.intent.value:<13} {prediction.confidence:.2f}  "
                  f"{example.text}")
    wild = load_examples(DATA_DIR / "wild_ptbr.tsv")
    wild_correct = [e for e in wild if model.predict(e.text).intent is e.intent]
    print(f"\nwild messages (never trained on, not tuned on): {len(wild_correct)}/{len(wild)} "
          f"= {len(wild_correct) / len(wild):.4f}")
    for example in wild:
        prediction = model.predict(example.text)
        if prediction.intent is not example.intent:
            print(f"  {example.intent.value:>13} -> {prediction.intent.value:<13} {prediction.confidence:.2f}  "
                  f"{example.text}")
    return accuracy


def main() -> None:
    sys.exit(0 if evaluate() >= GOAL else 1)


if __name__ == "__main__":
    main()
