"""Measuring the intent engine: accuracy, macro-F1, the worst intents and what they are
mistaken for, the share answered without a person, and latency per message."""

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .engine import Example, IntentEngine, Prediction, choices

# Intents that always go to a person, whatever the confidence.
TO_A_PERSON = frozenset({"contact_human", "complaint", "change_order", "change_shipping_address"})


@dataclass
class Report:
    total: int
    accuracy: float
    macro_f1: float
    answered_alone: float
    p50_ms: float
    p95_ms: float
    per_language: dict[str, float] = field(default_factory=dict)
    per_style: dict[str, tuple[float, int]] = field(default_factory=dict)  # accuracy, messages
    asked: float = 0.0  # the share where the shopper is asked which of two intents they mean
    worst: list[tuple[str, float, list[tuple[str, int]]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"messages: {self.total}",
            f"accuracy: {self.accuracy:.2%}",
            f"macro-F1: {self.macro_f1:.2%}",
            *(f"accuracy ({language}): {value:.2%}" for language, value in sorted(self.per_language.items())),
            *(f"  written {style}: {value:.2%} of {n}" for style, (value, n) in sorted(self.per_style.items())),
            f"asked which of two they mean: {self.asked:.2%} (right when the intent is one of the two)",
            f"answered without a person: {self.answered_alone:.2%}",
            f"latency per message: p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms",
            "worst intents (F1, then what they were taken for):",
        ]
        for intent, f1, confused in self.worst:
            mistaken = ", ".join(f"{other} ×{count}" for other, count in confused) or "-"
            out.append(f"  {intent}: {f1:.2%}  ← {mistaken}")
        return out


def _f1_by_intent(truth: Sequence[str], guessed: Sequence[str]) -> dict[str, float]:
    scores = {}
    for intent in set(truth) | set(guessed):
        tp = sum(1 for t, g in zip(truth, guessed, strict=True) if t == g == intent)
        fp = sum(1 for t, g in zip(truth, guessed, strict=True) if g == intent and t != intent)
        fn = sum(1 for t, g in zip(truth, guessed, strict=True) if t == intent and g != intent)
        scores[intent] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def evaluate(
    predict: Callable[[str], Prediction], examples: Sequence[Example], *, threshold: float, worst: int = 5
) -> Report:
    """Run ``predict`` on each example, one message at a time as a shopper sends them."""
    if not examples:
        raise ValueError("no examples to evaluate")
    predict(examples[0].text)  # warm up: the first call loads what is lazily loaded
    guessed, latencies, alone, asked = [], [], 0, 0
    for example in examples:
        started = time.perf_counter()
        prediction = predict(example.text)
        latencies.append(time.perf_counter() - started)
        pair = choices(prediction, threshold)
        # A question counts as right when the intent is one of its two buttons (issue 24).
        asked += pair is not None
        guessed.append(example.intent if pair and example.intent in pair else prediction.intent)
        if prediction.confidence >= threshold and prediction.intent not in TO_A_PERSON | {"out_of_scope"}:
            alone += 1
    truth = [e.intent for e in examples]
    f1 = _f1_by_intent(truth, guessed)
    by_language: dict[str, list[bool]] = {}
    by_style: dict[str, list[bool]] = {}
    for example, guess in zip(examples, guessed, strict=True):
        if example.language:
            by_language.setdefault(example.language, []).append(guess == example.intent)
        if example.style:
            by_style.setdefault(example.style, []).append(guess == example.intent)
    confusion: dict[str, Counter[str]] = {}
    for t, g in zip(truth, guessed, strict=True):
        if t != g:
            confusion.setdefault(t, Counter())[g] += 1
    true_intents = sorted(set(truth), key=lambda i: (f1.get(i, 0.0), i))
    return Report(
        total=len(examples),
        accuracy=sum(t == g for t, g in zip(truth, guessed, strict=True)) / len(examples),
        macro_f1=float(np.mean([f1[i] for i in set(truth)])),
        answered_alone=alone / len(examples),
        p50_ms=float(np.percentile(latencies, 50) * 1000),
        p95_ms=float(np.percentile(latencies, 95) * 1000),
        per_language={k: sum(v) / len(v) for k, v in by_language.items()},
        per_style={k: (sum(v) / len(v), len(v)) for k, v in by_style.items()},
        asked=asked / len(examples),
        worst=[(i, f1.get(i, 0.0), confusion.get(i, Counter()).most_common(3)) for i in true_intents[:worst]],
    )


def bench(train: Sequence[Example], test: Sequence[Example], *, threshold: float = 0.0) -> tuple[IntentEngine, Report]:
    engine = IntentEngine(train, remember=False)
    return engine, evaluate(engine.predict, test, threshold=threshold)
