import json

import pytest
from django.core.management import CommandError, call_command

from stay.catalog.models import Product
from stay.conftest import payload
from stay.customers.models import Customer
from stay.orders.models import Checkout, Order

pytestmark = pytest.mark.django_db


def run(path, *extra):
    call_command("importdata", str(path), *extra)


def test_json_array_of_mixed_resources(tmp_path, store, capsys):
    # Orders before products in the file: products are applied first, so lines find variants.
    items = [
        payload("orders_create"),
        {"product": payload("products_create")},
        payload("customers_create"),
        payload("checkouts_create"),
        payload("orders_create_kr_gift"),
    ]
    path = tmp_path / "backfill.json"
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False))
    run(path)
    assert "Imported 1 checkouts, 1 customers, 2 orders, 1 products" in capsys.readouterr().out
    assert Order.objects.count() == 2 and Product.objects.count() == 1 and Checkout.objects.count() == 1
    assert Order.objects.get(name="#1001").lines.get(sku="TENT-RDG2-FOR").variant is not None
    run(path)  # importing again changes nothing
    assert Order.objects.count() == 2 and Customer.objects.count() == 4


def test_bad_records_are_reported_by_line_and_the_rest_imports(tmp_path, store, capsys):
    broken = payload("orders_create_kr_gift")
    broken["total_price"] = "lots"
    text = json.dumps({"orders": [payload("orders_create"), broken], "widgets": [1]}, indent=2)
    path = tmp_path / "orders.json"
    path.write_text(text)
    with pytest.raises(CommandError, match="2 record"):
        run(path)
    err = capsys.readouterr().err
    second_item_line = next(n for n, line in enumerate(text.splitlines(), 1) if '"id": 5550001112223334' in line) - 1
    assert f"line {second_item_line}: order payload is invalid: total_price" in err
    assert "'widgets' is not one of" in err
    assert Order.objects.count() == 1


def test_json_lines(tmp_path, store, capsys):
    lines = [
        json.dumps(payload("products_create")),
        "",
        "{oops",
        json.dumps({"order": payload("orders_create")}),
        json.dumps({"hello": "world"}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError):
        run(path)
    err = capsys.readouterr().err
    assert "line 3: not valid JSON" in err and "line 5: cannot tell what this is" in err
    assert Order.objects.count() == 1 and Product.objects.count() == 1


CSV = """order,placed_at,email,phone,customer_name,currency,sku,title,quantity,unit_price,shipping,tax,discount,tags
1001,2025-11-28T10:00:00+09:00,ana@example.com,,Ana Kim,USD,SOCK-L,Trail Sock,2,14.50,5.00,0,0,bf
1001,2025-11-28T10:00:00+09:00,ana@example.com,,Ana Kim,USD,BNE-1,Beanie,1,22.00,,,,
1002,2025-11-29,bo@example.com,+1 415 555 2671,Bo Lee,USD,TENT,Tent,one,199.00,0,0,0,
1003,2025-11-30,cy@example.com,,Cy,USD,,Headlamp,1,29.00,0,0,4.00,
"""


def test_csv_of_orders(tmp_path, store, capsys):
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError, match="1 record"):
        run(path)
    captured = capsys.readouterr()
    assert "line 4: quantity 'one' is not a whole number" in captured.err
    assert "Imported 2 orders" in captured.out
    first = Order.objects.get(name="#1001")
    assert str(first.total) == "56.00" and first.lines.count() == 2 and first.tags == ["bf"]
    assert first.customer.name == "Ana Kim"
    assert str(Order.objects.get(name="#1003").total) == "25.00"


def test_csv_without_the_needed_columns(tmp_path, store):
    path = tmp_path / "bad.csv"
    path.write_text("order,email\n1,a@example.com\n")
    with pytest.raises(CommandError, match="header lacks placed_at, title, quantity, unit_price"):
        run(path)


def test_missing_file_and_no_store(tmp_path, db):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match="no store yet"):
        run(path)
