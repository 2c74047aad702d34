"""The shopper's account page (issue 21): a one-time link by e-mail (a GET only shows a button;
the POST signs in, once) or a code by text, to an identity the store knows, with the same
answer for an unknown address and a rate limit; the page shows orders with tracking and a way
into the returns portal, points, tier, rewards to redeem, gift cards and credit, consent, and
the shopper's data to download or to ask to be forgotten; in Korean too."""

import re

import pytest
from django.test import Client, TestCase

from stay.account.models import DeletionRequest, DeletionState
from stay.account.services import deletion_confirm
from stay.channels.sms.fake import FakeTwilio
from stay.channels.sms.models import TwilioAccount
from stay.conversations.models import Message
from stay.customers.models import Identity
from stay.loyalty.models import Member, Reward, Tier, TierShipping

from .conftest import HOME, sent_to

pytestmark = pytest.mark.django_db


def test_a_link_by_email_signs_in_once_and_shows_everything(jon):
    shopper = Client()
    asked = shopper.post(f"{HOME}sign-in", {"contact": "Jon@Example.com"})
    assert asked.status_code == 200 and "we have sent it a link" in asked.content.decode()
    link = re.search(r"http://[^/]+(/account/summit/in/\S+)", sent_to(jon)).group(1)
    assert "Sign in to Summit Outdoor" in shopper.get(link).content.decode()
    assert "Send me a way in" in shopper.get(HOME).content.decode()  # opening the link signs no one in
    assert shopper.post(link).status_code == 302
    page = shopper.get(HOME).content.decode()
    assert "Hello, Jon" in page and "#1001" in page and "Return or exchange" in page
    assert "120 points" in page and "288 more on their way" in page and "Use my points" in page
    assert "Change what we send you" in page
    assert Client().post(link).status_code == 400  # once


def test_an_unknown_address_gets_the_same_answer_and_asking_is_rate_limited(jon):
    shopper = Client()
    unknown = shopper.post(f"{HOME}sign-in", {"contact": "nobody@example.com"})
    assert unknown.status_code == 200 and "we have sent it a link" in unknown.content.decode()
    assert not Message.objects.filter(meta__notice="account.sign_in").exists()
    assert shopper.post(f"{HOME}sign-in", {"contact": "not an address"}).status_code == 400
    statuses = [shopper.post(f"{HOME}sign-in", {"contact": "jon@example.com"}).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


def test_a_code_by_text_signs_in_and_wrong_codes_do_not(jon, store):
    shopper = Client()
    with FakeTwilio(account_sid="AC" + "1" * 32, auth_token="tw") as twilio:
        TwilioAccount.objects.create(
            store=store,
            account_sid=twilio.account_sid,
            auth_token="tw",
            from_number="+15005550006",
            api_base_url=twilio.base_url,
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            asked = shopper.post(f"{HOME}sign-in", {"contact": "(613) 555-0123"})
        assert "we have sent it a code" in asked.content.decode()
        [sms] = twilio.sent
    assert sms["To"] == "+16135550123"
    code = re.search(r"\b(\d{6})\b", sms["Body"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert shopper.post(f"{HOME}code", {"contact": "(613) 555-0123", "code": wrong}).status_code == 400
    assert shopper.post(f"{HOME}code", {"contact": "(613) 555-0123", "code": code}).status_code == 302
    assert "Hello, Jon" in shopper.get(HOME).content.decode()


def signed_in(jon) -> Client:
    shopper = Client()
    shopper.post(f"{HOME}sign-in", {"contact": "jon@example.com"})
    shopper.post(re.search(r"http://[^/]+(/account/summit/in/\S+)", sent_to(jon)).group(1))
    return shopper


def test_a_tier_with_free_shipping_shows_its_code(jon, store):
    gold = Tier.objects.create(store=store, name="Gold", threshold=0, free_shipping=True)
    TierShipping.objects.create(store=store, tier=gold, code="GOLD-SHIP-7K2D")  # pushed (loyalty's tests)
    Member.objects.filter(customer=jon).update(tier=gold)
    page = signed_in(jon).get(HOME).content.decode()
    assert "Free shipping on every order: enter this code at checkout" in page and "GOLD-SHIP-7K2D" in page


def test_redeem_download_and_ask_to_be_forgotten(jon, store):
    shopper = signed_in(jon)
    reward = Reward.objects.get()
    assert shopper.post(f"{HOME}redeem", {"reward": reward.pk, "key": "k"}).status_code == 302
    page = shopper.get(HOME).content.decode()
    assert "Done: $5 store credit for 100 points" in page and "Store credit: <b>5.00 USD</b>" in page
    assert "20 points" in page
    again = shopper.post(f"{HOME}redeem", {"reward": reward.pk, "key": "k2"})
    assert again.status_code == 302 and "20 points are available; this needs 100" in shopper.get(HOME).content.decode()

    data = shopper.get(f"{HOME}my-data.json")
    assert data["Content-Disposition"].startswith("attachment") and data.json()["customer_id"] == jon.pk
    assert shopper.post(f"{HOME}delete").status_code == 302
    assert shopper.post(f"{HOME}delete").status_code == 302  # one request
    request = DeletionRequest.objects.get()
    assert request.state == DeletionState.WAITING and request.customer == jon
    deletion_confirm(request=request, actor="user:lee")
    request.refresh_from_db()
    assert request.state == DeletionState.DONE
    assert not Identity.objects.filter(customer=jon, value="jon@example.com").exists()


def test_the_page_is_korean_and_strangers_reach_nothing(jon):
    assert "이메일 또는 전화번호" in Client().get(f"{HOME}?lang=ko").content.decode()
    assert Client().get(f"{HOME}my-data.json").status_code == 404
    assert Client().post(f"{HOME}redeem", {"reward": 1}).status_code == 404
    assert Client().get("/account/nope/").status_code == 404
