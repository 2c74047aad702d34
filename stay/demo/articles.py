# ruff: noqa: E501  (prose in two languages; Korean characters count double)
"""The demo store's help centre: real articles in English and Korean that the assistant cites.

Each entry: slug, category, the intents it answers, then per language a title, the short
answer the assistant gives, and the Markdown body."""

from decimal import Decimal
from typing import Any

from stay.core.models import Store
from stay.giftcards.services import settings_for as gift_card_settings
from stay.helpcentre.services import TextInput, article_save, category_ensure

CATEGORIES = [
    ("shipping", {"en": "Shipping and delivery", "ko": "배송"}),
    ("orders", {"en": "Orders", "ko": "주문"}),
    ("returns", {"en": "Returns and exchanges", "ko": "반품·교환"}),
    ("gift-cards", {"en": "Gift cards", "ko": "기프트카드"}),
    ("products", {"en": "Products and sizing", "ko": "상품·사이즈"}),
    ("payment", {"en": "Payment", "ko": "결제"}),
    ("account", {"en": "Account", "ko": "계정"}),
    ("contact", {"en": "Contact", "ko": "문의"}),
]

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "shipping-times",
        "category": "shipping",
        "intents": ["delivery_info"],
        "en": (
            "Shipping times and costs",
            "Orders placed before 2 pm (Korea time) on a working day leave the same day. Delivery in Korea "
            "takes 1–2 working days and is free from {m50} (otherwise {m5}); international delivery "
            "takes 5–10 working days.",
            """Orders placed before **2 pm Korea time** on a working day leave our warehouse the same day.

| Where | How long | Cost |
| --- | --- | --- |
| Korea (CJ Logistics) | 1–2 working days | free from {m50}, otherwise {m5} |
| Jeju and other islands | 2–4 working days | {m5} extra |
| International (DHL Express) | 5–10 working days | shown at checkout |

We deliver Monday to Saturday; there is no delivery on Sundays and public holidays. In the busy
weeks before Christmas allow one extra day.

Same-day delivery is not available yet. You will get an email and a text with the tracking link as
soon as your parcel leaves.""",
        ),
        "ko": (
            "배송 기간과 배송비",
            "평일 오후 2시(한국 시간) 전 주문은 당일 출고됩니다. 국내 배송은 영업일 기준 1~2일, {m50} 이상 무료(미만 {m5})이며 "
            "해외 배송은 5~10일 걸립니다.",
            """평일 **오후 2시(한국 시간)** 전에 주문하시면 당일 출고됩니다.

| 지역 | 기간 | 배송비 |
| --- | --- | --- |
| 국내 (CJ대한통운) | 영업일 1~2일 | {m50} 이상 무료, 미만 {m5} |
| 제주·도서산간 | 영업일 2~4일 | {m5} 추가 |
| 해외 (DHL Express) | 영업일 5~10일 | 결제 시 안내 |

월요일부터 토요일까지 배송하며 일요일과 공휴일에는 배송하지 않습니다. 크리스마스 전 성수기에는 하루 정도 더 걸릴 수 있어요.

당일 배송은 아직 제공하지 않습니다. 상품이 출고되면 송장 링크를 이메일과 문자로 보내드립니다.""",
        ),
    },
    {
        "slug": "track-your-order",
        "category": "shipping",
        "intents": ["track_order"],
        "en": (
            "Track your order",
            "When your parcel leaves we send the carrier's tracking link by email and text. You can also ask our "
            "assistant: give it your order number and the email or phone you ordered with.",
            """As soon as your parcel leaves we send you the carrier's **tracking link** by email and text.

You can also ask our assistant in the chat at any hour: send your order number and the email or
phone number you ordered with (for example `#1001 jane@example.com`) and it shows the status and the
tracking link.

If the tracking has not moved for 3 working days, or says delivered but you have nothing, write to
us: we will trace it with the carrier and, for a lost parcel, send a replacement at once.""",
        ),
        "ko": (
            "주문 배송 조회",
            "상품이 출고되면 택배사 송장 링크를 이메일과 문자로 보내드립니다. 챗봇에 주문번호와 주문하신 이메일이나 전화번호를 "
            "알려주셔도 바로 확인할 수 있어요.",
            """상품이 출고되면 택배사 **송장 조회 링크**를 이메일과 문자로 보내드립니다.

채팅의 챗봇에게 언제든 물어보셔도 됩니다. 주문번호와 주문하신 이메일 또는 전화번호를 보내주시면
(예: `#1001 jane@example.com`) 배송 상태와 조회 링크를 알려드려요.

영업일 3일 넘게 배송 조회가 멈춰 있거나 배송 완료로 나오는데 받지 못하셨다면 문의해 주세요. 택배사와 확인하고,
분실된 경우 바로 새 상품을 보내드립니다.""",
        ),
    },
    {
        "slug": "cancel-or-change-an-order",
        "category": "orders",
        "intents": ["cancel_order", "change_order", "change_shipping_address"],
        "en": (
            "Cancel or change an order",
            "An order can be cancelled until it ships: ask our assistant or reply to your confirmation email. To change "
            "items, sizes or the address before it ships, write to us and a person will update it.",
            """**Cancelling.** Until your order ships you can cancel it: ask our assistant in the chat (it
asks you to confirm) or reply to your order confirmation. The money goes back to how you paid
within 3–5 working days.

**Changing items, sizes or quantities.** Write to us before the order ships and a person on our
team updates it. Once it has shipped, use a free exchange instead.

**Changing the delivery address.** Tell us the new address as soon as possible. Before the parcel
leaves we change it ourselves; after that we ask the carrier to redirect it, which is not always
possible.""",
        ),
        "ko": (
            "주문 취소·변경",
            "출고 전까지는 주문을 취소할 수 있어요. 챗봇에 요청하시거나 주문 확인 메일에 답장해 주세요. 상품·사이즈·주소 변경은 "
            "출고 전에 문의해 주시면 상담원이 바로 수정해 드립니다.",
            """**주문 취소.** 출고 전까지는 주문을 취소할 수 있습니다. 채팅의 챗봇에 요청하시면(한 번 더 확인합니다) 되고,
주문 확인 메일에 답장하셔도 됩니다. 결제 금액은 영업일 3~5일 안에 결제하신 수단으로 돌아갑니다.

**상품·사이즈·수량 변경.** 출고 전에 문의해 주시면 상담원이 주문을 수정해 드립니다. 이미 출고된 경우에는 무료 교환을
이용해 주세요.

**배송지 변경.** 새 주소를 최대한 빨리 알려주세요. 출고 전이면 저희가 바로 바꾸고, 출고 후에는 택배사에 주소 변경을
요청드리지만 항상 가능한 것은 아닙니다.""",
        ),
    },
    {
        "slug": "returns-and-exchanges",
        "category": "returns",
        "intents": ["return_policy", "return_item", "exchange_item"],
        "en": (
            "Returns and exchanges",
            "You have 30 days to return or exchange, and anything bought in November or December can be returned until "
            "31 January. Exchanges for another size or colour are free; start in our returns portal.",
            """You have **30 days** from delivery to return or exchange an item that is unworn, with its tags.

**Holiday window:** everything bought in November and December can be returned until **31 January**,
so gifts can be exchanged after the holidays. Gift recipients can return with the gift receipt,
without the buyer, and get store credit.

**How:** open the [returns portal](/returns/), enter your order number and email (or the gift
receipt code), pick the items and what you would like:

- an **exchange** for another size or colour (free, sent as soon as you drop off the return),
- **store credit** with a 10% bonus, or
- a **refund** to the original payment.

Print the label at the end and drop the parcel at any CJ Logistics point. Final-sale items can only
be returned if they are faulty.""",
        ),
        "ko": (
            "반품과 교환",
            "배송 후 30일 안에 반품·교환할 수 있고, 11~12월에 구매한 상품은 1월 31일까지 반품됩니다. 다른 사이즈·색상 교환은 "
            "무료이며 반품 포털에서 신청하시면 됩니다.",
            """착용하지 않고 택이 있는 상품은 배송 후 **30일** 안에 반품·교환할 수 있습니다.

**연말 연장:** 11월과 12월에 구매한 상품은 **1월 31일**까지 반품할 수 있어 연휴가 지나도 선물을 교환할 수 있어요.
선물 받으신 분은 구매자 없이 선물 영수증 코드로 반품하고 적립금으로 받으실 수 있습니다.

**신청 방법:** [반품 포털](/returns/)에서 주문번호와 이메일(또는 선물 영수증 코드)을 입력하고 상품과 원하시는 방법을
고르세요.

- 다른 사이즈·색상으로 **교환** (무료, 반품 접수 즉시 발송)
- 10% 보너스가 더해진 **적립금**
- 결제 수단으로 **환불**

마지막 단계에서 반품 송장을 출력해 가까운 CJ대한통운 접수처에 맡기시면 됩니다. 최종 세일 상품은 불량인 경우에만
반품됩니다.""",
        ),
    },
    {
        "slug": "refunds",
        "category": "returns",
        "intents": ["refund_status"],
        "en": (
            "When will I get my refund?",
            "We refund within 2 working days of receiving your return; your bank then takes 3–10 working days to show "
            "it. Store credit is available at once.",
            """We refund within **2 working days** of receiving your return, to the original payment method.
Your bank or card issuer then takes **3–10 working days** to show it on your statement.

Store credit is added to your account straight away and shown in your confirmation email.

You can follow your return with the link in its email, or ask our assistant with your order number
and email.""",
        ),
        "ko": (
            "환불은 언제 되나요?",
            "반품 상품을 받은 뒤 영업일 2일 안에 환불 처리하며, 카드사·은행에 반영되기까지 영업일 3~10일이 걸립니다. 적립금은 "
            "즉시 지급됩니다.",
            """반품 상품이 도착하면 영업일 **2일** 안에 결제하신 수단으로 환불합니다. 이후 카드사나 은행에서 내역에 반영되기까지
영업일 **3~10일**이 걸립니다.

적립금은 바로 계정에 지급되고 확인 메일로 안내됩니다.

반품 안내 메일의 링크로 진행 상황을 보실 수 있고, 챗봇에 주문번호와 이메일을 알려주셔도 확인해 드립니다.""",
        ),
    },
    {
        "slug": "damaged-or-wrong-items",
        "category": "returns",
        "intents": ["damaged_or_defective", "wrong_or_missing_item"],
        "en": (
            "Something arrived damaged, faulty or wrong",
            "We are sorry! Report it in the returns portal with a photo: small items are replaced at once without "
            "sending anything back, and we pay the return of anything else.",
            """We are sorry. Open the [returns portal](/returns/), choose the item and *Defective*, *Damaged in
transit* or *Wrong item sent*, and add a photo if you can.

- Items under {m30}: we send a **replacement at once** and you keep the faulty one.
- Anything else: we send the replacement or refund as soon as you drop it off, and the return
  label is free.
- Faulty items can be reported for 90 days.

If something is missing from your parcel, tell us which item: we check the packing record and send
it straight away.""",
        ),
        "ko": (
            "파손·불량·오배송 상품을 받았어요",
            "불편을 드려 죄송합니다. 반품 포털에서 사진과 함께 접수해 주시면 소액 상품은 반송 없이 바로 새 상품을 보내드리고, "
            "그 외 상품도 반품 배송비는 저희가 부담합니다.",
            """불편을 드려 죄송합니다. [반품 포털](/returns/)에서 상품을 고르고 *불량*, *배송 중 파손*, *다른 상품 배송* 중
하나를 선택한 뒤 가능하면 사진을 올려 주세요.

- {m30} 미만 상품: 반송 없이 **바로 새 상품**을 보내드리며 받으신 상품은 그대로 두셔도 됩니다.
- 그 외 상품: 반품 접수 즉시 교환품을 보내거나 환불해 드리며 반품 배송비는 무료입니다.
- 불량은 90일 안에 접수하실 수 있습니다.

택배에 상품이 빠져 있다면 어떤 상품인지 알려주세요. 포장 기록을 확인하고 바로 보내드립니다.""",
        ),
    },
    {
        "slug": "gift-cards",
        "category": "gift-cards",
        "intents": ["gift_card_help", "gift_card_balance"],
        "en": (
            "Gift cards",
            "Gift cards never expire, can be sent by email, text or WhatsApp on the day you choose, and several can be "
            "used on one order. Check a balance on the gift card page or ask our assistant with the code.",
            """**Buying:** choose an amount up to {gift_max}, add the recipient's email or phone and a
message, and pick the day and time it arrives (Christmas morning works).

**Using:** enter the 16-character code at checkout. You can combine several cards, and pay the rest
with any other method. Gift cards cannot buy other gift cards.

**Balance:** open the link in the gift card email, use the balance page, or send the code to our
assistant in the chat.

Our gift cards **never expire**. A lost code can be resent to the recipient: write to us with the
order number of the purchase.""",
        ),
        "ko": (
            "기프트카드",
            "기프트카드는 유효기간이 없고, 원하는 날짜에 이메일·문자·왓츠앱으로 보낼 수 있으며 한 주문에 여러 장을 쓸 수 있어요. "
            "잔액은 기프트카드 페이지나 챗봇에 코드를 보내 확인하세요.",
            """**구매:** {gift_max}까지 금액을 고르고 받는 분의 이메일이나 전화번호와 메시지를 넣은 뒤 도착할 날짜와
시간을 정하세요(크리스마스 아침도 가능해요).

**사용:** 결제할 때 16자리 코드를 입력하세요. 여러 장을 함께 쓸 수 있고 남은 금액은 다른 결제 수단으로 내시면 됩니다.
기프트카드로 기프트카드를 살 수는 없습니다.

**잔액 확인:** 기프트카드 메일의 링크나 잔액 조회 페이지를 이용하시거나 채팅의 챗봇에 코드를 보내주세요.

저희 기프트카드는 **유효기간이 없습니다**. 코드를 잃어버리셨다면 구매 주문번호와 함께 문의해 주시면 받는 분께 다시
보내드립니다.""",
        ),
    },
    {
        "slug": "size-guide",
        "category": "products",
        "intents": ["sizing_help"],
        "en": (
            "Size guide",
            "Our jackets and fleeces fit true to size with room for a layer underneath; if you are between sizes, take "
            "the larger one. Shoes follow Korean millimetre sizes.",
            """Our jackets and fleeces fit **true to size** with room for a base layer. Between two sizes? Take
the larger one for winter jackets, the smaller for fleeces.

| Size | Chest (cm) | Height (cm) |
| --- | --- | --- |
| S | 88–94 | 160–170 |
| M | 94–100 | 168–176 |
| L | 100–106 | 174–182 |
| XL | 106–112 | 180–188 |

**Shoes** use millimetre sizes (250 = US men's 7, 270 = US men's 9). Measure your foot from heel to
longest toe in the evening and add 5 mm for hiking socks.

Women's cuts are slimmer at the waist; everything else is unisex. Exchanges for another size are free.""",
        ),
        "ko": (
            "사이즈 가이드",
            "자켓과 플리스는 정사이즈이며 안에 한 겹 더 입을 여유가 있어요. 사이즈가 애매하면 큰 쪽을 고르세요. 신발은 mm 단위입니다.",
            """자켓과 플리스는 **정사이즈**로 이너 한 벌을 입을 여유가 있습니다. 두 사이즈 사이라면 겨울 자켓은 큰 쪽,
플리스는 작은 쪽을 추천해요.

| 사이즈 | 가슴둘레(cm) | 키(cm) |
| --- | --- | --- |
| S | 88~94 | 160~170 |
| M | 94~100 | 168~176 |
| L | 100~106 | 174~182 |
| XL | 106~112 | 180~188 |

**신발**은 mm 사이즈입니다(250 = 미국 남성 7, 270 = 미국 남성 9). 저녁에 뒤꿈치부터 가장 긴 발가락까지 재고 등산 양말을
고려해 5mm를 더하세요.

여성용은 허리가 더 슬림하고 나머지는 남녀 공용입니다. 사이즈 교환은 무료예요.""",
        ),
    },
    {
        "slug": "stock-and-restocks",
        "category": "products",
        "intents": ["product_availability"],
        "en": (
            "Sold out? Stock and restocks",
            "What the product page shows is in stock right now. Most sold-out sizes return within 2–4 weeks: ask us "
            "in the chat and we tell you when a size is expected.",
            """The sizes and colours you can choose on a product page are **in stock now** and ship the same day.

Sold out? Most sizes come back within 2–4 weeks; seasonal colours may not return. Ask us in the
chat and we tell you when a size is expected back, where we know.

New collections arrive in March (spring) and September (autumn/winter). We do not take reservations
or pre-orders.""",
        ),
        "ko": (
            "품절 상품과 재입고",
            "상품 페이지에서 고를 수 있는 옵션은 지금 재고가 있는 상품입니다. 품절 사이즈는 보통 2~4주 안에 다시 들어오며, "
            "채팅으로 문의하시면 입고 예정일을 알려드립니다.",
            """상품 페이지에서 선택할 수 있는 사이즈와 색상은 **현재 재고가 있으며** 당일 출고됩니다.

품절이라면 대부분 2~4주 안에 다시 들어오며 시즌 한정 색상은 재입고되지 않을 수 있어요. 채팅으로 문의하시면
입고 예정일을 아는 대로 알려드립니다.

신상품은 3월(봄)과 9월(가을·겨울)에 나옵니다. 예약이나 사전 주문은 받지 않습니다.""",
        ),
    },
    {
        "slug": "payment-methods",
        "category": "payment",
        "intents": ["payment_methods", "payment_issue"],
        "en": (
            "Payment methods and payment problems",
            "We accept Visa, Mastercard, Amex, Korean cards (with instalments), Kakao Pay, Naver Pay, Toss, PayPal "
            "and bank transfer. A declined payment takes no money; a double charge is released by your bank within days.",
            """We accept **Visa, Mastercard, American Express**, Korean credit and debit cards (interest-free
instalments of 2–6 months from {m50}), **Kakao Pay, Naver Pay, Toss, PayPal** and bank transfer.
Cash on delivery is not available.

**Payment declined?** No money was taken. Check the card details and your card's online-payment
setting, or try another method.

**Charged twice?** Usually the second amount is a hold from a failed attempt: your bank releases it
within 3–5 working days. If it stays, send us the order number and we refund it.

**Discount code not applied?** Codes are entered before payment; one code per order. Write to us
with the order number and we refund the difference.""",
        ),
        "ko": (
            "결제 수단과 결제 문제",
            "비자·마스터·아멕스, 국내 카드(할부 가능), 카카오페이, 네이버페이, 토스, 페이팔, 무통장 입금을 받습니다. 결제가 "
            "거절되면 돈이 빠져나가지 않으며, 이중 결제는 며칠 안에 카드사에서 취소됩니다.",
            """**비자, 마스터카드, 아메리칸 익스프레스**, 국내 신용·체크카드({m50} 이상 2~6개월 무이자 할부),
**카카오페이, 네이버페이, 토스, 페이팔**, 무통장 입금을 이용하실 수 있습니다. 착불 결제는 되지 않습니다.

**결제가 거절됐나요?** 돈은 빠져나가지 않았습니다. 카드 정보와 온라인 결제 설정을 확인하거나 다른 수단을 이용해 주세요.

**두 번 결제됐나요?** 대부분 실패한 결제의 승인 대기 금액이며 영업일 3~5일 안에 카드사에서 취소됩니다. 계속 남아
있으면 주문번호를 보내주세요. 바로 환불해 드립니다.

**할인 코드가 적용되지 않았나요?** 코드는 결제 전에 입력하며 주문당 하나만 쓸 수 있습니다. 주문번호와 함께 문의하시면
차액을 환불해 드려요.""",
        ),
    },
    {
        "slug": "invoices-and-receipts",
        "category": "payment",
        "intents": ["invoice"],
        "en": (
            "Invoices and receipts",
            "Your order confirmation email is your receipt. For a tax invoice or a cash receipt, write to us with the "
            "order number and your business registration number.",
            """Your **order confirmation email** is your receipt and proof of purchase; a PDF copy is in your
account under *Orders*.

- **Tax invoice (세금계산서)** for a business: send us the order number, the company name and the
  business registration number.
- **Cash receipt (현금영수증)** for a bank transfer: it is issued automatically to the phone number
  on the order; tell us if you need it on another number.

Lost the email? Ask us and we resend it.""",
        ),
        "ko": (
            "영수증과 세금계산서",
            "주문 확인 메일이 영수증입니다. 세금계산서나 현금영수증이 필요하시면 주문번호와 사업자등록번호를 보내주세요.",
            """**주문 확인 메일**이 영수증이자 구매 증빙입니다. 계정의 *주문 내역*에서 PDF로도 받으실 수 있어요.

- 사업자용 **세금계산서**: 주문번호, 회사명, 사업자등록번호를 보내주세요.
- 무통장 입금 **현금영수증**: 주문서의 전화번호로 자동 발급됩니다. 다른 번호로 필요하시면 알려주세요.

메일을 잃어버리셨다면 문의해 주세요. 다시 보내드립니다.""",
        ),
    },
    {
        "slug": "your-account",
        "category": "account",
        "intents": ["account_help"],
        "en": (
            "Your account",
            "Reset a forgotten password from the sign-in page; you can order without an account. To change your email, "
            "merge two accounts or delete your data, write to us.",
            """**Forgot your password?** Use *Forgot password* on the sign-in page; the link is valid for one
hour. No email? Check the spam folder, then write to us.

**No account needed:** you can order as a guest and create an account later with the same email;
your past orders then appear in it.

**Change your email or phone:** in *Account → Profile*.

**Two accounts, or delete your account and data:** write to us from the account's email address and
a person does it within 2 working days.""",
        ),
        "ko": (
            "계정",
            "비밀번호를 잊으셨다면 로그인 화면에서 재설정하세요. 회원가입 없이도 주문할 수 있습니다. 이메일 변경, 계정 통합, "
            "탈퇴와 개인정보 삭제는 문의해 주세요.",
            """**비밀번호를 잊으셨나요?** 로그인 화면의 *비밀번호 찾기*를 이용하세요. 링크는 1시간 동안 유효합니다. 메일이
오지 않으면 스팸함을 확인하고 문의해 주세요.

**비회원 주문:** 가입 없이 주문하고 나중에 같은 이메일로 가입하시면 지난 주문이 계정에 나타납니다.

**이메일·전화번호 변경:** *내 계정 → 프로필*에서 바꿀 수 있어요.

**계정 통합, 탈퇴와 개인정보 삭제:** 계정 이메일로 문의해 주시면 상담원이 영업일 2일 안에 처리해 드립니다.""",
        ),
    },
    {
        "slug": "newsletter-and-messages",
        "category": "account",
        "intents": ["newsletter"],
        "en": (
            "Newsletter and marketing messages",
            "We send marketing messages only to shoppers who agreed to them. Unsubscribe with the link in any email, "
            "or reply STOP to a text or WhatsApp message.",
            """We send news of sales and new collections only to shoppers who **agreed** to it, by email, text
or WhatsApp.

**Unsubscribe** any time: the link at the bottom of every email, or reply **STOP** to a text or a
WhatsApp message. Order and delivery messages still reach you.

You can choose English or Korean in the email preferences.""",
        ),
        "ko": (
            "뉴스레터와 광고 수신",
            "광고 메시지는 수신에 동의하신 분께만 보냅니다. 수신 거부는 메일 하단 링크나 문자·왓츠앱에 STOP으로 "
            "답장하시면 됩니다.",
            """세일과 신상품 소식은 이메일, 문자, 왓츠앱 수신에 **동의**하신 분께만 보내드립니다.

**수신 거부**는 언제든지 가능합니다. 메일 하단의 링크를 누르거나 문자·왓츠앱 메시지에 **STOP**이라고 답장하세요.
주문·배송 안내는 계속 받으십니다.

이메일 설정에서 한국어나 영어를 고르실 수 있어요.""",
        ),
    },
    {
        "slug": "how-to-order",
        "category": "orders",
        "intents": ["place_order"],
        "en": (
            "How to order",
            "Add items to your cart and check out, as a guest or with an account; discount codes go in the box at "
            "checkout. For team or club orders of 10 or more, write to us.",
            """Pick your size and colour, press **Add to cart**, then **Checkout**. You can order as a guest.

- Discount codes go in the *Discount code* box at checkout (one per order).
- There is no minimum order; delivery is free from {m50}.
- Sending to someone else? Enter their address, and tick *This is a gift* for a gift receipt without
  prices.
- **Team or club orders** of 10 or more: write to us for a quote.

We do not take orders by phone.""",
        ),
        "ko": (
            "주문 방법",
            "장바구니에 담고 결제하시면 됩니다. 비회원도 주문할 수 있고 할인 코드는 결제 화면에 입력하세요. 10개 이상 단체 주문은 "
            "문의해 주세요.",
            """사이즈와 색상을 고르고 **장바구니 담기**, 그다음 **결제하기**를 누르세요. 비회원도 주문할 수 있습니다.

- 할인 코드는 결제 화면의 *할인 코드* 칸에 입력합니다(주문당 1개).
- 최소 주문 금액은 없으며 {m50} 이상 무료 배송입니다.
- 다른 분께 보내시나요? 받는 분 주소를 넣고 *선물입니다*를 선택하면 가격 없는 선물 영수증이 함께 갑니다.
- 10개 이상 **단체·동호회 주문**은 견적을 문의해 주세요.

전화 주문은 받지 않습니다.""",
        ),
    },
    {
        "slug": "contact-us",
        "category": "contact",
        "intents": ["contact_human", "complaint", "feedback"],
        "en": (
            "Contact us",
            "Our team answers chat, WhatsApp, text and email Monday to Friday, 9 am to 6 pm Korea time, usually within "
            "an hour; the assistant answers at any hour and hands you to a person when needed.",
            """Our customer care team answers **Monday to Friday, 9 am – 6 pm (Korea time)**, usually within an
hour, on chat, WhatsApp, text and email (support@summit-outdoor.example).

Outside those hours our assistant answers order, return and gift card questions, and passes
everything else to the team with the details, so nobody asks you twice.

Not happy with how we handled something? Tell us: a team lead reads every complaint. We also love
hearing ideas and praise.""",
        ),
        "ko": (
            "문의하기",
            "고객센터는 평일 오전 9시~오후 6시(한국 시간)에 채팅, 왓츠앱, 문자, 이메일로 보통 1시간 안에 답변드립니다. 챗봇은 "
            "언제든 답하고 필요하면 상담원에게 연결해 드려요.",
            """고객센터는 **평일 오전 9시 ~ 오후 6시(한국 시간)**에 채팅, 왓츠앱, 문자, 이메일(support@summit-outdoor.example)로
보통 1시간 안에 답변드립니다.

운영 시간 외에는 챗봇이 주문·반품·기프트카드 문의에 답하고, 그 밖의 문의는 내용을 정리해 상담원에게 넘겨 같은 질문을
두 번 하지 않으셔도 됩니다.

불편하신 점이 있으셨나요? 알려주세요. 팀장이 모든 불만을 직접 확인합니다. 의견과 칭찬도 언제나 환영합니다.""",
        ),
    },
]


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def prose_money(amount: Decimal, currency: str) -> str:
    """An amount as an article says it: "$50", else "50 CHF"."""
    whole = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{whole}" if symbol else f"{whole} {currency}"


