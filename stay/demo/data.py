"""Word lists for the demo store: a sports-and-outdoor brand selling in English and Korean."""

MODELS = [
    "Ridgeline",
    "Alpine",
    "Granite",
    "Cascade",
    "Summit",
    "Trailhead",
    "Basecamp",
    "Northwind",
    "Ember",
    "Glacier",
]

APPAREL_SIZES = ["XS", "S", "M", "L", "XL"]
SHOE_SIZES = ["230", "240", "250", "260", "270", "280", "290"]
COLOURS = ["Black", "Navy", "Forest", "Sand", "Red", "Grey", "Orange", "Sky"]

# (type, price range in USD, sized how, colours per product, small item?)
TYPES = [
    ("Down Jacket", (159, 329), "apparel", 3),
    ("Rain Shell", (119, 249), "apparel", 3),
    ("Fleece Pullover", (59, 99), "apparel", 3),
    ("Merino Base Layer", (49, 89), "apparel", 2),
    ("Hiking Pants", (69, 119), "apparel", 2),
    ("Trail Shorts", (39, 65), "apparel", 2),
    ("Tech Tee", (25, 45), "apparel", 3),
    ("Hoodie", (55, 85), "apparel", 2),
    ("Hiking Socks", (14, 24), "apparel", 2),
    ("Beanie", (22, 35), "colour", 4),
    ("Gloves", (29, 59), "apparel", 2),
    ("Trail Runner", (109, 169), "shoe", 2),
    ("Hiking Boot", (149, 239), "shoe", 2),
    ("Camp Sandal", (45, 79), "shoe", 2),
    ("2P Tent", (199, 449), "colour", 2),
    ("Sleeping Bag", (129, 299), "colour", 2),
    ("Daypack 25L", (79, 139), "colour", 3),
    ("Trekking Poles", (59, 129), "none", 1),
    ("Headlamp", (29, 59), "colour", 2),
    ("Insulated Bottle", (24, 39), "colour", 4),
]
GIFT_CARD_AMOUNTS = ["25.00", "50.00", "100.00", "200.00"]

EN_FIRST = [
    "James",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Lucas",
    "Mia",
    "Mason",
    "Isabella",
    "Logan",
    "Amelia",
    "Jack",
    "Harper",
    "Owen",
    "Evelyn",
    "Leo",
    "Abigail",
    "Henry",
    "Ella",
    "Wyatt",
    "Grace",
    "Daniel",
    "Chloe",
    "Samuel",
    "Nora",
    "David",
    "Lily",
    "Caleb",
    "Zoe",
    "Ryan",
    "Hannah",
    "Nathan",
    "Aria",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
]
KO_FAMILY = [
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jung"),
    ("강", "kang"),
    ("조", "cho"),
    ("윤", "yoon"),
    ("장", "jang"),
    ("임", "lim"),
    ("한", "han"),
    ("오", "oh"),
    ("서", "seo"),
    ("신", "shin"),
]
KO_GIVEN = [
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("지우", "jiwoo"),
    ("하준", "hajun"),
    ("서윤", "seoyoon"),
    ("도윤", "doyoon"),
    ("지호", "jiho"),
    ("수아", "sua"),
    ("예준", "yejun"),
    ("하은", "haeun"),
    ("시우", "siwoo"),
    ("지유", "jiyu"),
    ("주원", "juwon"),
    ("채원", "chaewon"),
    ("건우", "gunwoo"),
    ("유진", "yujin"),
    ("현우", "hyunwoo"),
    ("다은", "daeun"),
    ("준서", "junseo"),
    ("소율", "soyul"),
]

EN_CITIES = [
    ("Seattle", "WA", "98101"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97205"),
    ("Boulder", "CO", "80302"),
    ("Salt Lake City", "UT", "84101"),
    ("Boston", "MA", "02108"),
    ("Austin", "TX", "78701"),
    ("Minneapolis", "MN", "55401"),
]
KO_CITIES = [
    ("서울", "서울특별시 마포구 월드컵북로 396", "03925"),
    ("부산", "부산광역시 해운대구 센텀중앙로 79", "48058"),
    ("인천", "인천광역시 연수구 컨벤시아대로 165", "21998"),
    ("대구", "대구광역시 중구 동덕로 130", "41940"),
    ("서울", "서울특별시 강남구 테헤란로 152", "06236"),
    ("대전", "대전광역시 유성구 대학로 99", "34134"),
]

EN_CARRIERS = [
    ("UPS", "https://www.ups.com/track?tracknum={}"),
    ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}"),
    ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}"),
]
KO_CARRIERS = [
    ("CJ대한통운", "https://trace.cjlogistics.com/next/tracking.html?wblNo={}"),
    ("한진택배", "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?wblnum={}"),
    ("우체국택배", "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={}"),
]

