"""One `monitor apply` per account and region: across processes (tests/integration), and across
threads of one process (a second F6 in the TUI), re-entrant only for the thread holding it."""

from __future__ import annotations

import threading

import pytest

from wizard.errors import UsageError
from wizard.monitoring.lock import apply_lock


def test_the_holding_thread_re_enters_and_another_thread_is_refused():
    refused: list[str] = []

    def second_apply() -> None:
        try:
            with apply_lock("123456789012", "us-east-1"):
                refused.append("")
        except UsageError as exc:
            refused.append(exc.message)

    with apply_lock("123456789012", "us-east-1"), apply_lock("123456789012", "us-east-1"):
        other = threading.Thread(target=second_apply)
        other.start()
        other.join()
    assert len(refused) == 1 and "another `monitor apply` is running" in refused[0]
    assert "pid " in refused[0]
    # Released: the next apply (any thread) goes ahead; another region never waited.
    second_apply()
    assert refused[-1] == ""
    with apply_lock("123456789012", "us-east-1"), apply_lock("123456789012", "eu-west-1"):
        pass


def test_a_link_planted_at_the_lock_is_refused_never_truncated(tmp_path, monkeypatch):
    journal = tmp_path / "state" / "journal.jsonl"
    journal.parent.mkdir()
    monkeypatch.setenv("MFA_WIZARD_JOURNAL", str(journal))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (journal.parent / ".monitor-apply-123456789012-us-east-1.lock").symlink_to(precious)
    with pytest.raises(UsageError, match="symbolic link"), apply_lock("123456789012", "us-east-1"):
        pass
    assert precious.read_text() == "keep me"
