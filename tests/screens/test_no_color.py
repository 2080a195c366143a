"""NO_COLOR: what matters reads from its words and bold or reverse, and no text fades into its
ground (Textual greys every colour, and red on a dark ground turned near-black on black)."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.widget import Widget
from textual.widgets import DataTable

from screens.app import WizardContext, create_app
from tests.screens.conftest import sample_audit
from wizard.aws import Services
from wizard.models import CallerIdentity


@pytest.fixture
def no_color_app(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # read when the app is made
    return create_app(
        WizardContext(
            services=Services(session=None, region="ap-northeast-1"),
            identity=CallerIdentity(
                "111122223333", "arn:aws:iam::111122223333:user/admins/admin", "AIDAEXAMPLE"
            ),
            audit_runner=sample_audit,
        )
    )


def shown(widget: Widget, y: int) -> list[Segment]:
    """Line `y` of `widget` as the terminal gets it: rendered, then through the app's filters."""
    segments = list(widget.render_line(y))
    for line_filter in widget.app.get_line_filters():
        segments = line_filter.apply(segments, widget.background_colors[1])
    return segments


def contrast(segment: Segment) -> float:
    style = segment.style
    assert style is not None and style.color is not None and style.bgcolor is not None
    fg = Color.from_rich_color(style.color)
    bg = Color.from_rich_color(style.bgcolor)
    return abs(fg.brightness - bg.brightness)


def assert_every_text_readable(screen: Widget) -> None:
    """Every piece of text on `screen`, as the terminal gets it, stands off its own ground."""
    for widget in screen.query(Widget):
        if not widget.display or widget.region.height == 0:
            continue
        for y in range(widget.region.height):
            for segment in shown(widget, y):
                style = segment.style
                if segment.text.strip() and style and style.color and style.bgcolor:
                    assert contrast(segment) >= 0.25, (widget, segment)


def is_grey(segment: Segment) -> bool:
    style = segment.style
    assert style is not None
    return all(
        c is None or len({*Color.from_rich_color(c).rgb}) == 1 for c in (style.color, style.bgcolor)
    )


async def test_findings_read_without_colour(no_color_app):
    async with no_color_app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        cells = [s for y in range(1, 4) for s in shown(table, y) if s.text.strip() == "NO"]
        assert len(cells) == 3
        for cell in cells:
            assert is_grey(cell)
            assert cell.style.bold and cell.style.reverse  # meaning from style, not hue
            assert contrast(cell) >= 0.4  # was 0.03: near-black on black
        summary = pilot.app.screen.query_one("#audit-summary")
        off = [s for s in shown(summary, 0) if s.text == "OFF"]
        assert off and off[0].style.reverse and contrast(off[0]) >= 0.4
        # Every piece of text on the Audit screen stays readable against its own ground.
        assert_every_text_readable(pilot.app.screen)


def test_no_color_audit_snapshot(no_color_app, snap_compare):
    async def run_before(pilot):
        from tests.support.pilot import drawn

        await drawn(pilot)

    assert snap_compare(no_color_app, terminal_size=(80, 24), run_before=run_before)


async def test_export_format_reads_without_colour(no_color_app):
    async with no_color_app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        csv = pilot.app.screen.query_one("#format-csv")
        json = pilot.app.screen.query_one("#format-json")
        assert "(•)" in "".join(s.text for s in shown(csv, 0))
        assert "( )" in "".join(s.text for s in shown(json, 0))


async def test_a_light_theme_keeps_findings_marked_and_text_readable(sample_app):
    async with sample_app.run_test(size=(80, 24)) as pilot:
        pilot.app.theme = "textual-light"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        cells = [s for y in range(1, 4) for s in shown(table, y) if s.text.strip() == "NO"]
        assert cells and all(c.style.bold and c.style.reverse for c in cells)
        assert_every_text_readable(pilot.app.screen)
