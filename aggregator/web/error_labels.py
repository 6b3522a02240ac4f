"""Korean names of the reasons a write to a platform failed, for an item's history."""

from __future__ import annotations

WRITE_ERRORS: dict[str, str] = {
    "permission": "쓰기 권한 없음 (토큰 권한 확인 필요)",
    "auth": "인증 만료 또는 무효 (토큰 재발급 필요)",
    "target_gone": "원래 댓글이나 게시물이 삭제됨",
    "restricted": "작성자가 답글을 제한했거나 숨길 수 없는 댓글",
    "duplicate": "같은 내용의 글이 이미 있어 거부됨",
    "spam": "플랫폼이 스팸으로 차단함",
    "rate_limited": "호출 한도 초과 (잠시 후 자동 재시도)",
    "closed": "게시물의 댓글이 닫힘",
    "network": "플랫폼 응답 없음 (게시 여부 확인 필요)",
    "invalid": "플랫폼이 요청을 거부함 (길이·형식 확인 필요)",
    "budget": "이번 달 호출 예산 소진 (다음 달 재시도)",
    "no_writer": "쓰기 설정이 없는 계정",
}
"""Why a write to a platform failed (`connectors.common.reply.WriteErrorKind`, and the worker's
`no_writer`), as staff read it in an item's history."""
