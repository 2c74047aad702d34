"""Returns on PostgreSQL (run by hand; not part of `make test`).

    python bench/returns.py [--orders 1000000] [--requests 10000] [--lookups 2000]

1. Policy decisions per second: 10,000 return requests (varied reasons, prices, dates,
   gifts, customer histories) decided against a rule set of 50 rules (the six built-in ones
   and 44 merchant rules with mixed conditions), first by the engine alone (rules read once,
   as every request path does), then end to end through ``return_preview`` (reading the
   order, its lines, fulfilments and the customer's history from the database) for a sample.
2. The portal's order lookup with 1,000,000 orders in the store: order number plus email,
   and plus postcode, for orders that exist and numbers that do not, timed through the
   service and through the portal's HTTP view (rate limits included), p50/p95/p99.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.giftcards import SERVER, fresh  # noqa: E402 - after the path is set

DB = "stay_bench_returns"


def setup(data_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ["STAY_DATA_DIR"] = data_dir
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return f"p50 {at(0.50):.2f} ms, p95 {at(0.95):.2f} ms, p99 {at(0.99):.2f} ms"


def merchant_rules(store):  # type: ignore[no-untyped-def]
    """44 rules a busy merchant might write, on top of the six defaults (50 in all)."""
    from stay.returns.models import Outcome, Reason, ReturnRule, Tristate

    rng = random.Random(7)
    reasons = [r.value for r in Reason]
    rules = []
    for i in range(44):
        kind = i % 6
        rule = ReturnRule(store=store, position=1 + i, name=f"merchant rule {i}")
        if kind == 0:
            rule.product_tags, rule.window_days = [f"collection-{i}"], rng.choice([14, 45, 60])
        elif kind == 1:
            rule.skus, rule.returnable = [f"SKU-{i}-{j}" for j in range(5)], Tristate.NO
        elif kind == 2:
            rule.price_min, rule.bonus_percent = Decimal(rng.choice([200, 300, 500])), Decimal("15")
        elif kind == 3:
            rule.customer_min_orders, rule.window_days = rng.choice([5, 10, 20]), 90
        elif kind == 4:
            rule.reasons, rule.require_photos = rng.sample(reasons, 2), Tristate.YES
            rule.gift = Tristate.NO
        else:
            rule.placed_from, rule.placed_until = "06-01", "08-31"
            rule.outcomes = [Outcome.EXCHANGE, Outcome.STORE_CREDIT]
            rule.product_types = ["Swimwear"]
        rules.append(rule)
    ReturnRule.objects.bulk_create(rules)


def decisions(store, requests: int, sample: int) -> None:  # type: ignore[no-untyped-def]
    from stay.returns.models import Reason, ReturnRule
    from stay.returns.policy import Facts, decide, policy_for

    policy_for(store)  # the six defaults
    merchant_rules(store)
    assert ReturnRule.objects.filter(store=store).count() == 50
    rng = random.Random(11)
    today = date(2026, 1, 20)
    reasons = [r.value for r in Reason]
    facts = []
    for _ in range(requests):
        placed = today - timedelta(days=rng.randint(1, 120))
        facts.append(
            Facts(
                reason=rng.choice(reasons),
                unit_value=Decimal(rng.choice(["4.00", "18.00", "25.00", "120.00", "260.00", "640.00"])),
                placed_on=placed,
                delivered_on=placed + timedelta(days=rng.randint(1, 6)),
                today=today,
                gift=rng.random() < 0.2,
                product_tags=frozenset(rng.sample(["final-sale", "collection-6", "new", "sale"], 2)),
                product_type=rng.choice(["Apparel", "Swimwear", "Footwear"]),
                sku=f"SKU-{rng.randint(0, 60)}-{rng.randint(0, 6)}",
                customer_orders=rng.randint(1, 30),
                customer_returns=rng.randint(0, 5),
                no_return_used=rng.randint(0, 4),
            )
        )
    began = time.perf_counter()
    policy = policy_for(store)  # read once per request in the services: counted here once
    verdicts: dict[str, int] = {}
    for item in facts:
        verdict = decide(policy, item).verdict
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    spent = time.perf_counter() - began
    print(
        f"policy engine: {requests:,} decisions against 50 rules in {spent:.3f} s "
        f"= {requests / spent:,.0f} decisions/s ({verdicts})"
    )

    began = time.perf_counter()
    for _ in range(200):
        policy_for(store)
    print(f"reading the 50 rules from PostgreSQL: {(time.perf_counter() - began) / 200 * 1000:.2f} ms per request")
    return


def previews(store, orders, sample: int) -> None:  # type: ignore[no-untyped-def]
    from stay.returns.models import Reason
    from stay.returns.services import Pick, return_preview

    rng = random.Random(5)
    reasons = [r.value for r in Reason]
    samples = []
    for order in orders[:sample]:
        line = order.lines.all()[0]
        began = time.perf_counter()
        return_preview(order=order, picks=[Pick(line.pk, 1, rng.choice(reasons))], gift=False)
        samples.append(time.perf_counter() - began)
    total = sum(samples)
    print(
        f"end to end (return_preview, database reads included): {len(samples):,} requests, "
        f"{len(samples) / total:,.0f} decisions/s, {percentiles(samples)}"
    )


def load_orders(store, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` orders straight into the tables (the shape the connector writes)."""
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO orders_order (store_id, platform_id, name, number, email, phone, locale, placed_at,
                cancel_reason, currency, subtotal, total_discounts, total_shipping, total_tax, total, total_refunded,
                financial_status, fulfillment_status, discount_codes, shipping_address, is_gift, gift_message, note,
                tags, source, created_at, updated_at)
            SELECT %s, 'B' || g, '#' || (100000 + g), (100000 + g)::text, 'shopper' || g || '@example.com', '', 'en',
                now() - (g %% 365) * interval '1 day', '', 'USD', 50, 0, 0, 0, 50, 0, 'paid', 'fulfilled', '[]',
                jsonb_build_object('zip', lpad((g %% 99999)::text, 5, '0'), 'city', 'Seoul'),
                false, '', '', '[]', 'web', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [store.pk, count],
        )
        cur.execute("ANALYZE orders_order")
    print(f"loaded {count:,} orders in {time.perf_counter() - began:.1f} s")


