"""``stay replay`` (issue 23): a real season's orders go through the signed webhook endpoint at
N times real time, as Shopify's orders/create, and the store has them."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from stay.conftest import SECRET
from stay.connectors.shopify import schemas as s
from stay.connectors.shopify.replay import replay
from stay.connectors.shopify.services import parse
from stay.connectors.shopify.signing import verify
from stay.customers.inputs import CustomerInput
from stay.orders.inputs import LineInput, OrderInput
from stay.orders.models import Order

RETAIL = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
COLUMNS = (
    "order=Invoice,placed_at=InvoiceDate,title=Description,quantity=Quantity,unit_price=Price,"
    "customer_id=Customer ID,product_id=StockCode,sku=StockCode"
)


def an_order(key: str, at: datetime) -> OrderInput:
    line = LineInput(platform_id=f"{key}:1", title="Tent", quantity=2, unit_price=Decimal("45.50"), sku="T-1")
    return OrderInput(
        platform_id=f"csv:{key}",
        name=f"#{key}",
        placed_at=at,
        currency="USD",
        total=Decimal("91.00"),
        subtotal=Decimal("91.00"),
        lines=(line,),
        customer=CustomerInput(platform_id="c-9", email="mina@example.com"),
        email="mina@example.com",
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_orders_go_out_signed_in_their_turn():
    """Two hours between the orders at 3,600x: the second goes two seconds after the first,
    as Shopify's orders/create, signed with the store's secret."""
    sent = []

    class Response:
        status_code, text = 200, "ok"

    def post(url, *, content, headers):
        sent.append((url, content, headers))
        return Response()

    start = datetime(2010, 11, 1, 9, tzinfo=UTC)
    clock = Clock()
    done = replay(
        [an_order("2", start + timedelta(hours=2)), an_order("1", start)],
        url="http://stay/webhooks/shopify/summit",
        secret=SECRET,
        speed=3600,
        post=post,
        clock=clock,
        sleep=clock.sleep,
    )
    assert (done.sent, done.refused, clock.slept) == (2, [], [pytest.approx(2.0)])
    _url, body, headers = sent[0]
    assert headers["X-Shopify-Topic"] == "orders/create" and verify(body, headers["X-Shopify-Hmac-Sha256"], SECRET)
    order = parse(s.Order, json.loads(body))
    assert (order.name, order.total_price, order.line_items[0].quantity) == ("#1", Decimal("91.00"), 2)
    assert order.customer is not None and order.customer.email == "mina@example.com"


@pytest.mark.django_db(transaction=True)
def test_a_season_replayed_over_real_http(live_server, tmp_path, capsys):
    from stay.core.services import store_create

    store = store_create(name="Replay", webhook_secret=SECRET, slug="replay", currency="GBP")
    file = tmp_path / "season.csv"
    file.write_text(
        RETAIL
        + "489434,85048,RED LIGHT,12,2009-12-01 07:45:00,6.95,13085,United Kingdom\n"
        + "489434,79323P,PINK CHERRY,12,2009-12-01 07:45:00,6.75,13085,United Kingdom\n"
        + "489435,22350,CAT BOWL,12,2009-12-01 07:46:00,2.55,13086,United Kingdom\n"
        + "489436,22111,BOTTLE,x,2009-12-01 09:06:00,4.25,13087,United Kingdom\n"
    )
    call_command("replay", str(file), "--speed", "1e9", "--url", live_server.url, "--columns", COLUMNS)
    out = capsys.readouterr()
    assert "sent 2 orders, 0 refused" in out.out
    assert "line 5: quantity 'x' is not a whole number above 0" in out.err  # reported, the rest still goes
    orders = Order.objects.filter(store=store)
    assert orders.count() == 2
    assert sorted(o.total for o in orders) == [Decimal("30.60"), Decimal("164.40")]
    with pytest.raises(CommandError, match="--speed: a number above 0"):
        call_command("replay", str(file), "--speed", "0")
    with pytest.raises(CommandError, match="is Stay serving there"):
        call_command("replay", str(file), "--speed", "1e9", "--url", "http://127.0.0.1:9", "--columns", COLUMNS)
    with pytest.raises(CommandError, match="no such store"):
        call_command("replay", str(file), "--speed", "60", "--store", "nope")