def facts_of(store: Store) -> dict[str, str]:
    """What the articles state about the store, from its own settings and currency: an article
    never promises what the store has not set up (issue 19)."""
    cards = gift_card_settings(store)
    currency = cards.currency or store.currency
    return {
        "m5": prose_money(Decimal(5), store.currency),
        "m30": prose_money(Decimal(30), store.currency),
        "m50": prose_money(Decimal(50), store.currency),
        "gift_max": prose_money(cards.max_value, currency),
    }


def help_centre_create(store: Store) -> int:
    """The demo store's categories and articles, indexed for search, in the store's currency.
    Returns how many articles."""
    facts = facts_of(store)
    for position, (slug, names) in enumerate(CATEGORIES):
        category_ensure(store=store, slug=slug, names=names, position=position)
    categories = {c.slug: c for c in store.help_categories.all()}
    for position, item in enumerate(ARTICLES):
        texts = [
            TextInput(
                language=lang,
                title=item[lang][0],
                summary=item[lang][1].format(**facts),
                body=item[lang][2].format(**facts),
            )
            for lang in ("en", "ko")
        ]
        article_save(
            store=store,
            category=categories[item["category"]],
            slug=item["slug"],
            texts=texts,
            intents=item["intents"],
            position=position,
        )
    return len(ARTICLES)
