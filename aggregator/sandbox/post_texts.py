"""Korean text for the district's own posts: notices, events, festivals, safety alerts,
recruiting and road works, filled from a per-post random generator (same seed, same posts).
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.clock import KST
from aggregator.sandbox.texts import BOOKS, DONGS, PLACES, ROADS, VENUES, korean_date

KINDS: tuple[tuple[str, float], ...] = (
    ("notice", 0.25),
    ("event", 0.20),
    ("festival", 0.10),
    ("safety", 0.15),
    ("recruit", 0.15),
    ("roadworks", 0.15),
)
CATEGORIES = {
    "notice": "구정소식",
    "event": "행사·교육",
    "festival": "축제",
    "safety": "안전·재난",
    "recruit": "채용·모집",
    "roadworks": "교통·도로",
}


@dataclass(frozen=True, slots=True)
class Template:
    """One kind of post: title and paragraphs are `str.format` templates."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    season: str = "any"


def _contact(dept: str) -> str:
    return "■ 문의: " + dept + " (☎ 02-0000-{ext})"


TEMPLATES: tuple[Template, ...] = (
    Template(
        "notice",
        "{year}년 {half} 자동차세 납부 안내",
        (
            "{year}년 {half} 자동차세 납부 기간은 {end}까지입니다. 기한 내 납부하지 않으면 "
            "가산금이 부과되니 유의해 주시기 바랍니다.",
            "■ 납부 방법: 위택스, 가상계좌, 금융기관 CD/ATM\n" + _contact("세무2과"),
        ),
        ("자동차세", "세금", "납부"),
    ),
    Template(
        "notice",
        "{dong} 음식물류 폐기물 수거 요일 변경 안내",
        (
            "{date}부터 {dong} 지역의 음식물류 폐기물 수거 요일이 월·수·금에서 화·목·토로 "
            "변경됩니다. 주민 여러분의 양해와 협조를 부탁드립니다.",
            "■ 배출 시간: 수거 전날 오후 8시 ~ 자정\n" + _contact("청소행정과"),
        ),
        ("쓰레기", "음식물", "수거요일"),
    ),
    Template(
        "notice",
        "한빛구청 민원실 야간 연장 운영 안내",
        (
            "직장인 등 낮 시간 방문이 어려운 주민을 위해 {date}부터 매주 목요일 민원실을 "
            "오후 8시까지 연장 운영합니다.",
            "■ 처리 업무: 주민등록 등·초본, 인감증명, 가족관계증명서 발급\n"
            + _contact("민원여권과"),
        ),
        ("민원실", "야간민원"),
    ),
    Template(
        "notice",
        "거주자우선주차 {half} 배정 신청 안내",
        (
            "{dong} 일대 거주자우선주차구획 {half} 배정 신청을 {date}부터 {end}까지 받습니다. "
            "신청 후 추첨으로 배정하며 결과는 개별 문자로 알려드립니다.",
            "■ 신청: 한빛구 누리집 또는 동 주민센터 방문\n" + _contact("주차관리과"),
        ),
        ("주차", "거주자우선주차"),
    ),
    Template(
        "notice",
        "대형폐기물 온라인 배출 신고 서비스 개편 안내",
        (
            "{date}부터 대형폐기물 배출 신고를 모바일에서 사진 한 장으로 할 수 있습니다. "
            "수수료는 카드와 간편결제로 납부할 수 있습니다.",
            _contact("자원순환과"),
        ),
        ("대형폐기물", "재활용"),
    ),
    Template(
        "event",
        "{month}월 주민 소통 간담회 개최 안내",
        (
            "구정 현안을 주민 여러분과 함께 이야기하는 주민 소통 간담회를 개최합니다. "
            "주차, 쓰레기, 공원 등 생활 속 불편 사항을 자유롭게 말씀해 주세요.",
            "■ 일시: {date} {time}\n■ 장소: {venue}\n" + _contact("소통담당관"),
        ),
        ("간담회", "주민소통"),
    ),
    Template(
        "event",
        "제{nth}회 한빛구민의 날 기념행사",
        (
            "한빛구민의 날을 맞아 기념식과 구민 노래자랑, 먹거리 장터를 운영합니다.",
            "■ 일시: {date} {time}\n■ 장소: {venue}\n■ 대상: 한빛구민 누구나\n"
            + _contact("자치행정과"),
        ),
        ("구민의날", "행사"),
    ),
    Template(
        "event",
        "한빛 북콘서트 〈{book}〉 작가와의 만남",
        (
            "책 〈{book}〉의 작가를 모시고 이야기와 음악이 있는 북콘서트를 엽니다. "
            "선착순 80명, 사전 신청자에게 도서를 드립니다.",
            "■ 일시: {date} {time}\n■ 장소: {venue}\n" + _contact("평생학습과"),
        ),
        ("북콘서트", "도서관", "문화"),
    ),
    Template(
        "event",
        "어린이 교통안전 체험교실 운영",
        (
            "초등학생을 대상으로 횡단보도 건너기, 자전거 안전 수칙을 직접 체험하는 교실을 "
            "운영합니다. 보호자 동반 참여도 가능합니다.",
            "■ 일시: {date} {time}\n■ 장소: {place}\n" + _contact("교통행정과"),
        ),
        ("교통안전", "어린이"),
    ),
    Template(
        "event",
        "다문화가족과 함께하는 똠양꿍 요리교실",
        (
            "다문화가족과 이웃이 함께 태국 요리 똠양꿍을 만들며 서로의 문화를 나눕니다.",
            "■ 일시: {date} {time}\n■ 장소: {venue}\n■ 모집: 15가족 (선착순)\n"
            + _contact("가족정책과"),
        ),
        ("다문화", "요리교실"),
    ),
    Template(
        "festival",
        "{year} 한빛 빛축제 개최 안내",
        (
            "푸른천 일대를 수놓는 {year} 한빛 빛축제가 {date}부터 {end}까지 열립니다. "
            "매일 오후 6시부터 10시까지 점등합니다.",
            "축제 기간 중 {road} 일부 구간의 차량 통행이 통제되오니 대중교통을 이용해 주세요.",
            _contact("문화체육과"),
        ),
        ("빛축제", "축제", "푸른천"),
        "winter",
    ),
    Template(
        "festival",
        "누리시장 김장나눔 한마당",
        (
            "전통시장 상인회와 함께 김장김치를 담가 홀몸 어르신 가정에 전달합니다. "
            "김장 재료 특가 판매와 먹거리 장터도 함께 열립니다.",
            "■ 일시: {date} {time}\n■ 장소: 누리시장 특설무대\n" + _contact("지역경제과"),
        ),
        ("김장", "전통시장", "나눔"),
        "winter",
    ),
    Template(
        "festival",
        "푸른천 억새축제 교통통제 안내",
        (
            "푸른천 억새축제 기간({date}~{end}) 중 {road} 양방향 교통이 통제됩니다.",
            "■ 통제 시간: 오전 10시 ~ 오후 9시\n■ 우회 도로: {road2}\n" + _contact("교통행정과"),
        ),
        ("억새축제", "교통통제"),
        "autumn",
    ),
    Template(
        "festival",
        "한빛 거리공연 페스티벌",
        (
            "주말마다 {place}에서 버스킹 공연이 열립니다. 누구나 무료로 관람할 수 있습니다.",
            "■ 기간: {date} ~ {end}\n" + _contact("관광과"),
        ),
        ("거리공연", "버스킹"),
    ),
    Template(
        "safety",
        "한파특보 발효에 따른 한파쉼터 운영 안내",
        (
            "기상청이 {date} 한빛구 일대에 한파주의보를 발령했습니다. 구는 경로당과 주민센터 "
            "{n}곳을 한파쉼터로 운영합니다.",
            "■ 수도계량기 동파 예방: 헌 옷 등으로 보온\n■ 외출 시 내복·목도리 착용\n"
            + _contact("재난대응과"),
        ),
        ("한파", "한파쉼터", "안전"),
        "winter",
    ),
    Template(
        "safety",
        "대설 예비특보 발령, 내 집 앞 눈 치우기에 동참해 주세요",
        (
            "{date} 밤부터 최대 10cm의 눈이 예보되었습니다. 구는 제설차량과 인력을 비상 "
            "대기시키고 주요 언덕길에 제설함을 채워 두었습니다.",
            "내 집·내 점포 앞 눈은 눈이 그친 뒤 4시간 이내에 치워 주세요.\n" + _contact("도로과"),
        ),
        ("대설", "제설", "안전"),
        "winter",
    ),
    Template(
        "safety",
        "폭염경보 발효, 무더위쉼터 운영시간 연장 안내",
        (
            "폭염경보 발효에 따라 무더위쉼터 {n}곳을 오후 9시까지 연장 운영합니다. "
            "한낮에는 야외활동을 자제하고 물을 자주 드세요.",
            _contact("재난대응과"),
        ),
        ("폭염", "무더위쉼터"),
        "summer",
    ),
    Template(
        "safety",
        "호우주의보 발령에 따른 침수 예방 안전수칙",
        (
            "{date} 한빛구에 호우주의보가 발령되었습니다. 푸른천 산책로와 지하차도는 "
            "수위에 따라 출입이 통제됩니다.",
            "■ 반지하 주택은 물막이판 설치 확인\n■ 빗물받이 덮개 제거\n" + _contact("치수과"),
        ),
        ("호우", "침수예방", "안전"),
        "rain",
    ),
    Template(
        "safety",
        "고농도 미세먼지 비상저감조치 시행 안내",
        (
            "{date} 고농도 미세먼지 비상저감조치가 시행됩니다. 배출가스 5등급 차량은 "
            "오전 6시부터 오후 9시까지 운행이 제한됩니다.",
            _contact("환경과"),
        ),
        ("미세먼지", "비상저감조치"),
    ),
    Template(
        "recruit",
        "{year}년 한빛구 청년 행정인턴 모집",
        (
            "구정 업무를 경험할 청년 행정인턴 {n}명을 모집합니다. 만 19~34세 한빛구 "
            "거주 청년이면 누구나 지원할 수 있습니다.",
            "■ 접수 기간: {date} ~ {end}\n■ 제출 서류: 지원서, 주민등록초본\n"
            + _contact("청년정책과"),
        ),
        ("청년인턴", "채용"),
    ),
    Template(
        "recruit",
        "노인일자리 및 사회활동 지원사업 참여자 모집",
        (
            "{year}년 노인일자리 참여자 {n}00명을 모집합니다. 공익활동, 사회서비스형 등 "
            "다양한 일자리가 준비되어 있습니다.",
            "■ 접수: {date} ~ {end}, 동 주민센터 방문 접수\n" + _contact("어르신복지과"),
        ),
        ("노인일자리", "모집"),
    ),
    Template(
        "recruit",
        "우리동네 지킴이 자원봉사자 모집",
        (
            "골목길 안전 순찰과 어르신 안부 확인을 함께할 자원봉사자를 모집합니다.",
            "■ 활동 지역: {dong}\n■ 접수: {date}까지\n" + _contact("자치행정과"),
        ),
        ("자원봉사", "안전"),
    ),
    Template(
        "recruit",
        "한빛구 주민참여예산위원 모집",
        (
            "{year}년 주민참여예산을 함께 결정할 위원 {n}명을 공개 모집합니다.",
            "■ 접수 기간: {date} ~ {end}\n" + _contact("기획예산과"),
        ),
        ("주민참여예산", "모집"),
    ),
    Template(
        "roadworks",
        "{road} 도로 재포장 공사에 따른 교통통제 안내",
        (
            "노후 포장 정비를 위해 {road} {place} 구간 재포장 공사를 시행합니다. "
            "야간 공사로 소음이 발생할 수 있어 양해를 부탁드립니다.",
            "■ 공사 기간: {date} ~ {end} (22:00~06:00)\n■ 우회 도로: {road2}\n"
            + _contact("도로과"),
        ),
        ("도로공사", "교통통제"),
    ),
    Template(
        "roadworks",
        "{dong} 상수도관 교체공사 시행 안내",
        (
            "{dong} 일대 노후 상수도관 교체공사로 일부 구간의 통행이 제한되고, 공사 당일 "
            "단수가 있을 수 있습니다.",
            "■ 공사 기간: {date} ~ {end}\n" + _contact("치수과"),
        ),
        ("상수도", "공사", "단수"),
    ),
    Template(
        "roadworks",
        "{place} 보도 정비공사 안내",
        (
            "보행 안전을 위해 {place} 보도블록 교체와 턱 낮춤 공사를 진행합니다.",
            "■ 공사 기간: {date} ~ {end}\n" + _contact("건설관리과"),
        ),
        ("보도정비", "공사"),
    ),
)

