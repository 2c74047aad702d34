"""Bulk issue from a CSV on the command line, customers merged with their credit, and the
admin pages."""

import csv
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from stay.customers.services import customer_for_contact, customer_merge
from stay.giftcards import services
from stay.giftcards.models import GiftCard, LedgerTransaction

from .conftest import CALLER, key

pytestmark = pytest.mark.django_db


def test_bulk_issue_writes_the_codes_and_is_all_or_nothing(store, tmp_path):
    good = tmp_path / "cards.csv"
    good.write_text("amount,recipient_email,note\n25.00,,spring\n10,,spring\n\n40,mina@example.kr,vip\n")
    out = tmp_path / "codes.csv"
    call_command("issuecards", str(good), "--out", str(out), "--store", store.slug)
    rows = list(csv.DictReader(out.open()))
    assert [r["amount"] for r in rows] == ["25.00", "10.00", "40.00"] and [r["line"] for r in rows] == ["2", "3", "5"]
    assert {services.card_by_code(store=store, code=r["code"]).source for r in rows} == {"promotion"}
    assert oct(out.stat().st_mode)[-3:] == "600"
    # The same file again issues nothing new and prints the same codes.
    again = tmp_path / "again.csv"
    call_command("issuecards", str(good), "--out", str(again), "--store", store.slug)
    assert [r["code"] for r in csv.DictReader(again.open())] == [r["code"] for r in rows]
    assert GiftCard.objects.count() == 3

    for content, line in (
        ("amount,recipient_email\n5,\nfive,\n", "line 3"),
        ("amount\n5\n10.001\n", "line 3"),  # a fraction of a cent is an error, not rounded
        ("amount,recipient_email\n5,not-an-address\n", "line 2"),
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(content)
        with pytest.raises(CommandError, match=line):
            call_command("issuecards", str(bad), "--out", str(tmp_path / "x.csv"), "--store", store.slug)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("value\n5\n")
    with pytest.raises(CommandError, match="line 1"):
        call_command("issuecards", str(wrong), "--out", str(tmp_path / "x.csv"), "--store", store.slug)
    assert GiftCard.objects.count() == 3


def test_merged_customers_keep_one_credit_balance(store):
    ana, _ = customer_for_contact(store=store, kind="email", value="ana@example.com", actor="t")
    other, _ = customer_for_contact(store=store, kind="email", value="ana.work@example.com", actor="t")
    for who, amount in ((ana, "10.00"), (other, "15.00")):
        services.store_credit_grant(
            customer=who, amount=Decimal(amount), reason="sorry", caller=CALLER, idempotency_key=key()
        )
    customer_merge(survivor=ana, merged=other, actor="t")  # the cards follow after commit
    services.gift_cards_on_merge(survivor_id=ana.pk, merged_id=other.pk)
    survivor = GiftCard.objects.get(customer=ana, kind="store_credit")
    assert survivor.balance == Decimal("25.00")
    assert GiftCard.objects.get(customer=other, kind="store_credit").balance == 0
    assert LedgerTransaction.objects.filter(kind="transfer").count() == 1


def test_admin_pages(admin_client, store, issue):
    card_id, _ = issue("10.00")
    txn = LedgerTransaction.objects.first()
    for path in (
        "/admin/giftcards/giftcard/",
        f"/admin/giftcards/giftcard/{card_id}/change/",
        "/admin/giftcards/ledgertransaction/",
        f"/admin/giftcards/ledgertransaction/{txn.pk}/change/",
        "/admin/giftcards/authorization/",
        "/admin/giftcards/giftcardevent/",
        "/admin/giftcards/giftcardsettings/add/",
    ):
        assert admin_client.get(path).status_code == 200, path