def lookups(store, count: int, n: int) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from stay.returns.selectors import order_lookup

    rng = random.Random(3)
    cases = []
    for i in range(n):
        g = rng.randint(1, count)
        kind = i % 4
        if kind == 0:
            cases.append((f"#{100000 + g}", f"shopper{g}@example.com", True))
        elif kind == 1:
            cases.append((str(100000 + g), str(g % 99999).zfill(5), True))
        elif kind == 2:
            cases.append((f"#{100000 + g}", "someone@example.com", False))
        else:
            cases.append((f"#{900000000 + g}", f"shopper{g}@example.com", False))
    samples = []
    for number, secret, exists in cases:
        began = time.perf_counter()
        found = order_lookup(store=store, number=number, secret=secret)
        samples.append(time.perf_counter() - began)
        assert (found is not None) == exists, (number, secret)
    print(f"portal lookup, service ({n:,} lookups: hits, wrong emails, missing orders): {percentiles(samples)}")

    client = Client(SERVER_NAME="127.0.0.1")
    samples = []
    for i, (number, secret, exists) in enumerate(cases):
        began = time.perf_counter()
        response = client.post(
            f"/returns/{store.slug}/",
            {"number": number, "secret": secret},
            REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        )
        samples.append(time.perf_counter() - began)
        assert response.status_code == (302 if exists else 200), response.status_code
    print(f"portal lookup, HTTP view with rate limits ({n:,} requests): {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--previews", type=int, default=1_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    args = parser.parse_args()
    fresh(DB)
    with tempfile.TemporaryDirectory() as data_dir:
        setup(data_dir)
        from stay.core.services import store_create

        store = store_create(
            name="Bench", webhook_secret="bench-secret", slug="bench", currency="USD", timezone="Asia/Seoul"
        )
        decisions(store, args.requests, args.previews)
        sample_orders(store, args.previews)
        load_orders(store, args.orders)
        lookups(store, args.orders, args.lookups)


def sample_orders(store, n: int) -> None:  # type: ignore[no-untyped-def]
    """Real orders with lines and fulfilments (through the services) for the end-to-end preview."""
    from datetime import UTC, datetime

    from stay.customers.inputs import CustomerInput
    from stay.orders.inputs import FulfilmentInput, LineInput, OrderInput
    from stay.orders.services import order_upsert

    placed = datetime.now(UTC) - timedelta(days=10)
    orders = []
    for i in range(n):
        line = LineInput(platform_id=f"SL{i}", title="Trail Jacket", quantity=1, unit_price=Decimal("120"), sku="J-M")
        order, _ = order_upsert(
            store=store,
            data=OrderInput(
                platform_id=f"S{i}",
                name=f"#S{i}",
                placed_at=placed,
                currency="USD",
                total=Decimal("120"),
                lines=(line,),
                customer=CustomerInput(email=f"sample{i % 300}@example.com"),
                email=f"sample{i % 300}@example.com",
                fulfillment_status="fulfilled",
                fulfilments=(
                    FulfilmentInput(
                        platform_id=f"SF{i}",
                        order_platform_id=f"S{i}",
                        lines=(("SL" + str(i), 1),),
                        created_at=placed,
                        delivered_at=placed + timedelta(days=2),
                    ),
                ),
            ),
            actor="bench",
        )
        orders.append(order)
    previews(store, orders, n)


if __name__ == "__main__":
    main()
