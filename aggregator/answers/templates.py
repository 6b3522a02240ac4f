"""Answer templates (상용구): placeholders filled in before the answer is stored.

A template's body names placeholders in braces: {부서명} {전화번호} {담당자}, and
{접수번호}, the inbox's case number of the comment. The case number makes each answer's
text unique, which X's duplicate check needs (the same 상용구 sent to two residents is
refused as duplicate content) and which makes the read-back after a crash exact. The
text is never changed after expansion: what staff preview is what is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aggregator.answers.states import AnswerError

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")
KNOWN = ("부서명", "전화번호", "담당자", "접수번호")


def case_number(comment_id: int) -> str:
    """The case number residents see for a comment (`{접수번호}`)."""
    return f"No.{comment_id}"


def placeholders(body: str) -> list[str]:
    """The placeholder names a template body uses, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(body)))


def check_body(body: str) -> None:
    """Raise `AnswerError` when a template names a placeholder nobody fills."""
    unknown = [name for name in placeholders(body) if name not in KNOWN]
    if unknown:
        names = ", ".join("{" + n + "}" for n in KNOWN)
        raise AnswerError(f"알 수 없는 자리표시자 {{{unknown[0]}}} (쓸 수 있는 것: {names})")


def expand(body: str, values: Mapping[str, str]) -> str:
    """The body with every placeholder filled; `AnswerError` names the first one missing."""
    check_body(body)
    missing = [name for name in placeholders(body) if not values.get(name)]
    if missing:
        raise AnswerError(f"상용구의 {{{missing[0]}}} 값이 없습니다")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


def values_for(
    department: str | None, phone: str, handler: str | None, comment_id: int
) -> dict[str, str]:
    """The placeholder values for an answer to comment `comment_id`: its department, that
    department's phone (`AnswersSection.phone_for`), the officer who answers, the case number.
    Empty values stay empty so that `expand` names what is missing."""
    return {
        "부서명": department or "",
        "전화번호": phone,
        "담당자": handler or "",
        "접수번호": case_number(comment_id),
    }


def preview(body: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """The body as it will read with `values`, and the placeholders that have no value
    (left in braces, so the office sees where): the 상용구 page's preview."""
    check_body(body)
    missing = [name for name in placeholders(body) if not values.get(name)]
    filled = PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), body)
    return filled, missing
