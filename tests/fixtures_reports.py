"""A small fixed data set for the monthly report tests (October 2026, Asia/Seoul).

2026-10-05 is the substitute holiday for 개천절 and 2026-10-09 (한글날, a Friday) a
public holiday; 2026-10-13 is a Tuesday.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aggregator.config import Settings, parse_settings
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock

KST = ZoneInfo("Asia/Seoul")
KEY = "test-pseudonym-key-0123456789"
OTHER_KEY = "another-pseudonym-key-9876543210"
INJECTIONS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
CONFIG = """
timezone: Asia/Seoul
departments: [주차관리과, 청소행정과]
reports:
  pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}
"""


def report_settings(key: str = KEY) -> Settings:
    return parse_settings(CONFIG, environ={"AGGREGATOR_PSEUDONYM_KEY": key})


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST).astimezone(UTC)


def _comment(key: str, at: datetime, text: str, **extra: object) -> CommentRecord:
    platform = extra.pop("platform", "facebook")
    return CommentRecord(
        platform=platform,  # type: ignore[arg-type]
        external_id=key,
        created_at=at,
        text=text,
        post_external_id="p1" if platform == "facebook" else "t1",
        author_id=str(extra.pop("author_id", f"u-{key}")),
        author_name=str(extra.pop("author", "주민")),
        **extra,  # type: ignore[arg-type]
    )


def seed_month(store: Store) -> dict[str, int]:
    """Resident comments around October 2026 and the district's answers; ids by key."""
    fb = store.sync.ensure_account("fb-page", "facebook")
    x = store.sync.ensure_account("x-main", "twitter")
    post = PostRecord(platform="facebook", external_id="p1", created_at=kst(2026, 9, 1),
                      text="구청 소식", title="10월 행사")  # fmt: skip
    tweet = PostRecord(platform="twitter", external_id="t1", created_at=kst(2026, 9, 1),
                       text="구청 트윗")  # fmt: skip
    fb_comments = (
        _comment("c1", kst(2026, 10, 13, 10), "불법주차 때문에 불편합니다", author="홍길동",
                 author_id="hong"),
        _comment("r1", kst(2026, 10, 13, 13), "확인하겠습니다", parent_external_id="c1",
                 by_account_owner=True),
        _comment("c3", kst(2026, 10, 31, 23, 30), INJECTIONS[0], author="홍길동", author_id="hong"),
        _comment("c4", kst(2026, 11, 1, 0, 30), "11월의 첫 댓글 주차", author="김철수"),
        _comment("c6", kst(2026, 9, 15, 10), "9월 주차 민원", author="이영희"),
        _comment("c7", kst(2026, 10, 6, 10), "저금리 대출 광고", author="광고봇"),
        *(_comment(f"i{n}", kst(2026, 10, 20, 10, n), text, author=f"주민{n}")
          for n, text in enumerate(INJECTIONS[1:])),
    )  # fmt: skip
    tw = (_comment("c2", kst(2026, 10, 9, 10), "쓰레기 수거, \"언제\" 오나요?\n😀",
                   platform="twitter", author="박민수, 주민"),)  # fmt: skip
    store.sync.apply_batch(fb, Batch(stream="t", posts=(post,), comments=fb_comments))
    store.sync.apply_batch(x, Batch(stream="t", posts=(tweet,), comments=tw))
    with store.engine.connect() as conn:
        ids = {k: int(v) for k, v in conn.exec_driver_sql("SELECT external_id, id FROM comment")}
    _answer(store, ids)
    return ids


def _answer(store: Store, ids: dict[str, int]) -> None:
    actor = Actor("comm1", Role.COMMUNICATIONS)

    def act(at: datetime, key: str, **action: str) -> None:
        result = store.inbox.review(
            actor, [ids[key]], ReviewAction(**action), ReviewContext(now=at)
        )
        assert result.done, result.refused

    act(kst(2026, 10, 12, 10), "c2", kind="status", status="확인중")
    act(kst(2026, 10, 12, 11), "c2", kind="status", status="최종 답변")
    act(kst(2026, 10, 6, 11), "c7", kind="status", status="스팸", reason="광고")
    act(kst(2026, 10, 6, 11), "c1", kind="assign_department", department="주차관리과")
    act(kst(2026, 9, 15, 12), "c6", kind="status", status="확인중")
    act(kst(2026, 9, 15, 14), "c6", kind="status", status="1차 답변")


OFFICER = Actor("park", Role.DEPARTMENT, "주차관리과")
OFFICE = Actor("comm1", Role.COMMUNICATIONS)


def seed_answers(store: Store, ids: dict[str, int], clock: FakeClock) -> None:
    """Inbox answers on top of `seed_month`: park (주차관리과) writes c1's 1차 답변, comm1
    approves it and confirms it posted; comm1 answers c1 finally and i0 at once (with a
    formula-like text). Leaves the clock where it was."""
    from aggregator.answers.service import AnswerService
    from aggregator.config_review import AnswersSection

    answers, before = AnswerService(store, AnswersSection()), clock.now

    def at(*moment: int) -> None:
        clock.now = kst(*moment)

    at(2026, 10, 14, 9, 30)
    first = answers.write(OFFICER, ids["c1"], "first", "주차 단속을 요청했습니다")
    at(2026, 10, 14, 10)
    answers.approve(OFFICE, first)
    at(2026, 10, 14, 11)
    answers.confirm_manual(OFFICE, first)
    at(2026, 10, 15, 10)
    final = answers.write(OFFICE, ids["c1"], "final", "단속을 마쳤습니다. 감사합니다")
    at(2026, 10, 15, 14)
    answers.confirm_manual(OFFICE, final)
    at(2026, 10, 20, 15)
    quick = answers.write(OFFICE, ids["i0"], "first", "=확인했습니다")
    answers.confirm_manual(OFFICE, quick)
    clock.now = before
