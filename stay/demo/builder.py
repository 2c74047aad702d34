"""The demo store: a season of a sports-and-outdoor brand, deterministic from a seed.

Everything goes through the same domain services as webhooks and imports do, so the demo
exercises the real code paths (customer resolution, stats, events, out-of-order guards).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random

from django.db import transaction

from stay.catalog.inputs import ProductInput, VariantInput
from stay.catalog.services import product_upsert
from stay.core.models import Store
from stay.core.services import store_create
from stay.customers.inputs import ConsentInput, CustomerInput
from stay.customers.models import Customer
from stay.customers.services import customer_resolve
from stay.flows.services import outreach_prepare
from stay.loyalty.models import Reward, Tier
from stay.loyalty.services import points_apply, points_release_due
from stay.loyalty.services import settings_for as loyalty_settings
from stay.orders.inputs import (
    CheckoutInput,
    CheckoutLineInput,
    FulfilmentInput,
    LineInput,
    OrderInput,
    RefundInput,
    RefundLineInput,
    TrackingEventInput,
)
from stay.orders.models import Order
from stay.orders.services import checkout_upsert, order_upsert
from stay.recommendations.training import train as recommendations_train
from stay.returns.policy import settings_for as return_settings_for

from . import data
from .articles import help_centre_create

ACTOR = "demo"
CENT = Decimal("0.01")


@dataclass
class DemoSize:
    products: int = 200
    customers: int = 3000
    orders: int = 10_000
    carts: int = 1500
    conversations: int = 400
    # The day the demo is built for (default: today, UTC). Its orders run from the October
    # before the last January that has ended to two days before it: the holiday peak and the
    # January tail are past, the newest orders are days old (inside every return window).
    today: date | None = None


@dataclass
class Person:
    platform_id: str
    name: str
    email: str
    phone: str
    locale: str
    city: tuple[str, str, str]
    weight: float


@dataclass
class Report:
    products: int = 0
    variants: int = 0
    customers: int = 0
    orders: int = 0
    gift_orders: int = 0
    gift_card_orders: int = 0
    problems: dict[str, int] = field(default_factory=lambda: {"lost": 0, "late": 0, "damaged": 0})
    refunds: int = 0
    cancelled: int = 0
    carts: int = 0
    conversations: int = 0


def history_span(today: date) -> tuple[date, date]:
    """First and last day of the demo's orders when it is built on ``today``."""
    last_january = today.year if today > date(today.year, 1, 31) else today.year - 1
    return date(last_january - 1, 10, 1), today - timedelta(days=2)


def _black_friday(year: int) -> date:
    return date(year, 11, 22) + timedelta(days=(4 - date(year, 11, 22).weekday()) % 7)


def day_weights(start: date, end: date) -> list[tuple[date, float]]:
    """Relative order volume per day from ``start`` to ``end``: the October base, the Black
    Friday and Cyber Monday spikes, the December build-up to Christmas, the lull, the January
    tail, and a quieter spring and summer."""
    weights = []
    day = start
    while day <= end:
        if day.month == 10:
            w = 1.0
        elif day.month == 11:
            w = 1.2 + 0.8 * (day.day / 30)
        elif day.month == 12:
            w = 2.2 + 1.5 * min(day.day, 20) / 20 if day.day <= 21 else (0.8 if day.day <= 25 else 1.6)
        elif day.month == 1:
            w = 1.3 - 0.6 * (day.day / 31)  # gift-card spending and exchanges, fading
        else:
            w = 0.5
        black_friday = _black_friday(day.year)
        if black_friday <= day <= black_friday + timedelta(days=3):
            w = 7.0 if day in (black_friday, black_friday + timedelta(days=3)) else 4.5
        weights.append((day, w))
        day += timedelta(days=1)
    return weights


