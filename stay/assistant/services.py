"""The assistant: what a shopper wants, and the answer, an action, or a person.

:func:`assistant_reply` is the one path every caller takes (the chat widget, WhatsApp and SMS
through :mod:`.tasks`, the API, the agent's suggestions): it reads the message, remembers the
conversation's state (a verified order, a question waiting for its answer, misses), and
answers in the shopper's language:

- order status, refund status, starting a return or exchange, cancelling an unshipped order
  (after an explicit yes), a gift card's balance: from the store's data, and only for a
  shopper who proved the order is theirs (:mod:`.verification`);
- anything else the help centre answers: the article's short answer, citing the article;
- a person when the shopper asks for one, is upset, when the assistant is not confident twice
  in a row, or when the request needs a person (change an order or its address): an internal
  note with a summary, the intent and the order goes into the conversation.

Every answer is recorded as a :class:`Turn` (intent, confidence, outcome, action).
"""

import contextlib
import hashlib
import logging
import os
import pickle
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from stay.catalog.models import Product, Variant
from stay.conversations import sla
from stay.conversations.models import (
    HANDOFF_TAG,
    AuthorKind,
    Channel,
    Conversation,
    ConversationEvent,
    Direction,
    Message,
    Priority,
)
from stay.conversations.services import conversation_set_priority, conversation_set_tags, note_add
from stay.core.errors import NotFound, RateLimited, StayError
from stay.core.models import Store
from stay.core.textmodel import encoder
from stay.customers.inputs import CustomerInput
from stay.customers.models import ConsentChannel, IdentityKind
from stay.customers.services import consent_withdraw, customer_resolve
from stay.flows.gate import outreach_settings
from stay.flows.services import restock_request
from stay.flows.subscriptions import subscription_request
from stay.giftcards.codes import ALPHABET
from stay.giftcards.selectors import store_credit_of
from stay.giftcards.services import Caller, gift_card_balance
from stay.helpcentre.models import Article
from stay.helpcentre.selectors import Hit, search, text_for
from stay.loyalty.rewards import reward_redeem
from stay.loyalty.selectors import balance_of, rewards_of
from stay.loyalty.services import settings_for as loyalty_settings
from stay.orders.models import Order, OrderEvent
from stay.orders.platform import CANCEL_ORDER, platform_request
from stay.orders.selectors import cancellable, status_text
from stay.recommendations.serving import Pick, popular, recommend_for
from stay.returns.messages import portal_url, status_url
from stay.returns.models import Reason
from stay.returns.selectors import order_exchange_fits, returns_of_order

from .engine import FORMAT as engine_format
from .engine import Example, IntentEngine, Prediction, built_in_examples, choices
from .evaluation import TO_A_PERSON
from .models import AssistantSettings, Intent, IntentExample, Outcome, Session, Turn
from .verification import customers_order, proof_in, verified_order, without_proof

log = logging.getLogger(__name__)

MISSES_BEFORE_A_PERSON = 2
NEEDS_ORDER = {
    "track_order",
    "refund_status",
    "cancel_order",
    "return_item",
    "exchange_item",
    "damaged_or_defective",
    "wrong_or_missing_item",
}
RETURN_REASON = {
    "return_item": "",
    "exchange_item": Reason.TOO_SMALL.value,
    "damaged_or_defective": Reason.DEFECTIVE.value,
    "wrong_or_missing_item": Reason.WRONG_ITEM.value,
}
_YES = re.compile(r"^\s*(yes|y|yeah|yep|confirm|ok(ay)?|sure|예|네|넵|응|확인|취소해\s*주세요|맞아요)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(no|n|nope|don'?t|keep|아니(요|오)?|아뇨|취소하지)\b", re.IGNORECASE)
_CODE = re.compile(rf"\b[{ALPHABET}]{{4}}(?:[- ]?[{ALPHABET}]{{4}}){{3}}\b", re.IGNORECASE)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]{2,}")
# Words of someone upset, beside the complaint intent itself.
_UPSET = re.compile(
    r"\b(furious|angry|ridiculous|unacceptable|disgusting|scam|worst|useless|lawyer|sue)\b|화나|화가|최악|어이없|사기|짜증|열받",
    re.IGNORECASE,
)


@dataclass
class Ask:
    """One message to answer. ``conversation``: where it was said (state is kept there);
    ``trusted``: an agent reads the answer first (a suggestion), so the conversation's
    customer counts as verified and nothing is done or remembered."""

    store: Store
    text: str
    language: str = ""
    conversation: Conversation | None = None
    channel: str = ""
    client: str = ""
    trusted: bool = False
    message: Message | None = None


@dataclass
class Answer:
    intent: str
    confidence: float
    text: str
    language: str
    outcome: str = Outcome.ANSWERED
    action: str = ""
    handoff_reason: str = ""
    article: Article | None = None
    order: Order | None = None
    # The links in ``text`` with the short words a chat shows for them: (url, label).
    links: list[tuple[str, str]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # buttons a chat shows; each sends its words
    turn_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "reply": self.text,
            "language": self.language,
            "outcome": self.outcome,
            "action": self.action,
            "handoff": self.outcome == Outcome.HANDED_OFF,
            "handoff_reason": self.handoff_reason,
            "article": self.article.slug if self.article else None,
            "order": self.order.name if self.order else None,
            "choices": self.choices,
        }


# --- the engine, one per store, retrained when its examples change ----------------------


class _Engines:
    """One engine per set of examples: stores with the same examples share it, and a store
    whose examples change gets a new one (trained once, in a few seconds)."""

    def __init__(self) -> None:
        self.by_store: dict[int, tuple[tuple[Any, ...], str]] = {}
        self.by_examples: dict[str, IntentEngine] = {}
        self.lock = threading.Lock()
        self.built_in: list[Example] | None = None
        self.built_in_key = ""
        self.warming = False

    def get(self, store: Store) -> IntentEngine:
        own = IntentExample.objects.filter(intent__store=store)
        signature = (
            tuple(own.aggregate(n=Count("id"), last=Max("id")).values()),
            tuple(Intent.objects.filter(store=store).order_by("name").values_list("name", "enabled")),
        )
        known = self.by_store.get(store.pk)
        if known is not None and known[0] == signature and known[1] in self.by_examples:
            return self.by_examples[known[1]]
        key, engine = self.trained(self.examples(store))
        self.by_store[store.pk] = (signature, key)
        return engine

    def trained(self, examples: list[Example]) -> tuple[str, IntentEngine]:
        """The engine for exactly these examples: trained on first use by the first process,
        then read from the data directory by every other one (and after a restart)."""
        key = hashlib.sha256("\n".join(f"{e.intent}\t{e.text}" for e in examples).encode()).hexdigest()
        with self.lock:
            engine = self.by_examples.get(key)
            if engine is None:
                engine = saved_engine(key)
            if engine is None:
                engine = IntentEngine(examples)
                save_engine(key, engine)
                log.info("assistant trained on %d examples in %.1f s", engine.examples, engine.trained_in)
            self.by_examples[key] = engine
        return key, engine

    def warm(self) -> None:
        """Train the engine of a store with only the built-in examples (most stores)."""
        if self.built_in is None:
            self.built_in = built_in_examples()
        self.built_in_key, _engine = self.trained(list(self.built_in))

    def ready(self, store: Store) -> IntentEngine | None:
        """The store's engine if this process has it trained already, else ``None`` (and it
        starts training in the background): for callers that must not wait (search)."""
        known = self.by_store.get(store.pk)
        if known is not None and known[1] in self.by_examples:
            return self.by_examples[known[1]]
        own = Intent.objects.filter(store=store).exists()
        if not own and self.built_in_key in self.by_examples:
            return self.by_examples[self.built_in_key]
        with self.lock:
            if self.warming:
                return None
            self.warming = True
        threading.Thread(target=self._warm_in_background, args=(store.pk,), daemon=True).start()
        return None

    def _warm_in_background(self, store_id: int) -> None:
        from django.db import connection

        try:
            self.get(Store.objects.get(pk=store_id))
        except Exception:
            log.exception("could not train the assistant in the background")
        finally:
            self.warming = False
            connection.close()

    def examples(self, store: Store) -> list[Example]:
        if self.built_in is None:
            self.built_in = built_in_examples()
        disabled = set(Intent.objects.filter(store=store, enabled=False).values_list("name", flat=True))
        own = [
            Example(text=e.text, intent=e.intent.name, language=e.language)
            for e in IntentExample.objects.filter(intent__store=store, intent__enabled=True)
            .select_related("intent")
            .order_by("id")
        ]
        return [e for e in self.built_in + own if e.intent not in disabled]


