"""How a VerifyReport looks on screen: the verdict, each finding with its fix and its proof.

The severity is a word (FAIL, NOT PROVEN, WARN) in bold, so it reads the same under NO_COLOR;
every text from AWS (user names, ARNs, messages) is escaped, never read as markup.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from screens.widgets.status import BAD, GOOD, WARN

_MARKS = {"fail": f"[{BAD}]FAIL[/]", "unproven": f"[{WARN}]NOT PROVEN[/]", "warn": "[b]WARN[/]"}


def report_markup(report: Any, title: str, limit: int = 40) -> str:
    """The report as Rich markup; at most `limit` findings, then "... and N more"."""
    verdict = f"[b {GOOD}]holds[/]" if report.holds else f"[{BAD}]does NOT hold[/]"
    lines = [f"[b]{escape(title)}[/b]: {verdict}"]
    for f in report.findings[:limit]:
        lines.append(
            f"  {_MARKS[f.severity]} {escape(f.check)} [b]{escape(f.subject)}[/b]: "
            f"{escape(f.detail)}"
        )
        lines.append(f"      fix: {escape(f.fix)}  [dim](proven by {escape(f.proven_by)})[/dim]")
    if len(report.findings) > limit:
        lines.append(f"  ... and {len(report.findings) - limit} more (mfa-wizard verify lists all)")
    if report.checked:
        proofs = sorted({c.proven_by for c in report.checked})
        lines.append(
            f"  [b]ok[/b] {len(report.checked)} thing(s) proven to hold "
            f"[dim](by {escape(', '.join(proofs))})[/dim]"
        )
    for text in report.not_shown:
        lines.append(f"  [dim]Not shown by this endpoint: {escape(text)}[/dim]")
    for text in report.notes:
        lines.append(f"  [dim]{escape(text)}[/dim]")
    return "\n".join(lines)