class DemoBuilder:
    def __init__(
        self, *, seed: int = 42, size: DemoSize | None = None, progress: Callable[[str, int], None] | None = None
    ):
        self.rng = Random(seed)
        self.size = size or DemoSize()
        self.today = self.size.today or datetime.now(UTC).date()
        self.first_day, self.last_day = history_span(self.today)
        # Nothing in the demo happens after the start of the day it is built for.
        self.now = datetime(self.today.year, self.today.month, self.today.day, tzinfo=UTC)
        self.progress = progress or (lambda stage, n: None)
        self.report = Report()
        self.variants: list[tuple[ProductInput, VariantInput]] = []
        self.gift_card: ProductInput | None = None
        self.people: list[Person] = []
        self.line_id = 1_000_000_000

    # ------------------------------------------------------------------ store and catalog
    def build(self, *, store: Store | None = None) -> tuple[Store, Report]:
        store = store or store_create(
            name="Summit Outdoor",
            slug="summit",
            webhook_secret=secrets.token_urlsafe(24),
            currency="USD",
            timezone="Asia/Seoul",
            default_locale="en",
            country="KR",
        )
        # Where returns go and with whom: the return label needs both, and the help centre's
        # shipping article names the same carrier.
        returns = return_settings_for(store)
        returns.return_address = "Summit Outdoor Returns\n12 Seongsui-ro 7-gil, Seongdong-gu\nSeoul 04780, South Korea"
        returns.carrier = "CJ Logistics"
        returns.save(update_fields=["return_address", "carrier"])
        with transaction.atomic():
            self._catalog(store)
        self._customers(store)
        self._orders(store)
        with transaction.atomic():
            self._carts(store)
        with transaction.atomic():
            self._inbox(store)
        help_centre_create(store)
        # The built-in flows, to see and edit in the admin. The demo store has no Shopify to make
        # discount codes on, so its welcome gift is store credit.
        outreach = outreach_prepare(store=store)
        outreach.welcome_gift = "credit"
        outreach.save(update_fields=["welcome_gift"])
        self._loyalty(store)
        # Recommendations from the season's orders now, rather than at the first night's job.
        recommendations_train(store)
        return store, self.report

    def _loyalty(self, store: Store) -> None:
        """A points programme switched on after the season, its orders' points earned then:
        1 point per dollar, pending for 30 days, two tiers and a reward of each kind the demo
        can make without Shopify (its codes would need a connected shop to exist)."""
        programme = loyalty_settings(store)
        programme.enabled, programme.pending_mode, programme.signup_points = True, "fixed", 50
        programme.expiry_months, programme.referral_points = 12, 200
        programme.save()
        Tier.objects.create(store=store, name="Silver", threshold=Decimal("300"), multiplier=Decimal("1.25"))
        Tier.objects.create(
            store=store,
            name="Gold",
            threshold=Decimal("1000"),
            multiplier=Decimal("1.5"),
            early_access=True,
            priority_support=True,
            entry_points=100,
        )
        Reward.objects.create(store=store, name="$5 store credit", kind="credit", points=250, value=Decimal("5"))
        Reward.objects.create(store=store, name="$10 off", kind="amount", points=500, value=Decimal("10"))
        Reward.objects.create(store=store, name="Free shipping", kind="free_shipping", points=300)
        now = self.now
        paid = list(Order.objects.filter(store=store).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(paid), 500):
            with transaction.atomic():
                points_apply(order_ids=paid[start : start + 500], now=now)
        while points_release_due(now=now):
            pass

    def _catalog(self, store: Store) -> None:
        rng = self.rng
        pid, vid = 7_000_000_000, 4_000_000_000
        combos = [(m, t) for t in data.TYPES for m in data.MODELS][: self.size.products - 1]
        for model, (kind, (low, high), sizing, n_colours) in combos:
            pid += 1
            price = Decimal(rng.randint(low, high)) - Decimal("0.01")
            colours = rng.sample(data.COLOURS, n_colours)
            sizes: list[str | None] = list({"apparel": data.APPAREL_SIZES, "shoe": data.SHOE_SIZES}.get(sizing, [None]))
            option_names = (["Size"] if sizing in ("apparel", "shoe") else []) + (
                ["Colour"] if sizing != "none" else []
            )
            variants: list[VariantInput] = []
            for colour in colours if sizing != "none" else [None]:  # type: ignore[list-item]
                for size in sizes:
                    vid += 1
                    options = {k: v for k, v in (("Size", size), ("Colour", colour)) if v}
                    sku = (
                        "-".join(
                            [
                                model[:3].upper(),
                                kind.split()[-1][:4].upper(),
                                *(str(v)[:3].upper() for v in options.values()),
                            ]
                        )
                        + f"-{vid % 10000:04}"
                    )
                    variants.append(
                        VariantInput(
                            platform_id=str(vid),
                            price=price,
                            title=" / ".join(options.values()) or "Default",
                            sku=sku,
                            options=options,
                            barcode=f"08451{vid % 10**7:07}",
                            inventory_item_id=str(vid + 10**9),
                            inventory_quantity=rng.randint(0, 60),
                            position=len(variants) + 1,
                        )
                    )
            product = ProductInput(
                platform_id=str(pid),
                title=f"{model} {kind}",
                handle=f"{model}-{kind}".lower().replace(" ", "-"),
                vendor="Summit",
                product_type=kind,
                option_names=tuple(option_names),
                variants=tuple(variants),
                tags=("final-sale",) if rng.random() < 0.04 else (),
            )
            product_upsert(store=store, data=product, actor=ACTOR)
            self.variants.extend((product, v) for v in variants)
            self.report.products += 1
            self.report.variants += len(variants)
        pid += 1
        cards = tuple(
            VariantInput(
                platform_id=str(vid + i + 1),
                price=Decimal(a),
                title=f"${a[:-3]}",
                sku=f"GIFT-{a[:-3]}",
                options={"Amount": f"${a[:-3]}"},
                inventory_tracked=False,
                position=i + 1,
            )
            for i, a in enumerate(data.GIFT_CARD_AMOUNTS)
        )
        self.gift_card = ProductInput(
            platform_id=str(pid),
            title="Summit Gift Card",
            product_type="Gift Card",
            vendor="Summit",
            option_names=("Amount",),
            variants=cards,
            is_gift_card=True,
        )
        product_upsert(store=store, data=self.gift_card, actor=ACTOR)
        self.report.products += 1
        self.report.variants += len(cards)
        self.progress("products", self.report.products)

    # ------------------------------------------------------------------ customers
    def _person(self, n: int) -> Person:
        rng = self.rng
        weight = rng.paretovariate(1.6)  # a few loyal regulars, many one-time buyers
        if rng.random() < 0.45:
            (family, family_r), (given, given_r) = rng.choice(data.KO_FAMILY), rng.choice(data.KO_GIVEN)
            return Person(
                platform_id=str(8_000_000_000 + n),
                name=f"{family}{given}",
                email=f"{given_r}.{family_r}{n}@example.net",
                locale="ko",
                phone=f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}",
                city=rng.choice(data.KO_CITIES),
                weight=weight,
            )
        first, last = rng.choice(data.EN_FIRST), rng.choice(data.EN_LAST)
        return Person(
            platform_id=str(8_000_000_000 + n),
            name=f"{first} {last}",
            email=f"{first}.{last}{n}@example.com".lower(),
            locale="en",
            phone=f"+1 {rng.choice(['206', '303', '503', '720', '801', '617'])} 555 {rng.randint(1000, 9999)}",
            city=rng.choice(data.EN_CITIES),
            weight=weight,
        )

    def _customer_input(self, person: Person, at: datetime) -> CustomerInput:
        consents: tuple[ConsentInput, ...] = ()
        if self.rng.random() < 0.55:
            consents = (ConsentInput(channel="email", state="subscribed", occurred_at=at, source="shopify:checkout"),)
        return CustomerInput(
            platform_id=person.platform_id,
            email=person.email,
            phone=person.phone,
            name=person.name,
            locale=person.locale,
            updated_at=at,
            consents=consents,
        )

    def _customers(self, store: Store) -> None:
        self.people = [self._person(n) for n in range(1, self.size.customers + 1)]
        # Newsletter sign-ups who never ordered: created now; buyers are created by their first order.
        signup_at = datetime(self.first_day.year, 9, 15, tzinfo=UTC)
        with transaction.atomic():
            for person in self.people[int(len(self.people) * 0.85) :]:
                customer_resolve(store=store, data=self._customer_input(person, signup_at), actor=ACTOR)

    # ------------------------------------------------------------------ orders
    def _address(self, person: Person, name: str | None = None) -> dict:
        if person.locale == "ko":
            city, street, zip_code = person.city
            return {
                "name": name or person.name,
                "address1": street,
                "city": city,
                "zip": zip_code,
                "country": "South Korea",
                "country_code": "KR",
                "phone": person.phone,
            }
        city, province, zip_code = person.city
        return {
            "name": name or person.name,
            "address1": f"{self.rng.randint(10, 9999)} Trail Ave",
            "city": city,
            "province_code": province,
            "zip": zip_code,
            "country": "United States",
            "country_code": "US",
        }

    def _orders(self, store: Store) -> None:
        rng, size = self.rng, self.size
        weights = day_weights(self.first_day, self.last_day)
        total_weight = sum(w for _, w in weights)
        buyers = self.people[: int(len(self.people) * 0.85)]
        buyer_weights = [p.weight for p in buyers]
        number = 1000
        batch = []
        for day, weight in weights:
            for _ in range(round(size.orders * weight / total_weight)):
                number += 1
                batch.append((day, number))
        with_rest = size.orders - len(batch)
        for i in range(max(0, with_rest)):
            number += 1
            batch.append((weights[-1 - i % 7][0], number))
        batch = batch[: size.orders]
        for start in range(0, len(batch), 500):
            with transaction.atomic():
                for day, number in batch[start : start + 500]:
                    person = rng.choices(buyers, weights=buyer_weights)[0]
                    order_upsert(store=store, data=self._order(day, number, person), actor=ACTOR)
            self.progress("orders", min(start + 500, len(batch)))

    def _order(self, day: date, number: int, person: Person) -> OrderInput:
        rng, report = self.rng, self.report
        placed = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 86399))
        lines = []
        for _ in range(rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]):
            product, variant = rng.choice(self.variants)
            self.line_id += 1
            lines.append(
                LineInput(
                    platform_id=str(self.line_id),
                    title=product.title,
                    variant_title=variant.title,
                    quantity=rng.choices([1, 2], weights=[88, 12])[0],
                    unit_price=variant.price,
                    variant_platform_id=variant.platform_id,
                    product_platform_id=product.platform_id,
                    sku=variant.sku,
                )
            )
        holiday = date(day.year, 11, 1) <= day <= date(day.year, 12, 24) if day.month >= 11 else False
        if self.gift_card and rng.random() < (0.09 if holiday else 0.03):
            card = rng.choice(self.gift_card.variants)
            self.line_id += 1
            lines.append(
                LineInput(
                    platform_id=str(self.line_id),
                    title=self.gift_card.title,
                    variant_title=card.title,
                    quantity=1,
                    unit_price=card.price,
                    variant_platform_id=card.platform_id,
                    product_platform_id=self.gift_card.platform_id,
                    is_gift_card=True,
                    requires_shipping=False,
                )
            )
            report.gift_card_orders += 1
        subtotal = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
        codes: tuple[dict, ...] = ()
        discount = Decimal("0.00")
        if holiday and rng.random() < 0.35:
            discount = (subtotal * Decimal("0.20")).quantize(CENT)
            codes = ({"code": "HOLIDAY20", "amount": str(discount), "type": "percentage"},)
        shipping = Decimal("0.00") if subtotal >= 100 else Decimal("7.95")
        total = subtotal - discount + shipping

        is_gift = holiday and rng.random() < 0.14
        gift_message = ""
        ship_to = self._address(person)
        if is_gift:
            recipient = self._person(10**6 + number)
            ship_to = self._address(recipient)
            gift_message = rng.choice(data.KO_GIFT_MESSAGES if person.locale == "ko" else data.EN_GIFT_MESSAGES)
            report.gift_orders += 1

        cancelled = rng.random() < 0.015
        fulfilments: tuple[FulfilmentInput, ...] = ()
        refunds: tuple[RefundInput, ...] = ()
        tags = ["holiday"] if holiday else []
        updated = placed + timedelta(minutes=1)
        if cancelled:
            report.cancelled += 1
            updated = placed + timedelta(hours=rng.randint(1, 20))
        else:
            fulfilment, problem, updated = self._fulfilment(number, person, placed, lines)
            fulfilments = (fulfilment,)
            if problem:
                tags.append(problem)
                report.problems[problem] += 1
            refund_roll = rng.random() < 0.06 or problem == "damaged"
            line = rng.choice(lines)
            refunded_at = updated + timedelta(days=rng.randint(2, 12))
            if refund_roll and refunded_at < self.now:
                refunds = (
                    RefundInput(
                        platform_id=str(3_000_000_000 + number),
                        order_platform_id=str(6_000_000_000 + number),
                        amount=line.unit_price,
                        created_at=refunded_at,
                        reason="Arrived damaged"
                        if problem == "damaged"
                        else rng.choice(["Too small", "Too big", "Changed mind"]),
                        lines=(
                            RefundLineInput(
                                line_platform_id=line.platform_id,
                                quantity=1,
                                subtotal=line.unit_price,
                                restock_type="return",
                            ),
                        ),
                    ),
                )
                updated = refunded_at
                report.refunds += 1
        report.orders += 1
        return OrderInput(
            platform_id=str(6_000_000_000 + number),
            name=f"#{number}",
            number=str(number),
            customer=self._customer_input(person, placed),
            email=person.email,
            locale=person.locale,
            placed_at=placed,
            updated_at=updated,
            currency="USD",
            subtotal=subtotal,
            total_discounts=discount,
            total_shipping=shipping,
            total_tax=Decimal("0.00"),
            total=total,
            discount_codes=codes,
            financial_status="voided" if cancelled else ("partially_refunded" if refunds else "paid"),
            fulfillment_status="" if cancelled else "fulfilled",
            cancelled_at=updated if cancelled else None,
            cancel_reason="customer" if cancelled else "",
            shipping_address=ship_to,
            is_gift=is_gift,
            gift_message=gift_message,
            tags=tuple(tags),
            source="web",
            lines=tuple(lines),
            fulfilments=fulfilments,
            refunds=refunds,
        )

    def _fulfilment(
        self, number: int, person: Person, placed: datetime, lines: list[LineInput]
    ) -> tuple[FulfilmentInput, str, datetime]:
        rng = self.rng
        carrier, url = rng.choice(data.KO_CARRIERS if person.locale == "ko" else data.EN_CARRIERS)
        tracking = f"{rng.randint(10**11, 10**12 - 1)}"
        shipped = placed + timedelta(hours=rng.randint(6, 48))
        roll = rng.random()
        problem = "lost" if roll < 0.015 else "late" if roll < 0.035 else "damaged" if roll < 0.05 else ""
        transit = timedelta(days=rng.randint(1, 5) if person.locale == "ko" else rng.randint(2, 7))
        events = [TrackingEventInput(status="in_transit", happened_at=shipped + timedelta(hours=6))]
        if problem == "lost":
            status, delivered = "failure", None
            last = shipped + timedelta(days=9)
            events.append(TrackingEventInput(status="failure", happened_at=last, message="Parcel lost in transit"))
        else:
            if problem == "late":
                transit += timedelta(days=rng.randint(8, 15))
                events.append(
                    TrackingEventInput(
                        status="in_transit", happened_at=shipped + transit / 2, message="Delayed at sorting centre"
                    )
                )
            delivered = last = shipped + transit
            status = "delivered"
            events.append(TrackingEventInput(status="out_for_delivery", happened_at=delivered - timedelta(hours=5)))
            events.append(TrackingEventInput(status="delivered", happened_at=delivered))
        if last >= self.now:
            # A recent order: only what has happened by now (it is still on its way).
            shipped = min(shipped, self.now - timedelta(hours=1))
            events = [e for e in events if e.happened_at < self.now and e.status == "in_transit"]
            status, delivered, problem = "in_transit", None, ""
            last = max([shipped, *(e.happened_at for e in events)])
        fulfilment = FulfilmentInput(
            platform_id=str(2_000_000_000 + number),
            order_platform_id=str(6_000_000_000 + number),
            status="success",
            shipment_status=status,
            carrier=carrier,
            tracking_number=tracking,
            tracking_url=url.format(tracking),
            created_at=shipped,
            updated_at=last,
            delivered_at=delivered,
            lines=tuple((ln.platform_id, ln.quantity) for ln in lines if ln.requires_shipping),
            events=tuple(events),
        )
        return fulfilment, problem, last

    # ------------------------------------------------------------------ abandoned carts
    def _carts(self, store: Store) -> None:
        rng = self.rng
        weights = day_weights(self.first_day, self.last_day)
        for n in range(self.size.carts):
            day = rng.choices([d for d, _ in weights], weights=[w for _, w in weights])[0]
            started = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 86399))
            person = rng.choice(self.people)
            product, variant = rng.choice(self.variants)
            quantity = rng.choice([1, 1, 2])
            token = f"demo{n:05}{rng.getrandbits(32):08x}"
            known = rng.random() < 0.6
            checkout_upsert(
                store=store,
                actor=ACTOR,
                data=CheckoutInput(
                    token=token,
                    platform_id=str(5_000_000_000 + n),
                    customer=self._customer_input(person, started) if known else None,
                    email=person.email,
                    currency="USD",
                    total=variant.price * quantity,
                    created_at=started,
                    updated_at=started + timedelta(minutes=rng.randint(1, 30)),
                    recovery_url=f"https://summit-outdoor.example.com/checkouts/{token}/recover",
                    lines=(
                        CheckoutLineInput(
                            title=f"{product.title} – {variant.title}",
                            quantity=quantity,
                            unit_price=variant.price,
                            variant_platform_id=variant.platform_id,
                        ),
                    ),
                ),
            )
            self.report.carts += 1
        self.report.customers = Customer.objects.filter(store=store).count()

    # ------------------------------------------------------------------ the inbox
    def _inbox(self, store: Store) -> None:
        """Support addresses, the chat widget, opening hours, macros, and conversations on
        every channel about real demo orders, in English and Korean, some answered."""
        from datetime import time as clock

        from stay.channels.email.models import Mailbox
        from stay.channels.webchat.models import ChatWidget
        from stay.conversations.inputs import InboundMessage
        from stay.conversations.models import (
            AuthorKind,
            BusinessHours,
            Channel,
            Conversation,
            Delivery,
            Direction,
            Macro,
            Message,
            Status,
        )
        from stay.conversations.services import message_receive
        from stay.customers.models import Identity, IdentityKind
        from stay.orders.models import Order

        rng = self.rng
        Mailbox.objects.create(store=store, address="support@summit-outdoor.example", display_name=store.name)
        ChatWidget.objects.create(store=store, public_key="pk_demo_summit", identity_secret=secrets.token_urlsafe(32))
        for day in range(5):
            BusinessHours.objects.create(store=store, weekday=day, opens=clock(9), closes=clock(18))
        for name, body, body_ko in data.MACROS:
            Macro.objects.create(store=store, name=name, body=body, body_ko=body_ko)
        buyers = list(
            Order.objects.filter(store=store, customer__isnull=False)
            .select_related("customer")
            .prefetch_related("lines")
            .order_by("-placed_at")[: self.size.conversations * 3]
        )
        rng.shuffle(buyers)
        now = datetime.now(UTC)
        channels = [Channel.EMAIL] * 5 + [Channel.WHATSAPP] * 2 + [Channel.SMS] + [Channel.WEBCHAT] * 2
        seen: set[int] = set()
        for order in buyers:
            if len(seen) >= self.size.conversations:
                break
            customer = order.customer
            assert customer is not None
            if customer.pk in seen:
                continue
            seen.add(customer.pk)
            korean = customer.locale == "ko"
            subject, text = rng.choice(data.KO_QUESTIONS if korean else data.EN_QUESTIONS)
            item = next(iter(order.lines.all())).title if order.lines.all() else ""
            fill = {"order": order.name, "item": item}
            channel = rng.choice(channels)
            identities = {i.kind: i.value for i in Identity.objects.filter(customer=customer)}
            if channel in (Channel.WHATSAPP, Channel.SMS) and IdentityKind.PHONE not in identities:
                channel = Channel.EMAIL
            if channel == Channel.EMAIL and IdentityKind.EMAIL not in identities:
                continue
            sender = {
                Channel.EMAIL: (IdentityKind.EMAIL, identities.get(IdentityKind.EMAIL, "")),
                Channel.WHATSAPP: (IdentityKind.WHATSAPP, identities.get(IdentityKind.PHONE, "")),
                Channel.SMS: (IdentityKind.PHONE, identities.get(IdentityKind.PHONE, "")),
                Channel.WEBCHAT: (IdentityKind.CHAT, f"demo-visitor-{customer.pk}"),
            }[Channel(channel)]
            if channel == Channel.WEBCHAT:  # a signed-in shopper: the storefront vouched for them
                Identity.objects.get_or_create(
                    store=store,
                    kind=IdentityKind.CHAT,
                    value=sender[1],
                    defaults={"customer": customer, "verified": True},
                )
            at = now - timedelta(minutes=rng.randint(5, 60 * 24 * 6))
            message, _ = message_receive(
                store=store,
                data=InboundMessage(
                    channel=channel,
                    sender_kind=sender[0],
                    sender=sender[1],
                    text=text.format(**fill),
                    subject=subject.format(**fill) if channel == Channel.EMAIL else "",
                    channel_message_id=f"demo-{channel}-{customer.pk}",
                    channel_timestamp=at,
                ),
            )
            conversation = message.conversation
            Message.objects.filter(pk=message.pk).update(created_at=at)
            answered = rng.random() < 0.45
            if answered:
                reply_at = at + timedelta(minutes=rng.randint(3, 240))
                answer = rng.choice(data.KO_ANSWERS if korean else data.EN_ANSWERS)
                Message.objects.create(
                    store=store,
                    conversation=conversation,
                    channel=channel,
                    direction=Direction.OUT,
                    author_kind=AuthorKind.AGENT,
                    identity=message.identity,
                    text=answer.format(name=customer.name, order=order.name),
                    delivery=Delivery.DELIVERED,
                    channel_message_id=f"demo-reply-{conversation.pk}",
                    channel_timestamp=reply_at,
                )
            Conversation.objects.filter(pk=conversation.pk).update(
                created_at=at,
                last_message_at=at,
                first_response_at=(at + timedelta(minutes=30)) if answered else None,
                status=rng.choice([Status.RESOLVED, Status.PENDING]) if answered else Status.OPEN,
                tags=["gift"] if order.is_gift else [],
            )
            self.report.conversations += 1
