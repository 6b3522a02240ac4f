"""Korean text for residents' comments and the district's answers.

A comment's topic is its ground truth (what a human classifier should call it): parking,
garbage, noise, road works, questions, thanks, complaints, suggestions, spam, abuse
(profanity shown as "XX"), personal data (fake 010-0XXX-XXXX numbers) and markup that
must be escaped (`<script>`, `&`, quotes). District answers start with the office's
standard greeting and name the responsible department.
"""

from __future__ import annotations

import random

from aggregator.sandbox.texts import DONGS, OFFICE, PLACES, ROADS

RESIDENT_TOPICS: dict[str, float] = {
    "parking": 10,
    "garbage": 8,
    "noise": 6,
    "roadworks": 5,
    "question": 20,
    "thanks": 12,
    "complaint": 10,
    "suggestion": 8,
    "spam": 4,
    "abuse": 3,
    "phone": 3,
    "markup": 1.5,
}
KIND_BOOST: dict[str, dict[str, float]] = {
    "roadworks": {"roadworks": 5, "noise": 3, "parking": 2},
    "event": {"question": 1.5, "thanks": 2, "parking": 1.5},
    "festival": {"question": 1.5, "thanks": 2, "parking": 2, "noise": 1.5},
    "safety": {"question": 1.5, "thanks": 1.5, "suggestion": 1.5},
    "notice": {"garbage": 2, "complaint": 1.5, "parking": 1.5},
    "recruit": {"question": 2.5},
}
ANSWERED_TOPICS = frozenset(
    {"parking", "garbage", "noise", "roadworks", "question", "complaint", "suggestion", "phone"}
)
DISTRICT_TOPICS = frozenset({"district_reply", "district_notice"})