engines = _Engines()


def _engine_path(key: str) -> Path:
    """Where the engine trained on the examples hashed as ``key`` is kept. The name also holds
    what makes a trained engine unusable elsewhere: the sentence models and library versions."""
    import numpy
    import sklearn

    from stay.core.textmodel import models

    build = f"v{engine_format}-{models()}-sklearn{sklearn.__version__}-numpy{numpy.__version__}"
    return Path(settings.DATA_DIR) / "cache" / f"intents-{build}-{key[:24]}.pickle"


def saved_engine(key: str) -> IntentEngine | None:
    """The engine a process saved for ``key``, or None. The file is in the data directory,
    which only Stay writes (trusted as the database is); one that cannot be read is retrained."""
    path = _engine_path(key)
    try:
        with open(path, "rb") as handle:
            engine = pickle.load(handle)  # noqa: S301
    except FileNotFoundError:
        return None
    except Exception:
        log.warning("ignoring an unreadable trained assistant at %s", path, exc_info=True)
        return None
    return engine if isinstance(engine, IntentEngine) else None


def save_engine(key: str, engine: IntentEngine) -> None:
    """Written whole to a temporary file, then renamed: a reader never sees half an engine."""
    path = _engine_path(key)
    temporary = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(engine, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        log.warning("could not save the trained assistant to %s", path, exc_info=True)
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def guess_intents(store: Store, text: str) -> tuple[str, ...]:
    """For the help centre's search: the intent a question most likely is, if fairly sure
    (nothing while the engine is still training: a search never waits for it)."""
    engine = engines.ready(store)
    if engine is None:
        return ()
    prediction = engine.predict(text)
    return (prediction.intent,) if prediction.confidence >= 0.5 else ()


def answers_chat(store: Store) -> bool:
    """For the chat widget: whether the assistant is there when no agent is."""
    options = settings_for(store)
    return options.enabled and "webchat" in options.channels


def settings_for(store: Store) -> AssistantSettings:
    found, _created = AssistantSettings.objects.get_or_create(
        store=store,
        defaults={"channels": ["webchat", "whatsapp", "sms"], "enabled": settings.ASSISTANT_ANSWERS_BY_DEFAULT},
    )
    return found


# --- language -------------------------------------------------------------------------


def language_of(ask: Ask) -> str:
    """The language to answer in: the caller's; else Korean for a message with Hangul; else
    the conversation's language so far, unless the shopper clearly switched to English (a few
    words of it, not an order number, an e-mail address or one word like "email"); else the
    customer's or the store's language."""
    shipped = {code for code, _name in settings.LANGUAGES}
    if ask.language[:2] in shipped:
        return ask.language[:2]
    if _HANGUL.search(ask.text):
        return "ko"
    so_far = _conversation_language(ask)
    words = _LATIN.findall(_NOT_WORDS.sub(" ", ask.text))
    if words and (so_far is None or so_far == "en" or len(words) >= 3):
        return "en"
    if so_far is not None and so_far in shipped:
        return so_far
    customer = ask.conversation.customer if ask.conversation else None
    for code in ((customer.locale if customer else ""), ask.store.default_locale):
        if code and code[:2] in shipped:
            return code[:2]
    return "en"


# What carries no language: addresses, links, order numbers.
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|#?\d[\w-]*")


def _conversation_language(ask: Ask) -> str | None:
    """The language the conversation has been held in: the last answer's, else what the
    customer wrote in before."""
    if ask.conversation is None:
        return None
    last = Turn.objects.filter(conversation=ask.conversation).order_by("-id").values_list("language", flat=True).first()
    if last:
        return last
    said = Message.objects.filter(conversation=ask.conversation, direction=Direction.IN)
    if ask.message is not None:
        said = said.exclude(pk=ask.message.pk)
    for text in said.order_by("-id").values_list("text", flat=True)[:5]:
        if _HANGUL.search(text):
            return "ko"
    return None


# --- the conversation's memory ----------------------------------------------------------


class _State:
    def __init__(self, ask: Ask) -> None:
        self.session: Session | None = None
        self.data: dict[str, Any] = {}
        if ask.conversation is not None and not ask.trusted:
            self.session, _created = Session.objects.get_or_create(conversation=ask.conversation)
            self.data = dict(self.session.state)

    def save(self) -> None:
        if self.session is not None:
            Session.objects.filter(pk=self.session.pk).update(state=self.data, updated_at=timezone.now())


def handed_off(conversation: Conversation) -> bool:
    """Whether a person has the conversation: it was handed over and not resolved since."""
    session = Session.objects.filter(conversation=conversation).first()
    at = session.state.get("handoff_at") if session else None
    if not at:
        return False
    since = parse_datetime(at)
    return not ConversationEvent.objects.filter(
        conversation=conversation, kind="status_changed", data__to="resolved", created_at__gt=since
    ).exists()


# --- answering --------------------------------------------------------------------------


class _Reply:
    """Everything one answer needs, so the handlers below stay small."""

    def __init__(self, ask: Ask, language: str, prediction: Prediction, state: _State) -> None:
        self.ask = ask
        self.store = ask.store
        self.language = language
        self.prediction = prediction
        self.state = state
        self.looked_up = False
        self.found: Order | None = None

    def answer(self, text: str, **values: Any) -> Answer:
        return Answer(
            intent=values.pop("intent", self.prediction.intent),
            confidence=self.prediction.confidence,
            text=text,
            language=self.language,
            **values,
        )

    # the order in question

    def order(self) -> Order | None:
        """The order in question, looked up once per message (a proof is one attempt)."""
        if not self.looked_up:
            self.found = self._look_up()
            self.looked_up = True
        return self.found

    def _look_up(self) -> Order | None:
        proof = proof_in(self.ask.text, region=self.store.country)
        conversation = self.ask.conversation
        if conversation is not None and (self.ask.trusted or _chat_verified(conversation)):
            return customers_order(customer_id=conversation.customer_id, number=proof.number)
        if proof.complete:
            who = f"c{conversation.pk}" if conversation else f"ip:{self.ask.client}"
            order = verified_order(store=self.store, proof=proof, who=who)
            if order is not None:
                self.state.data["order"] = order.pk
                return order
            self.state.data["failed_proof"] = True
            return None
        known = self.state.data.get("order")
        if known:
            return Order.objects.filter(pk=known, store=self.store).first()
        return None


def _chat_verified(conversation: Conversation) -> bool:
    """The storefront vouched for this chat visitor (identity verification)."""
    last = (
        conversation.messages.filter(direction=Direction.IN, identity__isnull=False)
        .select_related("identity")
        .order_by("-id")
        .first()
    )
    return bool(last and last.identity and last.identity.verified and last.identity.kind == "chat")


def assistant_reply(ask: Ask) -> Answer:
    """Answer one message (see the module's description). Records the turn."""
    started = time.perf_counter()
    language = language_of(ask)
    with override(language):
        state = _State(ask)
        answer = _answer(ask, language, state)
        if not ask.trusted:
            state.save()
    answer.language = language
    latency = int((time.perf_counter() - started) * 1000)
    if ask.trusted:
        answer.outcome = Outcome.SUGGESTED
    answer.turn_id = _record(ask, answer, latency)
    return answer


def _answer(ask: Ask, language: str, state: _State) -> Answer:
    store_settings = settings_for(ask.store)
    threshold = float(store_settings.confidence)
    pending = state.data.get("pending") or {}

    if pending.get("await") == "cancel_confirm" and not ask.trusted:
        state.data.pop("pending", None)
        order = Order.objects.filter(pk=pending.get("order") or 0, store=ask.store).first()
        if order is not None and _YES.search(ask.text):
            return _cancel(ask, order)
        if order is not None and _NO.search(ask.text):
            return Answer(
                "cancel_order",
                1.0,
                _("All right: order %(name)s stays as it is.") % {"name": order.name},
                language,
                action="cancel_declined",
            )

    if pending.get("await") in ("newsletter_email", "restock_confirm", "restock_email", "reward_choice") and not (
        ask.trusted
    ):
        followed = _outreach_followup(ask, language, state, pending)
        if followed is not None:
            return followed

    words = intent_words(ask.text, region=ask.store.country, names=_names_of(ask.conversation))
    prediction = engines.get(ask.store).predict(words)
    reply = _Reply(ask, language, prediction, state)

    # A shopper answering "which order?" or "which card?" is continuing, whatever the words;
    # so is one who sends only an order number with an email, or only a card's code.
    unsure = prediction.confidence < threshold or prediction.intent == "out_of_scope"
    proof = proof_in(ask.text, region=ask.store.country)
    chosen = _chosen(ask.text, pending) if pending.get("await") == "choice" else None
    if chosen:
        reply.prediction = _sure(chosen)
    elif pending.get("await") == "order" and proof.any:
        reply.prediction = _sure(pending["intent"])
    elif unsure and proof.complete:
        reply.prediction = _sure("track_order")
    if _CODE.search(ask.text) and (pending.get("await") == "gift_card_code" or unsure):
        reply.prediction = _sure("gift_card_balance")
    state.data.pop("pending", None)

    intent, confidence = reply.prediction.intent, reply.prediction.confidence
    custom = Intent.objects.filter(store=ask.store, name=intent, enabled=True).select_related("article").first()

    if intent == "contact_human" and confidence >= threshold:
        return _handoff(reply, "asked for a person")
    if (intent == "complaint" and confidence >= threshold) or _UPSET.search(ask.text):
        return _handoff(
            reply, "upset", intent="complaint" if intent != "complaint" and _UPSET.search(ask.text) else intent
        )
    pair = None if ask.trusted else choices(reply.prediction, threshold)
    if pair is not None:
        return _ask_between(reply, pair)
    if confidence < threshold or intent == "out_of_scope":
        return _miss(reply)
    state.data["misses"] = 0
    # (A confident contact_human or complaint was handed over above.)
    if intent in TO_A_PERSON or (custom is not None and custom.to_a_person):
        return _handoff(reply, "needs a person")
    if custom is not None and (custom.answers or custom.article):
        return _custom(reply, custom)
    handler = HANDLERS.get(intent)
    if handler is not None:
        return handler(reply)
    return _from_help_centre(reply) or _miss(reply)


# A message of several lines (an e-mail) opens with a greeting and ends with a sign-off and a
# name: they say nothing of what is wanted, and in a short message they outweigh it.
_GREETING_LINE = re.compile(
    r"^\s*(hi|hello|hey|hi there|dear\b[^,.!?]*|good (morning|afternoon|evening)\b[^,.!?]*|안녕하세요|안녕하십니까)"
    r"[\s,.!~]*$",
    re.I,
)
GREETING_MOST_WORDS = 4  # "Dear Summit Outdoor team," is a greeting; "Dear team, it never came" is not
_SIGN_OFF_LINE = re.compile(
    r"^\s*(thanks?( you)?( so much| in advance)?|many thanks|cheers|(best|kind|warm)( regards)?|regards|sincerely"
    r"|감사합니다|고맙습니다)[\s,.!~]*$",
    re.I,
)


def _body(text: str) -> str:
    """``text`` without the greeting lines above it and the sign-off (with the name) below."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return text
    while len(lines) > 1 and len(lines[0].split()) <= GREETING_MOST_WORDS and _GREETING_LINE.match(lines[0]):
        lines.pop(0)
    for at in range(len(lines) - 1, 0, -1):
        if len(lines) - at <= 3 and _SIGN_OFF_LINE.match(lines[at]):
            lines = lines[:at]
            break
    return "\n".join(lines)


def intent_words(text: str, *, region: str, names: str = "") -> str:
    """What is read for the intent: the words, without an e-mail's greeting and sign-off, nor
    the gift card code, order number, e-mail or phone that came with them, nor the shopper's
    own name (``names``, as the store knows it): they say which or who, not what. The reply,
    the evaluation and labelling all read this."""
    words = without_proof(_CODE.sub(" ", _body(text)), region=region)
    for name in {part for part in names.split() if len(part) >= 2}:
        words = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", words, flags=re.IGNORECASE)
    return " ".join(words.split()) or text


def _names_of(conversation: Conversation | None) -> str:
    return conversation.customer.name if conversation is not None and conversation.customer_id else ""


def _sure(intent: str) -> Prediction:
    return Prediction(intent, 1.0, ((intent, 1.0),))


def _record(ask: Ask, answer: Answer, latency: int) -> int:
    return Turn.objects.create(
        store=ask.store,
        conversation=ask.conversation,
        message=ask.message,
        channel=ask.channel,
        language=answer.language,
        intent=answer.intent,
        confidence=answer.confidence,
        outcome=answer.outcome,
        action=answer.action,
        handoff_reason=answer.handoff_reason,
        article=answer.article,
        text=answer.text[:4000],
        latency_ms=latency,
    ).pk


# --- misses and handing over ------------------------------------------------------------


def _topics() -> str:
    return _(
        "your order's status, returns and exchanges, cancelling an order, gift card balances, product suggestions, "
        "or our help articles"
    )


def _miss(reply: _Reply) -> Answer:
    misses = int(reply.state.data.get("misses", 0)) + 1
    reply.state.data["misses"] = misses
    if misses >= MISSES_BEFORE_A_PERSON and not reply.ask.trusted:
        return _handoff(reply, "not understood")
    hits = _articles(reply, limit=1)
    if hits and reply.prediction.intent != "out_of_scope":
        found = _from_help_centre(reply, hits=hits)
        if found is not None:
            return found
    if reply.prediction.intent == "out_of_scope":
        text = _("I can only help with this store: %(topics)s.") % {"topics": _topics()}
    else:
        text = _("Sorry, I didn't understand. I can help with %(topics)s. Could you say it another way?") % {
            "topics": _topics()
        }
    return reply.answer(
        text + " " + _("Or write “agent” to talk to a person."), outcome=Outcome.ASKED, action="rephrase"
    )


INTENT_LABELS = {
    "account_help": gettext_lazy("Help with my account"),
    "cancel_order": gettext_lazy("Cancel my order"),
    "change_order": gettext_lazy("Change what I ordered"),
    "change_shipping_address": gettext_lazy("Change the delivery address"),
    "complaint": gettext_lazy("Make a complaint"),
    "contact_human": gettext_lazy("Talk to a person"),
    "damaged_or_defective": gettext_lazy("It arrived damaged or faulty"),
    "delivery_info": gettext_lazy("Delivery options and costs"),
    "exchange_item": gettext_lazy("Exchange for another size or colour"),
    "feedback": gettext_lazy("Give feedback"),
    "gift_card_balance": gettext_lazy("My gift card's balance"),
    "gift_card_help": gettext_lazy("Buying or using a gift card"),
    "invoice": gettext_lazy("A receipt or invoice"),
    "loyalty_points": gettext_lazy("My points and rewards"),
    "newsletter": gettext_lazy("Emails and texts from the store"),
    "payment_issue": gettext_lazy("A problem with a payment"),
    "payment_methods": gettext_lazy("Ways to pay"),
    "place_order": gettext_lazy("Placing an order"),
    "product_availability": gettext_lazy("Whether something is in stock"),
    "recommend_products": gettext_lazy("Product suggestions"),
    "refund_status": gettext_lazy("Where my refund is"),
    "return_item": gettext_lazy("Return something"),
    "return_policy": gettext_lazy("The return and refund policy"),
    "sizing_help": gettext_lazy("Help with sizes"),
    "track_order": gettext_lazy("Where my order is"),
    "wrong_or_missing_item": gettext_lazy("Something wrong or missing in my parcel"),
}


def intent_label(store: Store, intent: str) -> str:
    """What a button offering ``intent`` says: the built-in label, else the store's intent's
    description or name."""
    if intent in INTENT_LABELS:
        return str(INTENT_LABELS[intent])
    custom = Intent.objects.filter(store=store, name=intent).values_list("description", flat=True).first()
    return custom or intent.replace("_", " ")


def _ask_between(reply: _Reply, pair: tuple[str, str]) -> Answer:
    """One short question with two buttons, instead of a guess (issue 24)."""
    labels = [intent_label(reply.store, intent) for intent in pair]
    reply.state.data["pending"] = {"await": "choice", "intents": list(pair), "labels": labels}
    text = _("Do you mean: 1. %(first)s, or 2. %(second)s? Reply 1 or 2.") % {
        "first": labels[0],
        "second": labels[1],
    }
    return reply.answer(text, outcome=Outcome.ASKED, action="choose", choices=labels)


def _chosen(text: str, pending: dict[str, Any]) -> str | None:
    """Which of the two offered intents the shopper's answer picks: 1 or 2, or the words of
    the button they pressed; None when they wrote something else (a new message)."""
    said = text.strip().rstrip(".!").strip().casefold()
    offered = list(zip(pending.get("intents") or [], pending.get("labels") or [], strict=False))
    for number, (intent, label) in enumerate(offered, start=1):
        if said in (str(number), label.casefold()):
            return intent
    return None


def _summary(reply: _Reply, reason: str, order: Order | None) -> str:
    conversation = reply.ask.conversation
    said = []
    if conversation is not None:
        said = list(
            conversation.messages.filter(direction=Direction.IN).order_by("-id").values_list("text", flat=True)[:3]
        )[::-1]
    reasons = {
        "asked for a person": _("the shopper asked for a person"),
        "upset": _("the shopper seems upset"),
        "not understood": _("the assistant did not understand twice"),
        "needs a person": _("this request needs a person"),
    }
    verified = reply.state.data.get("order") == (order.pk if order else None) or reply.ask.trusted
    lines = [
        _("Handed over by the assistant: %(reason)s.") % {"reason": reasons.get(reason, reason)},
        _("Intent: %(intent)s (confidence %(confidence)s).")
        % {"intent": reply.prediction.intent, "confidence": f"{reply.prediction.confidence:.0%}"},
    ]
    if order is not None:
        lines.append(
            _("Order: %(name)s (%(state)s).")
            % {"name": order.name, "state": _("verified") if verified else _("not verified")}
        )
    else:
        lines.append(_("Order: not given yet."))
    if said:
        lines.append(_("The shopper said:"))
        lines += [f"> {text[:300]}" for text in said]
    return "\n".join(lines)


def _handoff(reply: _Reply, reason: str, intent: str = "") -> Answer:
    """Give the conversation to a person: a summary note, a tag, a higher priority when the
    shopper is upset; tell the shopper when someone will answer and what to send meanwhile."""
    order = None
    with contextlib.suppress(RateLimited):
        order = reply.order()
    conversation = reply.ask.conversation
    if conversation is not None and not reply.ask.trusted:
        with transaction.atomic():
            note_add(
                conversation=conversation, text=_summary(reply, reason, order), author=None, author_kind=AuthorKind.BOT
            )
            conversation_set_tags(conversation=conversation, tags=sorted({*conversation.tags, HANDOFF_TAG}), actor=None)
            if reason == "upset" and conversation.priority in (Priority.NORMAL, Priority.LOW):
                conversation_set_priority(conversation=conversation, priority=Priority.HIGH, actor=None)
        reply.state.data["handoff_at"] = timezone.now().isoformat()
        reply.state.data["misses"] = 0
        reply.state.data["handoff_acked"] = False
    away = _team_back_at(reply.store)
    if away is None:
        text = _("I'm passing you to a person on our team; they will reply here shortly.")
    else:
        text = _(
            "Our team is away right now and will reply from %(when)s. So that they can help at once, "
            "please send your order number and what happened (photos help if something is damaged)."
        ) % {"when": away}
    return reply.answer(
        text,
        intent=intent or reply.prediction.intent,
        outcome=Outcome.HANDED_OFF,
        action="handoff",
        handoff_reason=reason,
        order=order,
    )


def _team_back_at(store: Store) -> str | None:
    """When the team is back, in the store's time, if it is away now (None: open now)."""
    now = timezone.now()
    opens = sla.next_opening(store, now)
    if opens <= now:
        return None
    local = timezone.localtime(opens, store.zone)
    # Translators: a date format (Django's date syntax): the day and time the team is back.
    return formats.date_format(local, _("D j M, H:i"))


def handoff_ack(*, conversation: Conversation, message: Message) -> str | None:
    """After a handoff, the shopper's next message gets one answer while no person has replied
    yet: that it was added, when a person will answer, and (in the chat) that e-mail works too.
    None: acknowledged already, or a person answered."""
    session = Session.objects.select_for_update().filter(conversation=conversation).first()  # one job acks
    state = dict(session.state) if session is not None else {}
    if session is None or not state.get("handoff_at") or state.get("handoff_acked"):
        return None
    since = parse_datetime(state["handoff_at"])
    if Message.objects.filter(
        conversation=conversation, direction=Direction.OUT, author_kind=AuthorKind.AGENT, created_at__gt=since
    ).exists():
        return None
    Session.objects.filter(pk=session.pk).update(state={**state, "handoff_acked": True}, updated_at=timezone.now())
    store = conversation.store
    language = language_of(Ask(store=store, text=message.text, conversation=conversation, message=message))
    with override(language):
        parts = [_("Thank you, I have added this to your request.")]
        away = _team_back_at(store)
        due = conversation.first_response_due_at
        if away is not None:
            parts.append(_("Our team is away right now and will reply here from %(when)s.") % {"when": away})
        elif due is not None and due > timezone.now():
            local = timezone.localtime(due, store.zone)
            parts.append(
                _("A person on our team will reply here by %(time)s at the latest.")
                % {"time": formats.time_format(local, "H:i")}
            )
        else:
            parts.append(_("A person on our team will reply here as soon as they can."))
        if message.channel == Channel.WEBCHAT:
            parts.append(
                _("If you would rather not wait here, leave your e-mail address below and we will answer there.")
            )
        else:
            parts.append(_("You don't need to write again: your messages are all with them."))
    return " ".join(parts)


# --- the help centre ----------------------------------------------------------------------


def _articles(reply: _Reply, limit: int = 3) -> list[Hit]:
    return search(reply.store, reply.ask.text, language=reply.language, limit=limit, intents=(reply.prediction.intent,))


def article_url(article: Article, language: str) -> str:
    url = reverse("helpcentre:article", args=[article.store.slug, article.slug])
    return f"{settings.PUBLIC_URL}{url}?lang={language}"


def _cite(reply: _Reply, hit_article: Article, lead: str = "") -> Answer | None:
    text = text_for(hit_article, reply.language)
    if text is None:
        return None
    body = text.summary or text.body.split("\n\n")[0]
    url = article_url(hit_article, reply.language)
    words = " ".join(
        p for p in (lead, body.strip(), _("More in “%(title)s”: %(url)s") % {"title": text.title, "url": url}) if p
    )
    return reply.answer(words, article=hit_article, action="article", links=[(url, text.title)])


def _from_help_centre(reply: _Reply, hits: list[Hit] | None = None, lead: str = "") -> Answer | None:
    """The article that answers the question: one written for this intent if the question is
    close to it, else the closest article if it is close enough."""
    hits = _articles(reply) if hits is None else hits
    for hit in hits:
        if reply.prediction.intent in hit.article.intents and hit.score >= encoder().loosely_related:
            return _cite(reply, hit.article, lead)
    if hits and hits[0].score >= encoder().related:
        return _cite(reply, hits[0].article, lead)
    # Nothing close enough: the article written for this intent, if the store has one.
    published = Article.objects.filter(store=reply.store, published=True).select_related("store")
    tagged = next((a for a in published.prefetch_related("texts") if reply.prediction.intent in a.intents), None)
    return _cite(reply, tagged, lead) if tagged is not None else None


def _custom(reply: _Reply, intent: Intent) -> Answer:
    said = intent.answers.get(reply.language) or intent.answers.get(reply.store.default_locale) or ""
    if intent.article is not None:
        cited = _cite(reply, intent.article, lead=said)
        if cited is not None:
            return cited
    return reply.answer(said, action="custom_answer")


# --- the order intents --------------------------------------------------------------------


def _ask_for_order(reply: _Reply, general: Answer | None = None) -> Answer:
    """The general answer (if any), and how to prove which order is theirs."""
    reply.state.data["pending"] = {"await": "order", "intent": reply.prediction.intent}
    failed = reply.state.data.pop("failed_proof", False)
    how = _(
        "To look at your order, send me its number and the email address or phone number you ordered with, "
        "e.g. “#1001 jane@example.com”."
    )
    if failed:
        how = _(
            "I couldn't find an order with those details. Check the order number and the email or phone, and try again."
        )
    lead = f"{general.text}\n\n" if general is not None else ""
    return reply.answer(
        lead + how,
        outcome=Outcome.ASKED,
        action="verify",
        article=general.article if general else None,
    )


def _order_intent(reply: _Reply) -> Answer:
    try:
        order = reply.order()
    except RateLimited as exc:
        return reply.answer(str(exc), outcome=Outcome.ASKED, action="rate_limited")
    if order is None:
        intent = reply.prediction.intent
        if intent == "cancel_order":
            # The assistant does the cancelling: no article telling the shopper to ask it.
            general = reply.answer(_("I can cancel an order that has not shipped yet."))
        elif intent in ("track_order", "refund_status"):
            general = None
        else:
            general = _from_help_centre(reply)
        return _ask_for_order(reply, general)
    return ORDER_HANDLERS[reply.prediction.intent](reply, order)


def _track(reply: _Reply, order: Order) -> Answer:
    return reply.answer(status_text(order, reply.language), outcome=Outcome.ACTED, action="order_status", order=order)


def _refund_status(reply: _Reply, order: Order) -> Answer:
    lines = []
    for refund in order.refunds.order_by("refunded_at"):
        lines.append(
            _("%(amount)s %(currency)s was refunded on %(date)s; banks take 3–10 working days to show it.")
            % {"amount": refund.amount, "currency": order.currency, "date": refund.refunded_at.date().isoformat()}
        )
    for ret in returns_of_order(order):
        lines.append(
            _("Return %(number)s: %(status)s. Follow it here: %(url)s")
            % {"number": ret.number, "status": ret.get_status_display(), "url": status_url(ret)}
        )
    if not lines:
        lines.append(_("There is no refund or return on order %(name)s yet.") % {"name": order.name})
    fits, links = _fits_too(reply, order)
    if fits:
        lines.append(fits)
    return reply.answer("\n".join(lines), outcome=Outcome.ACTED, action="refund_status", order=order, links=links)


def _returns(reply: _Reply, order: Order) -> Answer:
    intent = reply.prediction.intent
    url = portal_url(order, reason=RETURN_REASON.get(intent, ""), language=reply.language)
    if intent == "damaged_or_defective":
        lead = _(
            "I'm sorry it arrived like that. Choose the item and “Defective” here, add a photo, "
            "and we will send a replacement at once:"
        )
    elif intent == "wrong_or_missing_item":
        lead = _(
            "I'm sorry about the mix-up. Choose the item and “Wrong item sent” here and we will put it right at once:"
        )
    elif intent == "exchange_item":
        lead = _("You can swap for another size or colour in a few clicks here:")
    else:
        lead = _("You can start the return for order %(name)s here; the label is printable at the end:") % {
            "name": order.name
        }
    label = _("Start your exchange") if intent == "exchange_item" else _("Start your return")
    return reply.answer(f"{lead} {url}", outcome=Outcome.ACTED, action="return_link", order=order, links=[(url, label)])


def _cancel_offer(reply: _Reply, order: Order) -> Answer:
    if order.cancelled_at:
        return reply.answer(
            _("Order %(name)s is already cancelled.") % {"name": order.name}, order=order, action="cancel_refused"
        )
    if not cancellable(order):
        url = portal_url(order, language=reply.language)
        return reply.answer(
            _(
                "Order %(name)s has already shipped, so it can't be cancelled, "
                "but you can return it once it arrives: %(url)s"
            )
            % {"name": order.name, "url": url},
            order=order,
            action="cancel_refused",
            links=[(url, _("Start a return"))],
        )
    if reply.ask.trusted:
        return reply.answer(
            _("Order %(name)s has not shipped yet and can be cancelled from the order panel.") % {"name": order.name},
            order=order,
        )
    reply.state.data["pending"] = {"await": "cancel_confirm", "order": order.pk}
    items = ", ".join(f"{line.quantity} × {line.title}" for line in order.lines.all()[:5])
    return reply.answer(
        _(
            "Do you want me to cancel order %(name)s (%(items)s, %(total)s %(currency)s)? "
            "Reply YES to cancel it, or NO to keep it."
        )
        % {"name": order.name, "items": items, "total": order.total, "currency": order.currency},
        outcome=Outcome.ASKED,
        action="cancel_confirm",
        order=order,
    )


def _cancel(ask: Ask, order: Order) -> Answer:
    """The shopper said yes: ask the store to cancel (a durable platform call, once)."""
    language = language_of(ask)
    if not cancellable(order):
        return Answer(
            "cancel_order",
            1.0,
            _("Order %(name)s has shipped meanwhile, so it can no longer be cancelled.") % {"name": order.name},
            language,
            action="cancel_refused",
            order=order,
        )
    conversation = ask.conversation
    key = f"assistant:cancel:{order.pk}"
    with transaction.atomic():
        call = platform_request(
            store=ask.store,
            action=CANCEL_ORDER,
            params={"order_id": order.platform_id, "reason": "customer"},
            idempotency_key=key,
            requested_by="assistant",
            order=order,
            conversation_id=conversation.pk if conversation is not None else None,
        )
        data = {"order": order.name, "key": key, "call": call.id, "by": "assistant"}
        OrderEvent.objects.create(order=order, kind="cancel_requested", actor="assistant", data=data)
        if conversation is not None:
            ConversationEvent.objects.create(
                conversation=conversation, kind="order_cancel", actor="assistant", data=data
            )
    return Answer(
        "cancel_order",
        1.0,
        _(
            "Done: order %(name)s is being cancelled. "
            "You will get a confirmation, and the refund goes back to how you paid."
        )
        % {"name": order.name},
        language,
        outcome=Outcome.ACTED,
        action="cancel_order",
        order=order,
    )


ORDER_HANDLERS = {
    "track_order": _track,
    "refund_status": _refund_status,
    "cancel_order": _cancel_offer,
    "return_item": _returns,
    "exchange_item": _returns,
    "damaged_or_defective": _returns,
    "wrong_or_missing_item": _returns,
}


# --- gift cards -------------------------------------------------------------------------------


def _redact(ask: Ask) -> None:
    """A card's code is as good as cash: it is not kept in the conversation."""
    conversation = ask.conversation
    if conversation is None:
        return
    last = conversation.messages.filter(direction=Direction.IN).order_by("-id").first()
    if last is not None and _CODE.search(last.text):
        masked = _CODE.sub(lambda m: "••••-••••-••••-" + m.group(0)[-4:].upper(), last.text)
        type(last).objects.filter(pk=last.pk).update(text=masked, original="")


def _gift_card(reply: _Reply) -> Answer:
    found = _CODE.search(reply.ask.text)
    if found:
        code = found.group(0)
        _redact(reply.ask)
        try:
            card = gift_card_balance(
                store=reply.store,
                code=code,
                caller=Caller(
                    actor="assistant",
                    client=reply.ask.client
                    or f"conversation:{reply.ask.conversation.pk if reply.ask.conversation else ''}",
                ),
            )
        except RateLimited as exc:
            return reply.answer(str(exc), outcome=Outcome.ASKED, action="rate_limited")
        except (NotFound, StayError):
            return reply.answer(
                _(
                    "I couldn't find a gift card with that code. "
                    "Check it and send it again (letters and digits, dashes optional)."
                ),
                outcome=Outcome.ASKED,
                action="gift_card_unknown",
            )
        text = _("The card ending %(last4)s has %(balance)s %(currency)s left.") % {
            "last4": card["last4"],
            "balance": card["available"],
            "currency": card["currency"],
        }
        if card["expires_at"]:
            text += " " + _("It can be used until %(date)s.") % {"date": card["expires_at"].date().isoformat()}
        return reply.answer(text, outcome=Outcome.ACTED, action="gift_card_balance")
    conversation = reply.ask.conversation
    if conversation is not None and (reply.ask.trusted or _chat_verified(conversation)):
        credit = [c for c in store_credit_of(customer=conversation.customer) if c.balance > 0]
        if credit:
            text = " ".join(
                _("You have %(balance)s %(currency)s of store credit.")
                % {"balance": c.available, "currency": c.currency}
                for c in credit
            )
            return reply.answer(
                text + " " + _("For a gift card, send me its code."), outcome=Outcome.ACTED, action="store_credit"
            )
    reply.state.data["pending"] = {"await": "gift_card_code"}
    return reply.answer(
        _(
            "Send me the gift card's code (16 letters and digits, on the card or in its email) "
            "and I'll tell you what is left on it."
        ),
        outcome=Outcome.ASKED,
        action="ask_code",
    )


# --- small talk ---------------------------------------------------------------------------------


def _greeting(reply: _Reply) -> Answer:
    return reply.answer(
        _("Hello! I'm %(store)s's assistant. I can help with %(topics)s.")
        % {"store": reply.store.name, "topics": _topics()}
    )


def _thanks(reply: _Reply) -> Answer:
    return reply.answer(_("You're welcome! Anything else I can help with?"))


def _feedback(reply: _Reply) -> Answer:
    conversation = reply.ask.conversation
    if conversation is not None and not reply.ask.trusted:
        conversation_set_tags(conversation=conversation, tags=sorted({*conversation.tags, "feedback"}), actor=None)
    return reply.answer(_("Thank you for telling us: I've passed it on to the team."), action="feedback_recorded")


_SPEND = re.compile(r"\b(use|spend|redeem|cash\s*in|swap)\b|쓰|사용|교환|전환", re.IGNORECASE)


def _account_link(store: Store) -> str:
    return settings.PUBLIC_URL + reverse("account:home", args=[store.slug])


def _loyalty(reply: _Reply) -> Answer:
    """Points and rewards. A shopper the storefront vouched for (or an agent reading first)
    hears their own points, and can spend them on a reward here; anyone else is sent to their
    account page. A store without a programme says what it wrote, never promises one."""
    conversation = reply.ask.conversation
    if loyalty_settings(reply.store).enabled:
        if conversation is None or not (reply.ask.trusted or _chat_verified(conversation)):
            link = _account_link(reply.store)
            return reply.answer(
                _("You can see your points and use them on your account page: %(link)s") % {"link": link},
                action="loyalty_account",
                links=[(link, _("Your account"))],
            )
        customer = conversation.customer
        balance = balance_of(customer)
        points = balance.available if balance else 0
        text = _("You have %(points)s points.") % {"points": points}
        if balance and balance.pending:
            text += " " + _("%(pending)s more become yours when the return window of their order closes.") % {
                "pending": balance.pending
            }
        rewards = [r for r in rewards_of(reply.store) if r.points <= points]
        if not _SPEND.search(reply.ask.text) or not rewards:
            if _SPEND.search(reply.ask.text):
                text += " " + _("That is not enough for a reward yet.")
            return reply.answer(text, outcome=Outcome.ACTED, action="loyalty_balance")
        reply.state.data["pending"] = {"await": "reward_choice", "rewards": [r.pk for r in rewards[:5]]}
        choices = "; ".join(
            _("%(n)s: %(reward)s for %(points)s points") % {"n": n, "reward": r.name, "points": r.points}
            for n, r in enumerate(rewards[:5], start=1)
        )
        return reply.answer(
            text + " " + _("Which reward would you like? Reply with its number: %(choices)s.") % {"choices": choices},
            outcome=Outcome.ASKED,
            action="loyalty_choose",
        )
    published = Article.objects.filter(store=reply.store, published=True).select_related("store")
    tagged = next((a for a in published.prefetch_related("texts") if "loyalty_points" in a.intents), None)
    cited = _cite(reply, tagged) if tagged is not None else None
    return cited or reply.answer(
        _("%(store)s has no points or rewards programme at the moment. I can help with %(topics)s.")
        % {"store": reply.store.name, "topics": _topics()},
        action="not_offered",
    )


def _recommend(reply: _Reply) -> Answer:
    """ "What would you recommend": a shopper the storefront vouched for (or an agent reading
    first) gets their own list, anyone else the store's best sellers; each can be bought now
    and is linked on the store's site (issue 22)."""
    conversation = reply.ask.conversation
    if conversation is not None and conversation.customer_id and (reply.ask.trusted or _chat_verified(conversation)):
        customer_id = conversation.customer_id
        picks = recommend_for(store=reply.store, customer_ids=[customer_id], limit=3)[customer_id]
        lead = _("Picked for you:")
    else:
        picks = popular(store=reply.store, limit=3)
        lead = _("Our best sellers right now:")
    if not picks:
        return _from_help_centre(reply) or reply.answer(
            _("I have nothing to suggest right now. I can help with %(topics)s.") % {"topics": _topics()},
            action="nothing_to_recommend",
        )
    text, links = _picks_text(reply.store, picks)
    return reply.answer(f"{lead}\n{text}", action="recommended", links=links)


def _picks_text(store: Store, picks: list[Pick]) -> tuple[str, list[tuple[str, str]]]:
    """One line per product (its title, why, its page), and the links for the chat's buttons."""
    shop_url = outreach_settings(store).shop_url
    lines, links = [], []
    for pick in picks:
        link = pick.product.link(shop_url)
        lines.append(f"- {pick.product.title} ({pick.reason_label})" + (f": {link}" if link else ""))
        if link:
            links.append((link, pick.product.title))
    return "\n".join(lines), links


def _fits_too(reply: _Reply, order: Order) -> tuple[str, list[tuple[str, str]]]:
    """After a size exchange on ``order``: products bought with the new item, in the same size."""
    picks = order_exchange_fits(order)
    if not picks:
        return "", []
    text, links = _picks_text(reply.store, picks)
    return _("These fit you too:") + "\n" + text, links


def _redeem(ask: Ask, language: str, reward_id: int) -> Answer:
    """The chosen reward, through the one redemption service every path uses."""
    assert ask.conversation is not None
    intent = "loyalty_points"
    try:
        redemption = reward_redeem(
            customer=ask.conversation.customer,
            reward_id=reward_id,
            key=f"assistant-{ask.conversation.pk}-{reward_id}-{ask.conversation.messages.count()}",
            actor="assistant",
        )
    except StayError as exc:
        return Answer(intent, 1.0, str(exc), language, outcome=Outcome.ACTED, action="loyalty_refused")
    values = {"reward": redemption.reward.name, "points": redemption.points, "code": redemption.code}
    if redemption.code:
        text = (
            _(
                "Done: %(reward)s for %(points)s points. Your code is %(code)s; it works once it is ready on the "
                "store, within a minute. If the store cannot make it, your points come back."
            )
            % values
        )
    else:
        text = _("Done: %(reward)s for %(points)s points, added to your store credit.") % values
    return Answer(intent, 1.0, text, language, outcome=Outcome.ACTED, action="loyalty_redeemed")


_OPT_OUT = re.compile(
    r"\b(unsubscribe|stop|remove|opt\s*(me\s*)?out|don'?t want|no more|make it stop)\b"
    r"|거부|그만|빼\s*주|해지|원하지\s*않",
    re.IGNORECASE,
)
_EMAIL_IN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CHANNEL_WORDS = (
    ("email", re.compile(r"e-?mail|mail|newsletter|메일|뉴스레터", re.IGNORECASE)),
    ("sms", re.compile(r"\b(sms|texts?|text messages?)\b|문자", re.IGNORECASE)),
    ("whatsapp", re.compile(r"whats\s*app|왓츠앱", re.IGNORECASE)),
)
_TEXT_CHANNELS = ("sms", "whatsapp")


def _channels_named(text: str) -> list[str]:
    return [channel for channel, words in _CHANNEL_WORDS if words.search(text)]


def _newsletter(reply: _Reply) -> Answer:
    """Sign up (double opt-in: the shopper still confirms by link or reply) or opt out (at
    once, on the channels they name, else the one they write on, else all)."""
    conversation = reply.ask.conversation
    if conversation is None or reply.ask.trusted:
        return _from_help_centre(reply) or _miss(reply)
    customer, text = conversation.customer, reply.ask.text
    named = _channels_named(text)
    if _OPT_OUT.search(text):
        everything = re.search(r"\ball\b|모든|전부", text, re.IGNORECASE)
        if everything or not (named or conversation.channel in _TEXT_CHANNELS):
            channels = ["email", "sms", "whatsapp"]
        else:
            channels = named or [conversation.channel]
        consent_withdraw(
            customer=customer,
            channels=channels,
            source="chat",
            evidence={"message": text[:300], "conversation": conversation.pk},
        )
        return reply.answer(
            _(
                "Done: %(store)s will send you no more news or offers by %(channels)s. "
                "Order and delivery messages still come."
            )
            % {"store": reply.store.name, "channels": ", ".join(str(ConsentChannel(c).label) for c in channels)},
            outcome=Outcome.ACTED,
            action="opted_out",
        )
    channel = named[0] if named else (conversation.channel if conversation.channel in _TEXT_CHANNELS else "email")
    return _sign_up(reply.ask, reply.language, reply.state, channel, reply.prediction)


def _sign_up(ask: Ask, language: str, state: _State, channel: str, prediction: Prediction, said: str = "") -> Answer:
    conversation = ask.conversation
    assert conversation is not None
    customer = conversation.customer
    found = _EMAIL_IN.search(ask.text)
    email = found.group(0) if found else ""
    phone = ""
    if channel == "email" and not email:
        email = customer.identities.filter(kind=IdentityKind.EMAIL).values_list("value", flat=True).first() or ""
        if not email:
            state.data["pending"] = {"await": "newsletter_email", "said": ask.text[:300]}
            return Answer(
                prediction.intent,
                prediction.confidence,
                _("Happy to: which e-mail address should the news go to?"),
                language,
                outcome=Outcome.ASKED,
                action="signup_email",
            )
    if channel != "email":
        phone = (
            customer.identities.filter(kind__in=[IdentityKind.PHONE, IdentityKind.WHATSAPP])
            .values_list("value", flat=True)
            .first()
            or ""
        )
    wording = _("In chat, the shopper asked %(store)s for news and offers by %(channel)s: “%(text)s”") % {
        "store": ask.store.name,
        "channel": channel,
        "text": " / ".join(filter(None, [said, ask.text[:300]])),
    }
    try:
        subscription_request(
            store=ask.store,
            channel=channel,
            email=email,
            phone=phone,
            wording=str(wording),
            source="chat",
            user_agent=f"conversation {conversation.pk}",
            locale=language,
        )
    except StayError as exc:
        return Answer(prediction.intent, prediction.confidence, str(exc), language, outcome=Outcome.ASKED)
    if channel == "email":
        text = _("Almost done: we sent a link to %(email)s. Open it and press the button to confirm.") % {
            "email": email
        }
    else:
        text = _("Almost done: reply YES to the message we just sent you to confirm.")
    return Answer(
        prediction.intent, prediction.confidence, text, language, outcome=Outcome.ACTED, action="signup_requested"
    )


def _product_in(store: Store, text: str) -> tuple[Product, list[Variant]] | None:
    """The product the shopper names (most of its title's words in the message), and the
    variants they name by an option (size, colour) if any."""
    said = text.lower()
    best: tuple[float, Product] | None = None
    for product in Product.objects.filter(store=store, deleted_at__isnull=True, is_gift_card=False).only("id", "title")[
        :2000
    ]:
        words = [w for w in re.findall(r"\w+", product.title.lower()) if len(w) >= 2]
        if not words:
            continue
        share = sum(w in said for w in words) / len(words)
        if share >= 0.5 and (best is None or share > best[0]):
            best = (share, product)
    if best is None:
        return None
    variants = list(best[1].variants.filter(deleted_at__isnull=True))
    named = [
        v
        for v in variants
        if any(re.search(rf"(?<!\w){re.escape(str(o).lower())}(?!\w)", said) for o in (v.options or {}).values())
    ]
    return best[1], named or variants


def _availability(reply: _Reply) -> Answer:
    """Whether a product is in stock; if it is sold out, an offer to tell the shopper when it
    is back (one reply: YES)."""
    found = _product_in(reply.store, reply.ask.text)
    if found is None or reply.ask.conversation is None:
        return _from_help_centre(reply) or _miss(reply)
    product, variants = found
    sold_out = [v for v in variants if v.inventory_tracked and v.inventory_quantity <= 0]
    names = ", ".join(v.title for v in (sold_out or variants) if v.title and v.title != "Default Title")
    label = f"{product.title} ({names})" if names else product.title
    if not sold_out:
        return reply.answer(_("Good news: %(product)s is in stock.") % {"product": label}, action="in_stock")
    if reply.ask.trusted:
        return reply.answer(_("%(product)s is sold out right now.") % {"product": label}, action="sold_out")
    reply.state.data["pending"] = {"await": "restock_confirm", "variants": [v.pk for v in sold_out[:5]]}
    return reply.answer(
        _("%(product)s is sold out right now. Shall I tell you when it is back? Reply YES.") % {"product": label},
        outcome=Outcome.ASKED,
        action="restock_offer",
    )


def _restock(ask: Ask, language: str, state: _State, variant_ids: list[int], email: str = "") -> Answer:
    conversation = ask.conversation
    assert conversation is not None
    customer = conversation.customer
    channel = conversation.channel if conversation.channel in _TEXT_CHANNELS else "email"
    if channel == "email":
        email = email or (
            customer.identities.filter(kind=IdentityKind.EMAIL).values_list("value", flat=True).first() or ""
        )
        if not email:
            state.data["pending"] = {"await": "restock_email", "variants": variant_ids}
            return Answer(
                "product_availability",
                1.0,
                _("Which e-mail address should I write to when it is back?"),
                language,
                outcome=Outcome.ASKED,
                action="restock_email",
            )
        customer = customer_resolve(store=ask.store, data=CustomerInput(email=email), actor="assistant")
    told = []
    for variant in Variant.objects.filter(pk__in=variant_ids, store=ask.store).select_related("product"):
        try:
            restock_request(
                customer=customer,
                variant=variant,
                channel=channel,
                source="chat",
                evidence={"wording": ask.text[:300], "conversation": conversation.pk},
            )
        except StayError:
            continue  # back in stock meanwhile, or opted out: said below
        told.append(variant)
    if not told:
        return Answer(
            "product_availability", 1.0, _("It can be ordered now, or you opted out of these messages."), language
        )
    return Answer(
        "product_availability",
        1.0,
        _("Done: I will tell you as soon as it is back.")
        if channel != "email"
        else _("Done: we will write to %(email)s as soon as it is back.") % {"email": email},
        language,
        outcome=Outcome.ACTED,
        action="restock_requested",
    )


def _outreach_followup(ask: Ask, language: str, state: _State, pending: dict[str, Any]) -> Answer | None:
    """The shopper's answer to a question about news or a back-in-stock alert."""
    wanted = pending["await"]
    found = _EMAIL_IN.search(ask.text)
    if wanted == "newsletter_email" and found:
        state.data.pop("pending", None)
        return _sign_up(ask, language, state, "email", _sure("newsletter"), said=pending.get("said", ""))
    if wanted == "restock_confirm":
        if _YES.search(ask.text):
            state.data.pop("pending", None)
            return _restock(ask, language, state, pending.get("variants") or [])
        if _NO.search(ask.text):
            state.data.pop("pending", None)
            return Answer("product_availability", 1.0, _("All right."), language, action="restock_declined")
    if wanted == "reward_choice":
        number = re.fullmatch(r"\s*#?(\d)\s*[.!]?\s*", ask.text)
        offered = pending.get("rewards") or []
        if number and 1 <= int(number.group(1)) <= len(offered) and ask.conversation is not None:
            state.data.pop("pending", None)
            return _redeem(ask, language, offered[int(number.group(1)) - 1])
    if wanted == "restock_email" and found:
        state.data.pop("pending", None)
        return _restock(ask, language, state, pending.get("variants") or [], email=found.group(0))
    return None


HANDLERS = {
    **dict.fromkeys(NEEDS_ORDER, _order_intent),
    "newsletter": _newsletter,
    "product_availability": _availability,
    "loyalty_points": _loyalty,
    "recommend_products": _recommend,
    "gift_card_balance": _gift_card,
    "greeting": _greeting,
    "thanks": _thanks,
    "feedback": _feedback,
}
