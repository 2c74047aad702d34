import gzip
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


# Online Retail II's own header and rows (a cancellation, a line without a customer).
RETAIL = """Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085.0,United Kingdom
489435,22350,CAT BOWL ,12,2009-12-01 07:46:00,2.55,13085.0,United Kingdom
C489449,22087,PAPER BUNTING WHITE LACE,-12,2009-12-01 10:33:00,2.95,16321.0,Australia
489436,21871,SAVE THE PLANET MUG,24,2009-12-01 09:06:00,1.25,,United Kingdom
"""
RETAIL_COLUMNS = (
    "order=Invoice,placed_at=InvoiceDate,title=Description,quantity=Quantity,unit_price=Price,"
    "customer_id=Customer ID,product_id=StockCode,sku=StockCode"
)


def test_another_programs_csv_gzipped_with_its_headers_named(tmp_path, store, capsys):
    path = tmp_path / "online_retail.csv.gz"
    path.write_bytes(gzip.compress(RETAIL.encode()))
    with pytest.raises(CommandError, match="1 record"):
        run(path, "--columns", RETAIL_COLUMNS)
    captured = capsys.readouterr()
    assert "line 5: quantity '-12' is not a whole number above 0" in captured.err
    assert "Imported 3 orders" in captured.out
    first = Order.objects.get(name="#489434")
    assert [(ln.product_platform_id, ln.sku) for ln in first.lines.order_by("pk")] == [
        ("85048", "85048"),
        ("79323P", "79323P"),
    ]
    assert str(first.total) == "164.40" and first.placed_at.isoformat() == "2009-12-01T07:45:00+00:00"
    # Both invoices of shopper 13085.0 are one customer, found again by their platform id.
    assert Order.objects.get(name="#489435").customer == first.customer
    assert first.customer.identities.get().value == "13085.0"
    assert Order.objects.get(name="#489436").customer is None
    with pytest.raises(CommandError):
        run(path, "--columns", RETAIL_COLUMNS)  # again: nothing new, the cancellation still refused
    assert Order.objects.count() == 3 and Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("columns", "error"),
    [
        ("order", "'order' is not COLUMN=HEADER"),
        ("invoice=Invoice", "'invoice' is not one of Stay's columns"),
        ("order=Invoice,order=Invoice", "'order' is named twice"),
        ("order=Factura", "the CSV has no column 'Factura'"),
        ("order=Invoice", "header lacks placed_at, title, quantity, unit_price"),
    ],
)
def test_columns_that_cannot_be_read_are_named(tmp_path, store, columns, error):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL)
    with pytest.raises(CommandError, match=error):
        run(path, "--columns", columns)
    assert not Order.objects.exists()


def test_a_gz_file_that_is_not_gzip(tmp_path, store):
    path = tmp_path / "orders.csv.gz"
    path.write_text(CSV)
    with pytest.raises(CommandError, match=r"ends in \.gz but is not gzip"):
        run(path)


def test_missing_file_and_no_store(tmp_path, db):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match="no store yet"):
        run(path)