TEXTS: dict[str, tuple[str, ...]] = {
    "parking": (
        "{place} 불법주차 때문에 아이들 등굣길이 너무 위험해요. 단속 좀 자주 나와주세요.",
        "{place} 공영주차장 언제 개방하나요? 주말엔 자리가 하나도 없어요.",
        "{dong} 골목에 밤마다 트럭이 불법주차해서 소방차도 못 들어갈 것 같아요.",
        "거주자우선주차 구역에 다른 차가 계속 대놓고 있는데 견인 안 되나요?",
        "행사 때 주차할 곳이 있나요? 지난번엔 {place}까지 차가 꽉 막혔어요.",
    ),
    "garbage": (
        "{dong} 쓰레기 수거가 사흘째 안 되고 있어요. 냄새가 너무 심합니다.",
        "{place}에 무단투기 쓰레기가 산처럼 쌓였어요. CCTV라도 달아주세요.",
        "음식물 쓰레기 수거 요일이 바뀐 건가요? 안내문을 못 받았어요.",
        "재활용 분리배출 했는데 수거차가 일반쓰레기랑 같이 싣고 가던데요?",
    ),
    "noise": (
        "{place} 공사 소음이 {time}까지 계속돼요. 잠을 못 자겠습니다.",
        "밤마다 {road}에서 오토바이 굉음 때문에 아기가 깨요. 단속 부탁드려요.",
        "새벽 {time}에 청소차 후진 경고음이 너무 커요. 조금만 줄여주세요.",
        "윗집 인테리어 공사 소음은 구청에 어디로 신고하면 되나요?",
    ),
    "roadworks": (
        "{road} 공사 언제 끝나나요? 우회 안내가 없어서 매일 헷갈려요.",
        "보도블록 공사하고 나서 오히려 더 울퉁불퉁해졌어요. 유모차가 못 다녀요.",
        "{place} 공사 가림막 때문에 신호등이 안 보입니다. 사고 날 것 같아요.",
        "상수도 공사 때문에 단수된다는데 몇 시부터 몇 시까지인가요?",
    ),
    "question": (
        "{dong} 주민도 참여할 수 있나요? 주소지가 바뀐 지 얼마 안 돼서요.",
        "자세한 내용은 어디서 볼 수 있나요? 누리집에서 못 찾겠어요.",
        "담당 부서 전화가 계속 통화 중이에요. 다른 연락 방법은 없나요?",
    ),
    "thanks": (
        "덕분에 아이들이랑 즐거운 시간 보냈어요. 감사합니다!",
        "신고한 지 하루 만에 처리해 주셔서 놀랐어요. 담당자분 감사합니다 👍",
        "제설 작업 빨리 해주셔서 출근길이 편했어요. 고생 많으셨습니다.",
        "이런 행사 자주 열어주세요. 어르신들이 정말 좋아하셨어요.",
    ),
    "complaint": (
        "민원 넣은 지 2주가 지났는데 아직 답이 없네요. 도대체 언제 처리되나요?",
        "행사 때문에 길 막히는 건 미리 알려주셔야죠. 버스가 30분이나 늦었어요.",
        "공지를 이렇게 늦게 올리면 어떻게 신청하라는 건가요?",
        "{place} 가로등이 한 달째 꺼져 있어요. 여러 번 말씀드렸는데 그대로네요.",
    ),
    "suggestion": (
        "{place}에 CCTV 설치해 주시면 좋겠어요. 밤에 너무 어두워요.",
        "{dong} 놀이터 옆에 그늘막이랑 벤치 좀 늘려주세요.",
        "행사 안내를 문자로도 보내주시면 어르신들이 더 많이 오실 것 같아요.",
        "{road}에 자전거도로를 따로 만들어 주시면 좋겠습니다.",
    ),
    "spam": (
        "💰하루 30분 부업으로 월 300 보장! 카톡 ID: money77 로 문의주세요",
        "[광고] 무직자·저신용 대출 당일 승인 ☎ {phone}",
        "블로그 체험단 모집합니다~ 제 프로필 링크 클릭해서 쿠폰 받아가세요!!",
        "코인 리딩방 무료입장 👉 http://bit.example/abc123 수익 인증 다수",
    ),
    "abuse": (
        "구청 공무원들 XX 일 좀 제대로 해라. 세금 받아서 뭐 하냐",
        "이런 걸 행사라고 하냐 XX 세금 낭비 그만해",
        "XX 진짜 답답하네. 몇 번을 말해야 알아듣는 거야",
        "담당자 XX 이름 공개해라. 전화도 안 받고 뭐 하는 거냐",
    ),
    "phone": (
        "{place} 누수 신고합니다. 현장 확인하시면 연락 부탁드려요 {phone}",
        "제 번호 {phone} 입니다. 담당자분이 직접 전화 주세요.",
        "{dong} 사는 할머니가 혼자 계신데 안부 확인 부탁드려요. 보호자 연락처 {phone}",
    ),
    "markup": (
        '주차 & 쓰레기 문제 둘 다 심각해요. "단속 강화"라고만 하지 말고 실제로 나와주세요',
        "벌금이 5만원 < 견인비 라던데 맞나요? 기준표 <링크> 좀 주세요",
        "'한파쉼터' 위치를 지도에 <b>굵게</b> 표시해 주시면 좋겠어요 & 운영시간도요",
        '<a href="http://bit.example">여기</a> 누르면 신청서 나오나요? 안 열려요',
    ),
    "reply": (
        "저도 같은 문제 겪고 있어요. 꼭 해결됐으면 좋겠네요.",
        "저희 {dong}도 마찬가지예요. 같이 민원 넣어요.",
        "그거 누리집 공지사항 맨 아래에 신청 링크 있어요!",
        "지난번에 전화했더니 금방 처리해 주시던데요. 전화해 보세요.",
        "동의합니다. 특히 저녁 시간대가 제일 심해요.",
    ),
    "reply_to_district": (
        "답변 감사합니다. 확인해 볼게요.",
        "빠른 답변 감사해요! 처리되면 다시 알려주세요.",
        "그런데 아직도 그대로던데요? 다시 한번 확인 부탁드립니다.",
    ),
}
QUESTIONS: dict[str, tuple[str, ...]] = {
    "event": (
        "참가 신청은 어디서 하나요? 선착순인가요?",
        "혹시 반려견 동반 가능한가요?",
        "비 오면 행사는 취소되나요, 실내에서 하나요?",
        "주차는 어디에 하면 되나요? 구청 주차장 이용 가능한가요?",
    ),
    "festival": (
        "몇 시까지 하나요? 퇴근하고 가도 볼 수 있을까요?",
        "유모차 끌고 가도 괜찮을까요? 사람 많으면 위험할 것 같아서요.",
        "통제 구간에 사는 주민 차량은 어떻게 드나드나요?",
    ),
    "safety": (
        "한파쉼터는 주말에도 운영하나요? 경로당이 닫혀 있던데요.",
        "수도계량기 동파되면 어디로 신고하나요?",
        "{dong}에는 쉼터가 어디에 있나요? 목록 좀 올려주세요.",
    ),
    "recruit": (
        "신청 마감이 언제까지인가요? 직장인이라 평일엔 방문이 어려워요.",
        "제출 서류는 온라인으로 내도 되나요?",
        "작년에 참여했던 사람도 다시 지원할 수 있나요?",
    ),
    "roadworks": (
        "공사 기간에 버스 정류장은 어디로 옮겨지나요?",
        "단수되는 시간이 정확히 몇 시부터인가요?",
    ),
    "notice": (
        "{dong}도 해당되나요? 공지만 봐서는 잘 모르겠어요.",
        "온라인으로도 신청할 수 있나요?",
    ),
}
XSS_TEXT = "<script>alert(1)</script> 공영주차장 & \"거주자\" 요금이 <1,000원> 맞나요? '확인' 부탁"
"""A resident comment that must be escaped everywhere it is shown (always in the data set)."""

