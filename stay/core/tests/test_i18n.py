import re
from pathlib import Path

import pytest
from django.utils import translation

from stay.customers.models import Customer
from stay.orders.models import Order

PO = Path(__file__).resolve().parents[2] / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_every_korean_message_is_translated():
    text = PO.read_text()
    untranslated = [m.group(1) for m in re.finditer(r'^msgid "(.+)"\nmsgstr ""\n', text, re.M)]
    assert untranslated == [], f"translate these in {PO.name}: {untranslated}"
    assert "#, fuzzy" not in text


def test_the_compiled_catalogue_is_used():
    with translation.override("ko"):
        assert str(Customer._meta.verbose_name) == "고객"
        assert str(Order._meta.get_field("gift_message").verbose_name) == "선물 메시지"


@pytest.mark.django_db
def test_the_admin_speaks_korean(admin_client):
    page = admin_client.get("/admin/", headers={"Accept-Language": "ko"}).content.decode()
    assert "고객" in page and "주문" in page
    page = admin_client.get("/admin/", headers={"Accept-Language": "en"}).content.decode()
    assert "Customers" in page


@pytest.mark.django_db
def test_every_admin_page_opens(admin_client, post_webhook):
    """The list, add and change pages of every model, with real rows from webhooks."""
    from django.contrib import admin

    from stay.conftest import payload

    for name in ("products_create", "orders_create", "fulfillments_create", "refunds_create", "checkouts_create"):
        post_webhook(name.replace("_", "/", 1), payload(name))
    post_webhook("inventory_levels/update", payload("inventory_levels_update"))
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls = [base, f"{base}add/"]
        first = model._default_manager.first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
        for url in urls:
            response = admin_client.get(url, headers={"Accept-Language": "ko"})
            assert response.status_code in (200, 403), (url, response.status_code)
