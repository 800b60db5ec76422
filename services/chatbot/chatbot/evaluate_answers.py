"""Answer quality: pt-BR dialogues with a catalog and policies, each turn with the facts its answer must state
and the claims it must not make, replayed through the same understanding, planner and wording as a real turn
(offline responder), and through the LLM path against the OpenAI-compatible fake (echoing, then inventing
prices, stock, deadlines, colours and products, a different invention per dialogue). Prints accuracy per
category for the tuning set and the held-out sets, and how many offline wordings the checker would reject.

Run: `make eval` (or `.venv/bin/python -m chatbot.evaluate_answers [--offline-only]`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from chatbot.adapters.llm import LlmEndpoint, LlmUnavailable, ReplyWriter
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings
from chatbot.domain.guardrails import unsupported_claims
from chatbot.domain.handoff import HandoffReason
from chatbot.domain.intents import IntentModel, default_model
from chatbot.domain.money import format_brl
from chatbot.domain.orders import OrderInfo
from chatbot.domain.responder import handoff_message, render
from chatbot.domain.text import fold
from chatbot.usecases.composer import grounded_reply
from chatbot.usecases.planner import ConversationState, order_number_asked, plan_turn
from chatbot.usecases.understanding import understand

DATA_DIR = Path(__file__).resolve().parents[1] / "evaluation"
# The last four were written later, each before the fixes of its round.
SETS = ("tuning", "held_out", "fresh", "held_out_audit", "held_out_round2", "held_out_round3")
CATEGORIES = ("price", "stock", "variants", "policies", "unknown_product", "context", "handoff", "order_status")
# What the hallucinating fake invents, one kind per dialogue in turn (filled with the dialogue's shop): every
# one states something outside the planned facts, so the checker must reject each.
INVENTIONS = (
    "Temos sim, e hoje está com desconto: sai por R$ 7,77 e chega amanhã!",
    "{name} está por {bare}, aproveita!",
    "Custa só setenta e sete reais!",
    "Temos o notebook gamer disponível também!",
    "{sold_out} chega em breve e você já pode comprar!",
    "Chega em uma semana, pode ficar tranquilo!",
    "Restam só onze unidades, corre!",
    "{name} também vem na cor lilás.",
)


@dataclass
class Check:
    dialogue: str
    category: str
    turn: int
    said: str
    reply: str
    failures: list[str] = field(default_factory=list)


@dataclass
class Shop:
    settings: BotSettings
    catalog: Catalog


def load_shops(path: Path) -> dict[str, Shop]:
    shops: dict[str, Shop] = {}
    for name, raw in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        products = [Product(
            id=f"{name}-{i}", sku=str(p.get("sku", f"SKU{i}")), name=p["name"], price=Decimal(str(p["price"])),
            description=p.get("description", ""), stock=int(p.get("stock", 0)),
            synonyms=tuple(p.get("synonyms", ())), variants=tuple(str(v) for v in p.get("variants", ())),
            shipping_policy=p.get("shipping_policy", ""), return_policy=p.get("return_policy", ""),
            gender=p.get("gender", ""), active=bool(p.get("active", True)),
        ) for i, p in enumerate(raw.get("products", []))]
        settings = BotSettings.model_validate({k: v for k, v in raw.items() if k != "products"})
        shops[name] = Shop(settings, Catalog(products))
    return shops


class Conversation:
    """One contact's conversation replayed turn by turn as the service would answer it."""

    def __init__(self, shop: Shop, model: IntentModel, llm: tuple[ReplyWriter, LlmEndpoint] | None) -> None:
        self.shop, self.model, self.llm = shop, model, llm
        self.context: dict[str, Any] = {}
        self.with_bot = True
        self.complaints = self.fallbacks = 0
        self.recent: list[str] = []
        self.history: list[dict[str, str]] = []
        self.rejected = 0
        self.false_alarms: list[str] = []  # offline wordings the checker would reject

    async def say(self, text: str) -> str:
        if not self.with_bot:
            return ""
        settings, catalog = self.shop.settings, self.shop.catalog
        understanding = understand(self.model, [text])
        state = ConversationState.from_context(self.context)
        number = order_number_asked(text, understanding, state)
        order_info = OrderInfo(number) if number else None
        turn = plan_turn([text], understanding, state, catalog, settings, self.complaints, self.fallbacks,
                         False, order_info)
        trigger = turn.trigger
        draft = render(turn.plan, settings)
        if trigger is None and not turn.in_order and unsupported_claims(draft, turn.plan, catalog):
            self.false_alarms.append(draft)
        reply = draft
        if self.llm and trigger is None and not turn.in_order:
            reply = await self._llm(turn.plan, draft, text)
        if trigger is None and sum(fold(r) == fold(reply) for r in self.recent[-3:]) >= 2:
            trigger, reply = HandoffReason.ANSWER_LOOP, handoff_message(HandoffReason.ANSWER_LOOP)
        self.complaints, self.fallbacks = turn.complaints, turn.fallbacks
        self.context.update(turn.context_after(self.context, trigger), last_intent=understanding.primary.intent)
        self.recent = [*self.recent, reply][-3:]
        self.history += [{"role": "user", "text": text}, {"role": "assistant", "text": reply}]
        if trigger:
            self.with_bot = False
        return reply

    async def _llm(self, plan: Any, draft: str, text: str) -> str:
        assert self.llm is not None
        writer, endpoint = self.llm
        try:
            reply, claims = await grounded_reply(writer, endpoint, self.shop.settings, plan, draft, text,
                                                 self.history, "eval", self.shop.catalog)
        except LlmUnavailable:
            return draft
        if claims:
            self.rejected += 1
            return draft
        return reply


