"""The Korean words of the staff pages: actions, roles, targets, details and dates.

One place maps every name the code records (a review event's `action`, an access-log
record's `action`, `role`, `target` and `detail` keys) to the words staff read. A name
not listed falls back to something readable (`기타 작업 (name)`), never a crash; the
English-word test over every page (`tests/test_korean_pages.py`) notices a missing
label. How a recorded detail or a review event reads as a whole (`사유: 광고`, a history
line) is `aggregator.web.history_text`.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.answers.states import STATE_LABELS
from aggregator.timeutil import korean_month
from aggregator.workflow import ROLE_LABELS, Role
from connectors.registry import LABELS

PLATFORM_LABELS = LABELS
"""Platform name -> Korean word, from each platform's spec (`connectors.registry`)."""
WEEKDAYS = "월화수목금토일"
ROLES = {role.value: label for role, label in ROLE_LABELS.items()}
ANONYMOUS_LABEL = "(로그인 없음)"
SYSTEM_ACTORS = {"answers-worker": "답변 게시 작업", "anonymous": ANONYMOUS_LABEL}

ACTIONS: dict[str, str] = {
    # review events (store/reviews.py) ------------------------------------------------
    "status": "상태 변경",
    "assign_department": "부서 배정",
    "transfer": "이송",
    "assign_handler": "담당자 지정",
    "add_tag": "태그 추가",
    "remove_tag": "태그 삭제",
    "note": "메모",
    "priority": "우선순위",
    "claim": "처리 시작(잠금)",
    "release": "잠금 해제",
    "accept_suggestion": "추천 분류 적용",
    "dismiss_suggestion": "추천 분류 무시",
    "close_no_answer": "답변 불요 종결",
    "hide": "숨김",
    "hide_upstream": "원문 숨김",
    "unhide_upstream": "원문 숨김 해제",
    "platform_hide": "플랫폼 숨김 요청",
    "platform_unhide": "플랫폼 숨김 해제 요청",
    "platform_retry": "플랫폼 숨김 다시 시도",
    "platform_hidden": "플랫폼에서 숨김됨",
    "platform_unhidden": "플랫폼에서 숨김 해제됨",
    "platform_hide_failed": "플랫폼 숨김 실패",
    "platform_unhide_failed": "플랫폼 숨김 해제 실패",
    # answers (answers/service.py, answers/worker.py) -------------------------------
    "answer_write": "답변 작성",
    "answer_resubmit": "답변 다시 올림",
    "answer_approve": "답변 승인",
    "answer_send_back": "답변 반려",
    "answer_confirm_manual": "직접 게시 확인",
    "answer_retry": "답변 게시 재시도",
    "answer_cancel": "답변 취소",
    "answer_posted": "답변 게시됨",
    "answer_template_add": "상용구 추가",
    "answer_template_edit": "상용구 수정",
    "answer_template_delete": "상용구 삭제",
    "view_answers": "답변 목록 조회",
    "view_answer_templates": "상용구 조회",
    # pages viewed -------------------------------------------------------------------
    "view_list": "검토함 조회",
    "search": "검색",
    "view_comment": "댓글 조회",
    "reveal_pii": "개인정보 보기",
    "view_check_items": "점검 게시물 조회",
    "view_reports": "월간 보고서 화면 조회",
    "view_access_log": "접속기록 조회",
    "view_users": "사용자 관리 화면 조회",
    "view_dashboard": "첫 화면 조회",
    "view_notification_settings": "알림 설정 조회",
    "view_departments": "부서 관리 조회",
    # hand entry, reports, privacy ------------------------------------------------------
    "manual_entry": "댓글 직접 입력",
    "manual_import": "댓글 파일 가져오기",
    "dismiss_check_item": "점검 게시물 닫기",
    "report_download": "보고서 내려받기 (가명처리)",
    "report_download_identified": "보고서 내려받기 (실명)",
    "report_file_download": "보고서 파일 받기",
    "report_close": "보고서 마감",
    "report_reopen": "보고서 다시 열기",
    "privacy_purge": "보존기간 지난 개인정보 파기",
    "privacy_forget": "개인정보 삭제 요청 처리",
    "access_log_export": "접속기록 내보내기",
    # accounts and sign-in -------------------------------------------------------------
    "login": "로그인",
    "logout": "로그아웃",
    "login_failed": "로그인 실패",
    "login_locked": "잠긴 계정 로그인 시도",
    "login_throttled": "로그인 시도 과다",
    "user_add": "사용자 추가",
    "user_role": "권한·부서 변경",
    "user_disable": "사용자 사용 중지",
    "user_enable": "사용자 다시 사용",
    "user_unlock": "계정 잠금 해제",
    "user_password_reset": "비밀번호 재설정",
    "notification_settings": "알림 설정 변경",
    # refusals (web/refusals.py) ---------------------------------------------------------
    "refused": "거부됨 (권한 없음)",
    "not_found": "거부됨 (없는 항목·다른 부서 항목)",
    "unauthenticated": "거부됨 (로그인 없이 접근)",
}
"""Every recorded action, by the name the code writes."""

