"""The document's own words from config (`reports.office_name`, `department`,
`approval_titles`): validated with messages naming what is wrong, carried to the
document, set in the sandbox's config; and the helpers that print residents' text."""

from __future__ import annotations

import pytest

from aggregator.config import ConfigError, parse_settings
from aggregator.reports.charts import korean_font
from aggregator.reports.document import DocumentOptions
from aggregator.reports.glyphs import PLACEHOLDER, Fonts, fallback_font, wrap
from aggregator.reports.summary import amount, difference
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config


def reports(body: str) -> str:
    return f"reports:\n{body}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  approval_titles: [담당, 팀장, 과장, 국장, 구청장, 비서]", "at most 5 titles"),
        ("  approval_titles: [담당, 주무관겸팀장대리]", "1 to 6 characters"),
        ("  approval_titles: [담당, '  ']", "1 to 6 characters"),
        ("  approval_titles: [담당, 담당]", "must differ"),
        ("  office_name: '   '", "must name the office"),
        ('  department: "홍보\\t담당관"', "one line of printable text"),
        ("  office_name: " + "가" * 31, "at most 30 characters"),
    ],
)
def test_bad_cover_settings_are_refused_naming_the_key(body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(reports(body))
    assert "reports." in str(caught.value)
    assert message in str(caught.value)


def test_cover_settings_reach_the_document_with_display_names() -> None:
    settings = parse_settings(
        reports("  office_name: 한빛구청\n  department: 홍보담당관\n"
                "  approval_titles: [담당, ' 팀장 ', 과장]\n")
        + "accounts:\n  - {name: fb-page, platform: facebook, display_name: 한빛구청 페이스북,"
        " page_id: '1', access_token: {env: FB}}\n"
    )  # fmt: skip
    options = DocumentOptions.from_settings(settings)
    assert options.office_name == "한빛구청"
    assert options.department == "홍보담당관"
    assert options.approval_titles == ("담당", "팀장", "과장")
    assert options.account_names == {"fb-page": "한빛구청 페이스북"}


def test_defaults_name_a_placeholder_office_and_no_approval_boxes() -> None:
    options = DocumentOptions.from_settings(parse_settings(""))
    assert options.office_name == "○○구청"
    assert options.approval_titles == ()


def test_the_sandbox_config_names_hanbit_and_its_approval_line() -> None:
    settings = parse_settings(render_config("http://127.0.0.1:1"), environ=SANDBOX_ENV)
    assert settings.reports.office_name == "한빛구청"
    assert settings.reports.department == "홍보담당관"
    assert settings.reports.approval_titles == ["담당", "팀장", "과장"]


def test_units_and_signed_changes() -> None:
    assert amount(1234, "건") == "1,234건"
    assert amount(0.875, "%") == "87.5%"
    assert amount(12.345, "시간") == "12.3시간"
    assert amount(None, "건") == "-"
    assert difference(-3, "건") == "-3건"
    assert difference(0.032, "%") == "+3.2%p"
    assert difference(0, "%") == "0.0%p"
    assert difference(1.5, "시간") == "+1.5시간"


def test_printable_keeps_what_a_font_has_and_replaces_the_rest() -> None:
    fonts = Fonts(korean_font(), fallback_font())
    assert fonts.printable("주차\n문의\t끝") == "주차 문의 끝"
    assert fonts.printable("a\u200db\ufe0f") == "ab"
    assert fonts.printable("𓀀") == PLACEHOLDER
    if fonts.fallback is not None:
        assert fonts.printable("😀") == "😀"


def test_wrap_never_exceeds_the_width_and_loses_nothing() -> None:
    fonts = Fonts(korean_font(), fallback_font())
    text = "불법주차 " + "차량때문에통행이어렵습니다" * 8 + " end"
    lines = wrap(fonts, text, 9, 120)
    assert len(lines) > 3
    assert all(fonts.width(line, 9) <= 120 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_rendering_again_does_not_grow_matplotlibs_font_list() -> None:
    from matplotlib import font_manager

    from aggregator.reports.charts import font_context

    with font_context(korean_font()):
        pass
    before = len(font_manager.fontManager.ttflist)
    for _ in range(3):
        with font_context(korean_font()):
            pass
    assert len(font_manager.fontManager.ttflist) == before
