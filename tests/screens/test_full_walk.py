"""The whole demo walk with Pilot: every step, the AWS state checked in moto after each, and
then every file written searched for the secrets used (MFA seeds, keys, session token)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.support.aws import good_codes, serials
from tests.support.pilot import press_button, settle
from wizard.policies import DEFAULT_GROUP

ROOT = Path(__file__).resolve().parents[2]


async def go(pilot, number: str):
    await pilot.press("escape", number)
    await settle(pilot)
    return pilot.app.screen


async def test_full_demo_walk_and_no_secret_left_behind(demo, demo_app, services, tmp_path):
    seeds_seen: list[str] = []
    session = None
    export = tmp_path / "exports"
    export.mkdir()  # exports never create directories (a typo would otherwise make a tree)
    async with demo_app.run_test(size=(120, 45), notifications=True) as pilot:
        # 1 Audit: select the first two users without MFA.
        await settle(pilot)
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        first_two = [str(k.value) for k in list(table.rows)[:2]]
        await pilot.press("space", "space")
        assert demo_app.ctx.selected_users == set(first_two)

        # 2 Enroll both, with codes computed from the seed the domain holds.
        screen = await go(pilot, "2")
        for user in sorted(first_two):
            await press_button(pilot, "#enroll-start")
            enrollment = screen.enrollment
            seeds_seen.append(enrollment._seed)
            first, second = good_codes(enrollment._seed)
            screen.query_one("#code-1", Input).value = first
            screen.query_one("#code-2", Input).value = second
            await press_button(pilot, "#enroll-verify")
            assert len(serials(services, user)) == 1
        assert screen.stage == "done"
        assert services.iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")[
            "VirtualMFADevices"
        ][0]["SerialNumber"].endswith("lost-phone-frank")

        # 3 Enforce: apply the default plan.
        screen = await go(pilot, "3")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        members = {u["UserName"] for u in services.iam.get_group(GroupName=DEFAULT_GROUP)["Users"]}
        assert set(first_two) <= members and "admin" not in members

        # 4 Session: the admin's code from the demo authenticator, then a written profile.
        screen = await go(pilot, "4")
        import pyotp

        from wizard import clock

        screen.query_one("#session-code", Input).value = pyotp.TOTP(
            demo.seeds[demo.admin_mfa_serial]
        ).at(clock.time())
        await press_button(pilot, "#session-get")
        session = screen.creds
        assert session is not None
        screen.query_one("#session-write-name", Input).value = "walk-mfa"
        await press_button(pilot, "#session-write")
        creds_file = Path.home() / ".aws" / "credentials"
        assert "[walk-mfa]" in creds_file.read_text()

        # 5 Monitor: email, plan, apply.
        screen = await go(pilot, "5")
        screen.query_one("#monitor-email", Input).value = "sec@example.com"
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        trails = services.client("cloudtrail").describe_trails()["trailList"]
        assert [t["Name"] for t in trails] == ["mfa-wizard-trail"]
        assert services.client("cloudwatch").describe_alarms(
            AlarmNames=["mfa-wizard-console-signin-without-mfa"]
        )["MetricAlarms"]

        # 6 Summary: before and after, then a Markdown export.
        screen = await go(pilot, "6")
        await settle(pilot)
        table = screen.query_one("#summary-table", DataTable)
        rows = {str(table.get_row(k)[0]): table.get_row(k) for k in table.rows}
        assert str(rows["Console users without MFA"][1]) == "5 of 12"
        assert "3 of 12" in str(rows["Console users without MFA"][2])
        assert "mfa-wizard-trail" in str(rows["Trail"][2])
        changes = str(screen.query_one("#summary-changes", Static).render())
        assert (
            "enable_mfa_device" in changes
            and "add_user_to_group" in changes
            and "create_trail" in changes
        )
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#export-path", Input).value = str(export / "posture.md")
        await press_button(pilot, "#export-go")
        report = (export / "posture.md").read_text()
        assert "| Console users without MFA | 5 of 12 | 3 of 12 |" in report

    # Every file this walk wrote, and every snapshot: no seed, secret key or session token,
    # except the credentials profile the user asked for (0600).
    secrets = {s for s in seeds_seen if s} | set(demo.seeds.values())
    secrets |= {demo.admin_secret_access_key, session.secret_access_key, session.session_token}
    places = [Path.home(), tmp_path, ROOT / "tests" / "screens" / "__snapshots__"]
    found: list[str] = []
    allowed = {Path.home() / ".aws" / "credentials"}
    for place in places:
        for path in place.rglob("*"):
            if not path.is_file():
                continue
            text = path.read_bytes().decode("utf-8", "replace")
            hits = [s for s in secrets if s in text]
            if hits and path in allowed:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600
                assert hits and all(
                    h in {session.secret_access_key, session.session_token} for h in hits
                )
            elif hits:
                found.append(str(path))
    assert found == []
    # The journal was written, 0600, and names what changed.
    journal = [p for p in Path.home().rglob("journal.jsonl")]
    assert journal and stat.S_IMODE(journal[0].stat().st_mode) == 0o600
    assert os.path.getsize(journal[0]) > 0