FIELDS: dict[str, str] = {
    "department": "부서",
    "assignee": "담당자",
    "reason": "사유",
    "reference": "접수번호",
    "tag": "태그",
    "tags": "태그",
    "priority": "우선순위",
    "holder": "잠금한 사람",
    "rules": "분류 규칙",
    "status": "상태",
    "kind": "종류",
    "state": "답변 상태",
    "answer": "답변 번호",
    "url": "게시 주소",
    "edited": "고쳐서 승인",
    "note_length": "메모 길이",
    "length": "길이",
    "refused": "결과",
    "closed": "마감 여부",
    "added": "입력",
    "kinds": "개인정보 종류",
    "route": "화면",
    "locked": "계정 잠김",
    "format": "형식",
    "pseudonymized": "가명처리",
    "rows": "행 수",
    "channel": "경로",
    "q": "검색어",
    "platform": "플랫폼",
    "account": "계정",
    "from": "부터",
    "to": "까지",
    "overdue": "기한초과만",
    "answered": "구청 답글",
    "manual": "직접 입력만",
    "check": "점검 게시물만",
    "staff": "직원",
    "action": "작업",
    "target": "대상",
    "subject": "정보주체",
    "failed": "거부·실패만",
    "role": "권한",
    "disabled": "사용 중지",
    "generated": "비밀번호 생성",
    "count": "건수",
    "name": "이름",
    "template": "상용구",
    "title": "제목",
    "text_length": "글자 수",
    "upstream": "플랫폼 요청",
    "platform_action": "플랫폼 요청 번호",
    "requested_by": "요청한 사람",
    "requested_at": "요청 시각",
    "error": "오류 종류",
    "message": "내용",
}
"""Detail keys (review events, access-log records) as field names."""

ROUTES: dict[str, str] = {
    "inbox": "검토함",
    "bulk": "일괄 처리",
    "thread": "댓글 화면",
    "act": "검토 작업",
    "reveal": "개인정보 보기",
    "manual": "직접 입력 화면",
    "manual_add": "직접 입력",
    "dismiss_check": "점검 게시물 닫기",
    "access_log": "접속기록",
    "access_log_export": "접속기록 내보내기",
    "reports": "월간 보고서",
    "reports_download": "보고서 내려받기",
    "reports_close": "보고서 마감",
    "reports_reopen": "보고서 다시 열기",
    "report_jobs": "보고서 진행 상황",
    "report_file": "보고서 파일",
    "job": "작업 번호",
    "users": "사용자 관리",
    "user_add": "사용자 추가",
    "user_change": "사용자 변경",
    "logout": "로그아웃",
    "answers": "답변 목록",
    "answer_templates": "상용구",
    "dashboard": "첫 화면",
    "notification_settings": "알림 설정",
    "departments": "부서 관리",
}
"""Route names (`RouteSpec.name`) as page names, for refusals in the access log."""

TARGET_KINDS = {
    "comment": "댓글",
    "post": "게시물",
    "check_item": "점검 게시물",
    "report": "보고서",
    "user": "사용자",
    "answer": "답변",
    "template": "상용구",
    "department": "부서",
}
TARGET_PAGES = {
    "inbox": "검토함",
    "check_items": "점검 게시물",
    "reports": "월간 보고서",
    "access_log": "접속기록",
    "users": "사용자 관리",
    "privacy": "개인정보",
}
VALUES: dict[str, str] = {
    "first": "1차 답변",
    "final": "최종 답변",
    "web": "웹",
    "cli": "명령줄",
    "yes": "있음",
    "no": "없음",
    "csv": "CSV",
    "xlsx": "XLSX",
    "html": "HTML",
    "pdf": "PDF",
    "hide": "숨김",
    "unhide": "숨김 해제",
    **{state.value: label for state, label in STATE_LABELS.items()},
    **ROLES,
    **PLATFORM_LABELS,
}
"""Recorded values that are names, not text (answer kinds and states, roles, ...)."""


def action_label(name: str) -> str:
    """The Korean name of a recorded action; unknown names stay readable."""
    return ACTIONS.get(name) or f"기타 작업 ({name})"


def role_label(value: str | None) -> str:
    """The Korean name of a role value (`admin` -> 관리자); empty for none."""
    if not value:
        return ""
    return ROLES.get(value) or value


def role_choices() -> list[tuple[str, str]]:
    """(value, label) for every role, for a select box."""
    return [(role.value, ROLE_LABELS[role]) for role in Role]


def actor_label(name: str) -> str:
    """A staff name, or the Korean name of a system actor."""
    return SYSTEM_ACTORS.get(name, name)


def target_label(target: str | None) -> str:
    """`comment:12` -> `댓글 12`, `report:2026-11` -> `보고서 2026-11`; paths stay."""
    if not target:
        return ""
    if target in TARGET_PAGES:
        return TARGET_PAGES[target]
    kind, sep, key = target.partition(":")
    if sep and kind in TARGET_KINDS:
        return f"{TARGET_KINDS[kind]} {key}"
    return target


def target_code(text: str) -> str:
    """What staff type as a target (`댓글 12`) as it is recorded (`comment:12`)."""
    words = text.split()
    codes = {label: kind for kind, label in TARGET_KINDS.items()}
    if len(words) == 2 and words[0] in codes:
        return f"{codes[words[0]]}:{words[1]}"
    pages = {label: code for code, label in TARGET_PAGES.items()}
    return pages.get(text.strip(), text.strip())


def field_label(key: str) -> str:
    """A detail key as a field name (unknown keys as they are)."""
    return FIELDS.get(key, key)


def korean_datetime(value: datetime, with_year: bool = True, seconds: bool = False) -> str:
    """`2026년 12월 4일 (금) 14:30` (the value already in the office's time zone)."""
    day = f"{value.month}월 {value.day}일 ({WEEKDAYS[value.weekday()]})"
    prefix = f"{value.year}년 " if with_year else ""
    return f"{prefix}{day} {value:%H:%M:%S}" if seconds else f"{prefix}{day} {value:%H:%M}"


def korean_date(value: datetime) -> str:
    """`2026년 12월 4일 (금)`."""
    return f"{value.year}년 {value.month}월 {value.day}일 ({WEEKDAYS[value.weekday()]})"


month_label = korean_month
