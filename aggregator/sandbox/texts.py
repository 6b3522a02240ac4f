"""Shared Korean vocabulary of the fictional 한빛구: neighbourhoods, places, roads, venues.

Everything here is invented; telephone numbers in generated text use `02-0000-XXXX` and
`010-0XXX-XXXX`, which are never assigned.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.sandbox.clock import KST

DISTRICT = "한빛구"
OFFICE = "한빛구청"
DONGS = (
    "한빛1동",
    "한빛2동",
    "누리동",
    "새솔동",
    "가람동",
    "별빛동",
    "푸른동",
    "미리내동",
    "은하동",
)
PLACES = (
    "한빛초등학교 앞",
    "새솔공원 입구",
    "누리시장 사거리",
    "가람역 2번 출구",
    "별빛도서관 옆 골목",
    "푸른천 산책로",
    "미리내 사거리",
    "은하아파트 후문",
    "한빛구청 앞 교차로",
    "솔빛중학교 정문",
)
ROADS = ("한빛로", "누리대로", "새솔로", "가람길", "별빛로", "푸른천로", "은하로")
VENUES = (
    "한빛구민회관 대강당",
    "새솔공원 잔디광장",
    "한빛구청 2층 대회의실",
    "누리시장 특설무대",
    "별빛도서관 세미나실",
    "푸른천 둔치 광장",
)
BOOKS = ("동네에서 살아가기", "골목의 시간", "우리는 이웃입니다", "작은 도서관 이야기")
WEEKDAYS = "월화수목금토일"


def korean_date(moment: datetime) -> str:
    """`11월 28일(토)` for a datetime (shown in KST)."""
    local = moment.astimezone(KST)
    return f"{local.month}월 {local.day}일({WEEKDAYS[local.weekday()]})"


SURNAMES = (
    "김김김김이이이박박최최정정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성"
    "차주우구민진나지엄채원천방공현"
)
GIVEN_NAMES = (
    "민준", "서연", "지우", "하은", "도윤", "수아", "예준", "지민", "시우", "서윤",
    "주원", "하린", "지호", "채원", "준서", "지유", "건우", "윤서", "현우", "다은",
    "영숙", "정희", "순자", "미경", "영호", "성민", "경숙", "상철", "은정", "혜진",
    "동현", "미란", "재훈", "수진", "태호", "명자", "광수", "소연", "진영", "보람",
)  # fmt: skip
NICKNAMES = (
    "새솔맘", "누리동주민", "자전거타는아빠", "한빛토박이", "푸른천산책러", "가람역출근러",
    "별빛할매", "은하동고양이집사", "동네반장", "미리내주민", "한빛2동대학생", "야간근무자",
    "세쌍둥이아빠", "텃밭지기", "강아지산책중", "누리시장단골",
)  # fmt: skip
HANDLE_WORDS = (
    "sun", "moon", "hanbit", "nuri", "sesol", "garam", "star", "river", "happy", "daily",
    "bike", "cat", "puppy", "green", "blue", "mom", "dad", "walker", "city", "local",
)  # fmt: skip
SPAMMERS = ("부업왕", "재테크달인", "대출상담센터", "쿠폰요정", "💰수익인증💰")