def check_turn(turn: dict[str, Any], reply: str, with_bot: bool) -> list[str]:
    folded = fold(reply)
    failures = []
    for expected in turn.get("expect", []):
        if fold(str(expected)) not in folded:
            failures.append(f"missing '{expected}'")
    options = turn.get("expect_any", [])
    if options and not any(fold(str(o)) in folded for o in options):
        failures.append(f"none of {options}")
    for once in turn.get("once", []):
        if folded.count(fold(str(once))) != 1:
            failures.append(f"'{once}' {folded.count(fold(str(once)))} times (once expected)")
    for forbidden in turn.get("forbid", []):
        written = str(forbidden)  # with punctuation ("boleto. em"): as written, case aside
        if (written.lower() in reply.lower()) if not written.replace(" ", "").isalnum() else fold(written) in folded:
            failures.append(f"forbidden '{forbidden}'")
    if "handoff" in turn and turn["handoff"] == with_bot:
        failures.append("expected a handoff" if turn["handoff"] else "unexpected handoff")
    if turn.get("silent") and reply:
        failures.append("expected silence")
    if not turn.get("silent") and not reply and ("expect" in turn or "expect_any" in turn):
        failures.append("no reply")
    return failures


def invention(index: int, shop: Shop) -> str:
    """The hallucinating fake's reply for the index-th dialogue."""
    in_stock = shop.catalog.in_stock()
    sold_out = [p for p in shop.catalog.products if not p.in_stock]
    product = in_stock[index % len(in_stock)] if in_stock else shop.catalog.products[0]
    bare = format_brl(product.price + Decimal("7.77")).removeprefix("R$ ")
    return INVENTIONS[index % len(INVENTIONS)].format(
        name=product.name, bare=bare, sold_out=(sold_out or [product])[0].name)


async def run_set(
    name: str, shops: dict[str, Shop], model: IntentModel, llm: tuple[ReplyWriter, LlmEndpoint] | None,
    before_dialogue: Callable[[int, Shop], None] | None = None, false_alarms: list[str] | None = None,
) -> tuple[list[Check], int]:
    dialogues = yaml.safe_load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    checks: list[Check] = []
    rejected = 0
    for index, dialogue in enumerate(dialogues):
        if before_dialogue is not None:
            before_dialogue(index, shops[dialogue["shop"]])
        conversation = Conversation(shops[dialogue["shop"]], model, llm)
        for index, turn in enumerate(dialogue["turns"]):
            reply = await conversation.say(turn["say"])
            if not any(k in turn for k in ("expect", "expect_any", "forbid", "handoff", "silent", "once")):
                continue
            checks.append(Check(dialogue["id"], turn.get("category", dialogue["category"]), index, turn["say"],
                                reply, check_turn(turn, reply, conversation.with_bot)))
        rejected += conversation.rejected
        if false_alarms is not None:
            false_alarms += conversation.false_alarms
    return checks, rejected


def report(title: str, checks: list[Check], verbose: bool) -> float:
    by_category: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        by_category[check.category].append(check)
    passed_total = sum(1 for c in checks if not c.failures)
    overall = passed_total / len(checks) if checks else 0.0
    print(f"\n{title}: {passed_total}/{len(checks)} answer checks = {overall:.1%}")
    for category in CATEGORIES:
        group = by_category.get(category, [])
        if group:
            passed = sum(1 for c in group if not c.failures)
            print(f"  {category:<16} {passed:>3}/{len(group):<3} {passed / len(group):6.1%}")
    if verbose:
        for check in checks:
            if check.failures:
                print(f"  FAIL {check.dialogue}#{check.turn} [{check.category}] {check.said!r}\n"
                      f"       -> {check.reply!r}\n       {'; '.join(check.failures)}")
    return overall


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offline-only", action="store_true", help="skip the LLM path (no fake server)")
    parser.add_argument("--quiet", action="store_true", help="do not list the failing checks")
    args = parser.parse_args(argv)
    shops = load_shops(DATA_DIR / "shops.yaml")
    model = default_model()
    results: dict[str, float] = {}
    for name in SETS:
        alarms: list[str] = []
        checks, _ = await run_set(name, shops, model, None, false_alarms=alarms)
        results[f"offline {name}"] = report(f"offline responder, {name} set", checks, not args.quiet)
        print(f"  offline wordings the LLM checker would reject: {len(alarms)}")
        for alarm in alarms if not args.quiet else []:
            print(f"    {alarm!r}")
    if not args.offline_only:
        from sellerbot_fakes.openai_fake import OpenAIFake

        fake = OpenAIFake().start()
        writer = ReplyWriter(timeout_seconds=5.0, failure_threshold=1000)
        endpoint = LlmEndpoint(fake.base_url, "eval-key", "fake-model")
        try:
            for name in SETS:
                checks, _ = await run_set(name, shops, model, (writer, endpoint))
                results[f"llm {name}"] = report(f"LLM path (fake echoing the planned answer), {name} set", checks,
                                                not args.quiet)
            for name in SETS:
                before = len(fake.requests)
                checks, rejected = await run_set(
                    name, shops, model, (writer, endpoint),
                    before_dialogue=lambda i, shop: fake.configure(reply=invention(i, shop)))
                asked = len(fake.requests) - before
                results[f"llm-hallucinating {name}"] = report(
                    f"LLM path (fake inventing prices, stock, deadlines, colours, products), {name} set", checks,
                    not args.quiet)
                print(f"  hallucinated replies rejected by the checker: {rejected}/{asked}")
        finally:
            await writer.close()
            fake.stop()
    print("\nsummary: " + ", ".join(f"{k} {v:.1%}" for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
