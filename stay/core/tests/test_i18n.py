from pathlib import Path

import pytest
from django.utils import translation

from stay.customers.models import Customer
from stay.orders.models import Order

PO = Path(__file__).resolve().parents[2] / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def _untranslated(text: str) -> list[str]:
    """The msgids of a .po file whose translation is empty (a long one spans several lines)."""
    found = []
    for block in text.split("\n\n")[1:]:  # the first block is the header
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith(("msgid ", "msgid_plural ")):
                current = msgid if line.startswith("msgid ") else None
            elif line.startswith("msgstr"):
                current = msgstr
            if current is not None:
                current.append(line[line.index('"') + 1 : -1])
        if msgid and not "".join(msgstr):
            found.append("".join(msgid))
    return found


def test_every_korean_message_is_translated():
    text = PO.read_text()
    assert _untranslated(text) == [], f"translate these in {PO.name}"
    assert "#, fuzzy" not in text


def test_no_text_in_the_code_is_missing_from_the_catalogue(tmp_path, monkeypatch):
    """`make messages` on a copy of the code finds nothing the Korean catalogue lacks: a
    string added to a template or a view without running it would otherwise show in English."""
    import shutil

    from django.core.management import call_command

    if not shutil.which("xgettext"):
        pytest.skip("gettext is not installed (make test installs it)")

    copy = tmp_path / "stay"
    shutil.copytree(PO.parents[3], copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests", "var"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["ko"], no_obsolete=True, ignore_patterns=["settings/*"], verbosity=0)
    text = (copy / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text()
    assert _untranslated(text) == [], "run `make messages` and translate these"
    assert "#, fuzzy" not in text, "run `make messages` and check the entries marked fuzzy"


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
