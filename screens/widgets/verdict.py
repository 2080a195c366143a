"""How a VerifyReport looks on screen: the verdict, each finding with its fix and its proof.

The severity is a word (FAIL, NOT PROVEN, WARN) in bold, so it reads the same under NO_COLOR;
every text from AWS (user names, ARNs, messages) is escaped, never read as markup.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from screens.widgets.status import BAD, GOOD, WARN
from wizard.i18n import _

# The severity words stay as they are in every language: FAIL / NOT PROVEN / WARN are what
# `mfa-wizard verify` prints and what its JSON holds, and what an admin searches for.
_MARKS = {"fail": f"[{BAD}]FAIL[/]", "unproven": f"[{WARN}]NOT PROVEN[/]", "warn": "[b]WARN[/]"}


def report_markup(report: Any, title: str, limit: int = 40) -> str:
    """The report as Rich markup; at most `limit` findings, then "... and N more"."""
    verdict = (
        _("[b {good}]holds[/]").format(good=GOOD)
        if report.holds
        else _("[{bad}]does NOT hold[/]").format(bad=BAD)
    )
    lines = [f"[b]{escape(title)}[/b]: {verdict}"]
    for f in report.findings[:limit]:
        lines.append(
            f"  {_MARKS[f.severity]} {escape(f.check)} [b]{escape(f.subject)}[/b]: "
            f"{escape(f.detail)}"
        )
        lines.append(
            _("      fix: {escape}  [dim](proven by {escape2})[/dim]").format(
                escape=escape(f.fix), escape2=escape(_(f.proven_by))
            )
        )
    if len(report.findings) > limit:
        lines.append(
            _("  ... and {value} more (mfa-wizard verify lists all)").format(
                value=len(report.findings) - limit
            )
        )
    if report.checked:
        proofs = sorted({_(c.proven_by) for c in report.checked})
        lines.append(
            _("  [b]ok[/b] {count} thing(s) proven to hold [dim](by {escape})[/dim]").format(
                count=len(report.checked), escape=escape(", ".join(proofs))
            )
        )
    for text in report.not_shown:
        lines.append(
            _("  [dim]Not shown by this endpoint: {escape}[/dim]").format(escape=escape(text))
        )
    for text in report.notes:
        lines.append(_("  [dim]{escape}[/dim]").format(escape=escape(text)))
    return "\n".join(lines)