OPENERS = ("", "", "", "안녕하세요. ", "구청 담당자님, ", "{dong} 주민입니다. ")
CLOSERS: dict[str, tuple[str, ...]] = {
    "thanks": ("", "", " 늘 감사합니다!", " 수고하세요~"),
    "question": ("", "", " 답변 부탁드려요.", " 알려주시면 감사하겠습니다."),
    "suggestion": ("", "", " 검토 부탁드립니다.", " 감사합니다."),
    "reply": ("", "", "", " ㅎㅎ"),
    "other": ("", "", " 확인 부탁드립니다.", " 빠른 조치 바랍니다.", " ㅠㅠ"),
}
BARE_TOPICS = frozenset({"spam", "abuse", "markup", "reply", "reply_to_district"})
TIMES = ("밤 11시", "새벽 2시", "새벽 5시", "아침 7시", "저녁 9시")

DEPARTMENT_FOR: dict[str, str] = {
    "parking": "주차관리과",
    "garbage": "청소행정과",
    "noise": "환경과",
    "roadworks": "도로과",
    "phone": "소통담당관",
}
ANSWERS: dict[str, tuple[str, ...]] = {
    "parking": (
        "말씀하신 지역의 불법주정차 문제는 {dept}에 전달하여 집중 단속을 요청했습니다.",
        "해당 구간은 다음 주부터 주정차 단속 CCTV를 시범 운영할 예정입니다.",
    ),
    "garbage": (
        "수거 지연 건은 청소 대행업체에 확인하여 오늘 중 수거하도록 조치했습니다.",
        "무단투기 지역은 {dept}에서 현장 확인 후 단속 카메라 설치를 검토하겠습니다.",
    ),
    "noise": ("소음 문제는 {dept}에서 현장 측정 후 기준 초과 시 행정처분하겠습니다.",),
    "roadworks": ("공사 기간과 우회로는 {dept}에서 현장 안내판을 보강하도록 하겠습니다.",),
    "question": (
        "문의하신 내용은 게시글 하단의 담당 부서로 연락하시면 자세히 안내해 드립니다.",
        "온라인 신청은 한빛구 누리집 '신청·예약' 메뉴에서 하실 수 있습니다.",
    ),
    "complaint": ("불편을 드려 죄송합니다. 담당 부서에서 경위를 확인한 뒤 다시 답변드리겠습니다.",),
    "suggestion": ("좋은 의견 감사합니다. 담당 부서에 전달하여 적극 검토하겠습니다.",),
    "phone": (
        "개인정보 보호를 위해 연락처가 적힌 댓글은 비공개 처리됩니다. 담당자가 연락드리겠습니다.",
    ),
}
NOTICES = (
    "[추가 안내] 우천 시에는 실내 행사로 변경되며 누리집에 다시 공지하겠습니다.",
    "[정정] 본문의 접수 마감일이 잘못 안내되어 바로잡습니다. 양해 부탁드립니다.",
    "[안내] 많은 관심 감사합니다. 조기 마감되어 추가 모집 일정은 별도로 알려드리겠습니다.",
)


def topic_weights(post_kind: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The resident topics and their weights for comments under a post of `post_kind`."""
    boost = KIND_BOOST.get(post_kind, {})
    topics = tuple(RESIDENT_TOPICS)
    return topics, tuple(RESIDENT_TOPICS[t] * boost.get(t, 1.0) for t in topics)


def fake_mobile(rng: random.Random) -> str:
    """A mobile number that looks real but is never assigned (`010-0XXX-XXXX`)."""
    return f"010-0{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        place=rng.choice(PLACES),
        dong=rng.choice(DONGS),
        road=rng.choice(ROADS),
        time=rng.choice(TIMES),
        phone=fake_mobile(rng),
    )


def resident_text(rng: random.Random, topic: str, post_kind: str) -> str:
    """A resident's comment on `topic` under a post of `post_kind`, 20-150 characters."""
    choices = TEXTS[topic]
    if topic == "question":
        choices = choices + QUESTIONS.get(post_kind, ())
    body = _fill(rng, rng.choice(choices))
    closers = CLOSERS.get(topic, CLOSERS["other"])
    if topic in BARE_TOPICS:
        return body + rng.choice(closers) if topic == "reply" else body
    text = _fill(rng, rng.choice(OPENERS)) + body + rng.choice(closers)
    return text if len(text) <= 150 else body


def district_text(rng: random.Random, parent_topic: str | None) -> str:
    """The district's answer to a comment on `parent_topic` (None: a notice of its own)."""
    if parent_topic is None:
        return rng.choice(NOTICES)
    answers = ANSWERS.get(parent_topic, ANSWERS["suggestion"])
    dept = DEPARTMENT_FOR.get(parent_topic, "소통담당관")
    body = rng.choice(answers).format(dept=dept)
    return f"안녕하세요, {OFFICE}입니다. {body} (문의: {dept} ☎ 02-0000-{rng.randint(1000, 9999)})"


def edited_text(rng: random.Random, text: str) -> str:
    """A later version of a resident's comment (residents add details or soften words)."""
    addition = rng.choice(
        (
            " (추가) 오늘 아침에도 그대로였습니다.",
            " (수정) 장소를 잘못 적어서 고칩니다.",
            " 사진도 첨부하고 싶은데 방법이 없네요.",
        )
    )
    return text.replace("XX", "").strip() + addition