EN_GIFT_MESSAGES = [
    "Merry Christmas! See you on the trail.",
    "Happy holidays — stay warm out there!",
    "For our next summit together.",
    "Happy birthday! Go get lost (safely).",
    "Thanks for everything this year.",
    "Season's greetings from all of us.",
]
KO_GIFT_MESSAGES = [
    "메리 크리스마스! 새해에도 함께 산에 가요.",
    "따뜻한 겨울 보내세요!",
    "생일 축하해! 다음 등산 때 입고 와.",
    "올 한 해 고마웠어요.",
    "즐거운 연말 보내세요!",
]

# The inbox: what shoppers write about their last order ({order} and {item} are filled in).
EN_QUESTIONS = [
    (
        "Where is my order {order}?",
        "Hi, I ordered the {item} ({order}) last week and it hasn't arrived yet. Can you check?",
    ),
    ("Exchange for a bigger size", "The {item} from {order} is too small. Can I swap it for one size up?"),
    ("Gift card balance", "I got a gift card for Christmas. How do I check how much is left on it?"),
    ("Damaged on arrival", "My {item} ({order}) arrived with a torn seam. What can you do?"),
    ("Change my delivery address", "Can you send {order} to my office instead? It hasn't shipped yet I think."),
    ("Return after the holidays", "Can I still return the {item} from {order}? It was a gift."),
    ("Cancel my order", "Please cancel {order}, I ordered the wrong colour of the {item}."),
]
KO_QUESTIONS = [
    (
        "주문 {order} 배송 문의",
        "안녕하세요. 지난주에 {item} 주문했는데({order}) 아직 도착하지 않았어요. 확인 부탁드립니다.",
    ),
    ("사이즈 교환 문의", "{order}로 받은 {item} 사이즈가 작아요. 한 치수 큰 것으로 교환할 수 있을까요?"),
    ("기프트카드 잔액", "선물로 기프트카드를 받았는데 잔액은 어떻게 확인하나요?"),
    ("상품 불량", "{order} {item}의 박음질이 뜯어져서 왔어요. 어떻게 해야 하나요?"),
    ("배송지 변경", "{order} 배송지를 회사로 바꿀 수 있을까요? 아직 발송 전인 것 같아요."),
    ("반품 가능 여부", "선물 받은 {item}({order}) 반품할 수 있나요?"),
]
EN_ANSWERS = [
    "Hi {name}, thanks for writing. I've checked {order}: it's on its way and you can track it from your order page.",
    "Hi {name}, no problem at all. I've started the exchange for you; you'll get a label by email shortly.",
    "Sorry about that, {name}! A replacement is on its way today, no need to send anything back.",
]
KO_ANSWERS = [
    "{name} 님, 문의 감사합니다. {order} 주문은 현재 배송 중이며 주문 페이지에서 배송 조회가 가능합니다.",
    "{name} 님, 불편을 드려 죄송합니다. 교환 접수해 드렸고 반품 라벨을 이메일로 보내 드리겠습니다.",
    "{name} 님, 죄송합니다. 교체 상품을 오늘 바로 발송해 드리겠습니다. 받으신 상품은 보내지 않으셔도 됩니다.",
]
# (name, English text, Korean text): the console picks the shopper's language.
MACROS = [
    (
        "Where is my order",
        "Hi {first_name}, your order {last_order} is on its way. Track it here: {tracking_link}\n\n"
        "{agent_name}, {store_name}",
        "{first_name} 님, 주문하신 {last_order} 상품은 배송 중입니다. 배송 조회: {tracking_link}\n\n"
        "{store_name} {agent_name} 드림",
    ),
    (
        "Exchange how-to",
        "Hi {first_name}, you can swap sizes or colours for {last_order} in a few clicks here: {returns_link}\n\n"
        "{agent_name}, {store_name}",
        "{first_name} 님, {last_order} 상품의 사이즈나 색상 교환은 여기에서 몇 번의 클릭으로 신청하실 수 있어요: "
        "{returns_link}\n\n{store_name} {agent_name} 드림",
    ),
    (
        "Help centre",
        "Hi {first_name}, the answer is in our help centre: {help_link}\n\n{agent_name}, {store_name}",
        "{first_name} 님, 도움말 센터에서 답을 확인하실 수 있어요: {help_link}\n\n{store_name} {agent_name} 드림",
    ),
]
