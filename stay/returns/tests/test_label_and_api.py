"""The label PDF renders and its barcodes decode back to the return number (poppler and zbar,
independent of the code that drew them); the HTTP API answers with decisions and rules."""

import shutil
import subprocess
from pathlib import Path

import pytest

from stay.giftcards.codes import check_character
from stay.returns.models import Return, Status
from stay.returns.receipts import order_of_receipt, receipt_code

from .conftest import line_of

pytestmark = pytest.mark.django_db


def _decode(pdf: bytes, tmp_path: Path) -> list[str]:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("poppler-utils and zbar-tools are not installed (make test installs them)")
    (tmp_path / "label.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "label.pdf", "page"], cwd=tmp_path, check=True
    )
    page = next(tmp_path.glob("page*.png"))
    found = subprocess.run(["zbarimg", "--quiet", str(page)], capture_output=True, text=True, check=False).stdout
    return sorted(found.split())


def _create(api, order, variant, **extra):
    body = {
        "order_id": order.pk,
        "lines": [{"line_id": line_of(order, variant).pk, "quantity": 1, "reason": "too_small"}],
    }
    body.update(extra)
    return api.post("/api/v1/returns", body, content_type="application/json")


def test_label_pdf_barcodes_decode_to_the_return_number(api, shop, tmp_path):
    order = shop.order((shop.jacket_m, 1))
    created = _create(api, order, shop.jacket_m, preferred_outcome="refund")
    assert created.status_code == 201, created.content
    ret = Return.objects.get()
    response = api.get(f"/api/v1/returns/{ret.pk}/label.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    codes = _decode(response.content, tmp_path)
    # Code 128 and QR, both the return number.
    assert codes == sorted([f"CODE-128:{ret.number}", f"QR-Code:{ret.number}"])


def test_korean_label_is_written_in_korean(api, shop, tmp_path):
    order = shop.order((shop.jacket_m, 1))
    _create(api, order, shop.jacket_m, preferred_outcome="refund")
    ret = Return.objects.get()
    ret.locale = "ko"
    ret.save()
    pdf = api.get(f"/api/v1/returns/{ret.pk}/label.pdf").content
    assert f"QR-Code:{ret.number}" in _decode(pdf, tmp_path)
    (tmp_path / "ko.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "ko.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert f"반품 {ret.number}" in text and "패킹 슬립" in text


def test_api_answers_with_the_decision_the_rule_and_allowed_outcomes(api, shop):
    order = shop.order((shop.cap, 1), (shop.jacket_m, 1))
    refused = _create(api, order, shop.cap)
    assert refused.status_code == 409  # the rules refuse it: nothing is created
    assert refused.json()["code"] == "return_refused" and "faulty" in refused.json()["detail"]
    assert not Return.objects.exists()
    allowed = _create(api, order, shop.jacket_m, preferred_outcome="store_credit")
    body = allowed.json()
    assert (body["status"], body["decision"], body["rule"]) == ("label_issued", "allowed", "Standard")
    outcomes = {o["outcome"]: o["value"] for o in body["lines"][0]["allowed_outcomes"]}
    assert outcomes == {"exchange": "0.00", "shop_now": "132.00", "store_credit": "132.00", "refund": "120.00"}
    assert body["label_url"].endswith("label.pdf") and body["status_url"]
    assert api.get(f"/api/v1/returns/{body['id']}").json()["number"] == body["number"]


def test_api_preview_writes_nothing(api, shop):
    order = shop.order((shop.jacket_m, 1))
    body = {"order_id": order.pk, "lines": [{"line_id": line_of(order, shop.jacket_m).pk, "reason": "too_small"}]}
    preview = api.post("/api/v1/returns/preview", body, content_type="application/json")
    assert preview.status_code == 200
    [line] = preview.json()
    assert line["decision"] == "allowed" and line["set_by"]["window_days"] == "Standard"
    assert [v["title"] for v in line["exchange_variants"]] == ["S", "L"]
    assert not Return.objects.exists()


def test_api_bad_input_says_what_to_fix(api, shop):
    order = shop.order((shop.jacket_m, 1))
    wrong_reason = api.post(
        "/api/v1/returns",
        {"order_id": order.pk, "lines": [{"line_id": line_of(order, shop.jacket_m).pk, "reason": "bored"}]},
        content_type="application/json",
    )
    assert wrong_reason.status_code in (400, 422) and "reason" in wrong_reason.content.decode()
    too_many = api.post(
        "/api/v1/returns",
        {
            "order_id": order.pk,
            "lines": [{"line_id": line_of(order, shop.jacket_m).pk, "quantity": 5, "reason": "too_big"}],
        },
        content_type="application/json",
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == "invalid_quantity"
    assert not Return.objects.exists()


def test_api_transitions_and_reports(api, api_for, lead_user, shop):
    order = shop.order((shop.jacket_m, 1))
    first = _create(api, order, shop.jacket_m, preferred_outcome="refund")
    ret_id = first.json()["id"]
    # The same units cannot be in two returns at once.
    again = api.post(
        "/api/v1/returns",
        {
            "order_id": order.pk,
            "lines": [{"line_id": line_of(order, shop.jacket_m).pk, "reason": "too_small", "outcome": "refund"}],
        },
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["code"] == "invalid_quantity"
    line_id = first.json()["lines"][0]["id"]
    lead = api_for(lead_user)  # paying a refund out takes an agent within their limits
    wrong = lead.post(f"/api/v1/returns/{ret_id}/resolve")
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
    received = lead.post(
        f"/api/v1/returns/{ret_id}/receive",
        {"items": [{"line_id": line_id, "quantity": 1, "condition": "resellable"}]},
        content_type="application/json",
    )
    assert received.status_code == 200 and received.json()["status"] == Status.RESOLVED
    assert [t["to_status"] for t in received.json()["transitions"]][-3:] == ["received", "inspected", "resolved"]
    report = api.get("/api/v1/returns/reports").json()
    assert report["reasons"]["too_small"]["count"] == 1
    assert report["outcomes"]["refund"]["share"] == 1.0
    assert report["by_variant"][0]["rate"] == 1.0 and report["resolved"] == 1


def test_idempotency_key_returns_the_first(api, shop):
    order = shop.order((shop.jacket_m, 2))
    body = {
        "order_id": order.pk,
        "lines": [{"line_id": line_of(order, shop.jacket_m).pk, "reason": "too_small", "outcome": "refund"}],
    }
    a = api.post("/api/v1/returns", body, content_type="application/json", headers={"Idempotency-Key": "k-9"})
    b = api.post("/api/v1/returns", body, content_type="application/json", headers={"Idempotency-Key": "k-9"})
    assert (a.status_code, b.status_code) == (201, 200) and a.json()["id"] == b.json()["id"]


def test_gift_receipt_codes_find_their_order_and_nothing_else(api, shop):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    code = api.get(f"/api/v1/returns/gift-receipt?order_id={order.pk}").json()["code"]
    assert code == receipt_code(order)
    assert order_of_receipt(store=shop.store, raw=code.lower().replace("-", " ")) == order
    # Another order's id with this order's tag (and a valid check character) finds nothing.
    other = shop.order((shop.jacket_m, 1))
    body = receipt_code(other).replace("-", "")[:4] + code.replace("-", "")[4:-1]
    assert order_of_receipt(store=shop.store, raw=body + check_character(body)) is None


def test_only_a_leads_or_an_admins_token_may_override_the_rules(api, api_user, shop):
    """The console lets only a lead set the rules aside; the API holds to the same."""
    from stay.conversations.models import Agent, Role

    order = shop.order((shop.cap, 1))  # final sale: the rules refuse it
    Agent.objects.create(user=api_user, role=Role.AGENT).stores.add(order.store)
    refused = _create(api, order, shop.cap, override=True)
    assert refused.status_code == 403 and refused.json()["code"] == "override_not_allowed"
    assert "lead" in refused.json()["detail"] and not Return.objects.exists()

    Agent.objects.filter(user=api_user).update(role=Role.LEAD)
    overridden = _create(api, order, shop.cap, override=True)
    assert overridden.status_code == 201 and overridden.json()["decision"] == "allowed"


def _pdf_text(pdf: bytes, tmp_path: Path, tool: str = "pdftotext") -> str:
    (tmp_path / "label.pdf").write_bytes(pdf)
    argv = [tool, "label.pdf", "-"] if tool == "pdftotext" else [tool, "label.pdf"]
    return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True).stdout


def test_the_label_can_be_shipped_address_carrier_font_and_the_exchange(api, shop, tmp_path):
    """Issue 19 #8: the label said "TO: Summit Outdoor" with no address, "Via Post" while the help
    centre names the carrier, "·" printed as a box (no font embedded) and the slip did not say
    which size the exchange is for."""
    order = shop.order((shop.jacket_m, 1))
    body = {
        "order_id": order.pk,
        "preferred_outcome": "exchange",
        "lines": [
            {
                "line_id": line_of(order, shop.jacket_m).pk,
                "quantity": 1,
                "reason": "too_small",
                "exchange_variant_id": shop.jacket_l.pk,
            }
        ],
    }
    created = api.post("/api/v1/returns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    ret = Return.objects.get()
    pdf = api.get(f"/api/v1/returns/{ret.pk}/label.pdf").content
    text = _pdf_text(pdf, tmp_path)
    assert "12 Seongsui-ro 7-gil" in text and "Seoul 04780" in text
    assert "Via CJ Logistics · order" in text and "Post" not in text
    assert f"Exchange for {shop.jacket_l.title}" in text
    fonts = _pdf_text(pdf, tmp_path, "pdffonts")
    assert "NanumGothic" in fonts and all(" yes " in row for row in fonts.splitlines()[2:]), fonts  # embedded


def test_no_label_is_offered_until_the_store_sets_where_returns_go(api, shop, client):
    from stay.returns.policy import settings_for

    settings_for(shop.store).__class__.objects.filter(store=shop.store).update(return_address="", carrier="")
    order = shop.order((shop.jacket_m, 1))
    body = _create(api, order, shop.jacket_m, preferred_outcome="refund").json()
    assert body["status"] == "label_issued" and body["label_url"] is None
    ret = Return.objects.get()
    assert api.get(f"/api/v1/returns/{ret.pk}/label.pdf").status_code in (404, 409)
    notes = ret.conversation.messages.filter(direction="note").values_list("text", flat=True)
    assert any("no label could be offered" in n for n in notes)
    told = ret.conversation.messages.filter(direction="out").latest("id").text
    assert "is approved" in told and "label.pdf" not in told


def test_stay_check_names_stores_without_return_labels(shop):
    import io

    from django.core.management import call_command

    from stay.returns.policy import settings_for

    out = io.StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "stay.W002" not in out.getvalue()
    settings_for(shop.store).__class__.objects.filter(store=shop.store).update(carrier="")
    out = io.StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "stay.W002" in out.getvalue() and "Summit Outdoor" in out.getvalue()
