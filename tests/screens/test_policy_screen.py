"""The Enforce step driven by Pilot against the moto server."""

from __future__ import annotations

from textual.widgets import Button, SelectionList, Static

from screens.dialogs import ConfirmDialog
from screens.policy import PolicyScreen
from tests.support.pilot import settle
from wizard.policies import DEFAULT_GROUP

ARN = "arn:aws:iam::123456789012:policy/mfa-wizard/RequireMFA"


async def open_enforce(pilot):
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PolicyScreen)
    return screen


def plan_text(screen) -> str:
    return str(screen.query_one("#enforce-plan", Static).render())


def groups(services):
    return {g["GroupName"] for g in services.iam.list_groups()["Groups"]}


async def test_preview_apply_nothing_to_do_undo(demo_app, services):
    async with demo_app.run_test(size=(100, 40), notifications=True) as pilot:
        screen = await open_enforce(pilot)
        text = plan_text(screen)
        assert "create the policy /mfa-wizard/RequireMFA" in text
        assert "admin (you)" in text  # left out, with the reason
        assert "until they enrol" in text
        selected = set(screen.query_one("#enforce-users", SelectionList).selected)
        assert "admin" not in selected and "dave.sato" in selected
        # Nothing has changed in AWS yet.
        assert DEFAULT_GROUP not in groups(services)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("enter")  # Cancel has the focus: a stray Enter changes nothing
        await settle(pilot)
        assert DEFAULT_GROUP not in groups(services)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert DEFAULT_GROUP in groups(services)
        members = {u["UserName"] for u in services.iam.get_group(GroupName=DEFAULT_GROUP)["Users"]}
        assert members == selected
        # Read again after applying: what was done, and that everything is in place now.
        assert "Applied: " in plan_text(screen) and "Everything is in place now." in plan_text(
            screen
        )
        # The step ends by proving its own outcome through verify's code: AWS's simulator
        # (the realism layer's) says each of them is denied without MFA.
        assert "Proven, user by user: holds" in plan_text(screen)
        assert "iam:SimulatePrincipalPolicy" in plan_text(screen)
        assert screen.query_one("#enforce-apply", Button).disabled
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert DEFAULT_GROUP not in groups(services)
        assert "create the group MFARequired" in plan_text(screen)


async def test_choosing_the_admin_is_refused(demo_app, services):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_enforce(pilot)
        users = screen.query_one("#enforce-users", SelectionList)
        users.deselect_all()
        users.select("admin")
        await pilot.pause()
        assert "Selection changed" in plan_text(screen)
        assert screen.query_one("#enforce-apply", Button).disabled
        await pilot.press("p")
        await settle(pilot)
        assert "Refused:" in plan_text(screen) and "long-term access keys" in plan_text(screen)
        assert screen.query_one("#enforce-apply", Button).disabled
        await pilot.press("a")  # hidden and inert while refused
        await settle(pilot)
        assert DEFAULT_GROUP not in groups(services)


def test_enforce_screen_snapshot(stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_the_plan_keeps_its_height_with_the_policy_text_expanded(demo_app):
    from textual.widgets import Collapsible

    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enforce(pilot)
        screen.query_one("#policy-collapsible", Collapsible).collapsed = False
        await settle(pilot)
        plan = screen.query_one("#enforce-plan", Static)
        assert plan.region.height > 0 or plan.virtual_region.height > 0
        assert plan.size.height >= 3  # the plan is laid out whole; the body scrolls to it


async def test_the_undo_confirmation_lists_every_change_it_will_undo(demo_app, services):
    from wizard.journal import read
    from wizard.undo import undoable

    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_enforce(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        todo = undoable(read(), services, step="enforce")
        assert len(todo) > 10  # more than the dialog once showed, without a word
        await pilot.press("u")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert len(dialog.body.splitlines()) == len(todo)
        await pilot.press("n")
        assert screen.plan is not None


async def test_apply_refuses_a_plan_made_for_other_users(demo_app, services):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_enforce(pilot)
        screen.chosen.discard("dave.sato")  # as if the choice changed without any event
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ConfirmDialog)
        assert "press p to preview" in plan_text(screen)
        assert DEFAULT_GROUP not in groups(services)


def add_console_users(services, count: int) -> list[str]:
    names = [f"bulk-{n:02d}" for n in range(count)]
    for name in names:
        services.iam.create_user(UserName=name, Path="/bulk/")
        services.iam.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    return names


async def test_many_users_impact_is_totals_first_detail_behind_a_filter(demo_app, services):
    names = add_console_users(services, 40)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_enforce(pilot)
        text = plan_text(screen)
        assert "Impact on 51 users" in text  # the demo's 11 chosen, and the 40
        assert "45 lose access (all but MFA set-up) until they enrol" in text
        assert "bulk-07:" not in text  # no line per user until asked
        assert "d: the" in text
        await pilot.press("d")
        text = plan_text(screen)
        assert all(f"{n}:" in text for n in names)
        # The search narrows the detail and the list alike.
        await pilot.press("slash", *"bulk-1")
        await pilot.pause()
        text = plan_text(screen)
        assert "Affected (10 matching 'bulk-1')" in text and "bulk-07:" not in text
        users = screen.query_one("#enforce-users", SelectionList)
        assert users.option_count == 10
        # None (-) un-chooses only the users shown; the others stay chosen.
        await pilot.press("escape")  # out of the field: - is a key again
        await pilot.press("minus")
        await pilot.pause()
        assert screen.chosen.isdisjoint({f"bulk-1{n}" for n in range(10)})
        assert "bulk-07" in screen.chosen and screen.plan is None
        assert "41 of 52 chosen · 10 shown" in str(screen.query_one("#users-title").render())
        await pilot.press("plus")
        await pilot.pause()
        assert {f"bulk-1{n}" for n in range(10)} <= screen.chosen
        await pilot.press("p")
        await settle(pilot)
        # c: each change's command line, as the CLI's dry-run shows.
        assert "$ aws iam" not in plan_text(screen)
        await pilot.press("c")
        assert "$ aws iam create-policy" in plan_text(screen)
        assert "(and 50 more, one per user)" in plan_text(screen)


def test_enforce_totals_snapshot(stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(120, 40), run_before=run_before)


async def test_apply_confirms_the_impact_and_undo_unmarks_the_step(demo_app, services):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_enforce(pilot)
        await pilot.press("a")
        await pilot.pause()
        body = pilot.app.screen.body
        assert "Impact:" in body and "lose access (all but MFA set-up) until they enrol" in body
        assert " more" not in body  # nine users: every name is given
        await pilot.press("y")
        await settle(pilot)
        assert "enforce" in pilot.app.ctx.done
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "enforce" not in pilot.app.ctx.done
        assert "✓" not in str(screen.query_one("#step-enforce").render())
        assert "✓ done" not in str(screen.query_one("#step-explanation").render())