SEASONS = {
    "winter": (11, 12, 1, 2),
    "summer": (6, 7, 8),
    "rain": (6, 7, 8, 9),
    "autumn": (9, 10, 11),
}


@dataclass(frozen=True, slots=True)
class PostContent:
    """The text of one generated post."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    template: Template


def _in_season(template: Template, month: int) -> bool:
    return template.season == "any" or month in SEASONS[template.season]


def pick_template(
    rng: random.Random,
    created_at: datetime,
    title: str | None = None,
    avoid: Collection[Template] = (),
) -> Template:
    """Choose a post template suited to the season, not one in `avoid` if possible.

    `title` forces the template with that (unfilled) title.
    """
    if title is not None:
        return next(t for t in TEMPLATES if t.title == title)
    kinds, weights = zip(*KINDS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    month = created_at.astimezone(KST).month
    choices = [t for t in TEMPLATES if t.kind == kind and _in_season(t, month)]
    if not choices:
        choices = [t for t in TEMPLATES if t.kind == kind and t.season == "any"]
    fresh = [t for t in choices if t not in avoid]
    return rng.choice(fresh or choices)


def post_content(rng: random.Random, created_at: datetime, template: Template) -> PostContent:
    """Fill `template` with places, dates and numbers drawn from `rng`."""
    local = created_at.astimezone(KST)
    when = local + timedelta(days=rng.randint(2, 12))
    end = when + timedelta(days=rng.randint(7, 30))
    road, road2 = rng.sample(ROADS, 2)
    fill = {
        "year": when.year,
        "month": when.month,
        "half": "상반기" if when.month <= 6 else "하반기",
        "date": korean_date(when),
        "end": korean_date(end),
        "time": rng.choice(("오전 10시", "오후 2시", "오후 3시", "오후 7시")),
        "dong": rng.choice(DONGS),
        "place": rng.choice(PLACES),
        "road": road,
        "road2": road2,
        "venue": rng.choice(VENUES),
        "book": rng.choice(BOOKS),
        "n": rng.randint(2, 30),
        "nth": rng.randint(12, 31),
        "ext": f"{rng.randint(1000, 9999)}",
    }
    return PostContent(
        kind=template.kind,
        title=template.title.format(**fill),
        paragraphs=tuple(p.format(**fill) for p in template.paragraphs),
        category=CATEGORIES[template.kind],
        tags=template.tags,
        template=template,
    )
