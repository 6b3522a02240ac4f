"""How a YouTube write failure is told: Google's error answer as a `WriteError` of the
right kind, with the Korean sentence staff see (PLATFORMS-WRITE.md §6.8).

401 AUTH; 403 `quotaExceeded` BUDGET (tried again after the daily quota resets, 5 minutes
after midnight Pacific time); 403 `rateLimitExceeded` / 429 RATE_LIMITED; 403
`commentsDisabled` CLOSED; other 403 (`forbidden`, `insufficientPermissions`,
`ineligibleAccount`) PERMISSION; 404 TARGET_GONE; other 4xx (`commentTextTooLong`,
`processingFailure`, `operationNotSupported`, ...) INVALID; 5xx and no answer NETWORK.
"""

from __future__ import annotations

from datetime import datetime

from connectors.common.reply import WriteError, WriteErrorKind
from connectors.common.write_common import network_error, rate_limited
from connectors.youtube.quota import next_reset

DEFAULT_RETRY_SECONDS = 300.0
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})

_STAFF = {
    WriteErrorKind.PERMISSION: "유튜브 토큰에 댓글 관리 권한(youtube.force-ssl, 채널 소유자)이 "
    "없어 게시하지 못했습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.AUTH: "유튜브 OAuth 토큰이 만료되었거나 취소되었습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.TARGET_GONE: "주민의 댓글이나 영상이 삭제되어 답변을 달 수 없습니다.",
    WriteErrorKind.CLOSED: "이 영상은 댓글이 꺼져 있어 답변을 달 수 없습니다.",
    WriteErrorKind.RATE_LIMITED: "유튜브 호출 한도에 걸렸습니다. 잠시 후 자동으로 다시 시도합니다.",
    WriteErrorKind.NETWORK: "유튜브의 응답을 받지 못했습니다. 게시 여부를 확인한 뒤 다시 "
    "시도합니다.",
    WriteErrorKind.INVALID: "유튜브가 요청을 거부했습니다(글자 수 등). 관리자에게 알려 주세요.",
    WriteErrorKind.BUDGET: "오늘의 유튜브 API 할당량을 넘게 되어 보내지 않았습니다. 할당량이 "
    "초기화되는 태평양 시간 자정 직후(한국 시간 오후 4~5시)에 자동으로 다시 시도합니다.",
}


def staff_message(kind: WriteErrorKind) -> str:
    """The Korean sentence staff see for a YouTube write error of this kind."""
    return _STAFF.get(kind, _STAFF[WriteErrorKind.INVALID])


def write_error(
    status: int,
    reason: str | None,
    message: str,
    now: datetime,
    retry_after: float | None = None,
) -> WriteError:
    """The `WriteError` for a Google error answer (PLATFORMS-WRITE.md §6.8)."""
    cause = f"YouTube HTTP {status} {reason or '(no reason)'}: {message}".strip()
    if status == 429 or reason in THROTTLE_REASONS:
        return rate_limited(cause, staff_message, retry_after or DEFAULT_RETRY_SECONDS)
    if status >= 500:
        return network_error(cause, staff_message)
    if status == 403 and reason == "quotaExceeded":
        return budget(cause, now)
    if status == 401:
        kind = WriteErrorKind.AUTH
    elif status == 403 and reason == "commentsDisabled":
        kind = WriteErrorKind.CLOSED
    elif status == 403:
        kind = WriteErrorKind.PERMISSION
    elif status in (404, 410):
        kind = WriteErrorKind.TARGET_GONE
    else:
        kind = WriteErrorKind.INVALID
    return WriteError(kind, cause, staff_message(kind))


def budget(cause: str, now: datetime) -> WriteError:
    """Refused for the daily quota: tried again after it resets."""
    kind = WriteErrorKind.BUDGET
    return WriteError(kind, cause, staff_message(kind), retry_at=next_reset(now))
