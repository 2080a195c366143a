"""wizard/plan.py: the one apply loop every step uses."""

from __future__ import annotations

from wizard.plan import Change, Progress, Status, apply_plan


def test_apply_plan_runs_changes_in_order_first_kinds_first_and_routes_waiting_lines():
    ran: list[str] = []
    progress = Progress()

    def run(name: str, say: bool = False):
        def go() -> str:
            if say:
                assert progress.say is not None
                progress.say("waiting for IAM to propagate the new role")
            ran.append(name)
            return f"made {name}"

        return go

    changes = [
        Change("s3 bucket", "b", Status.CREATE, "", run=run("b")),
        Change("alarm", "a", Status.NOTHING, "", run=run("never")),
        Change("note", "n", Status.INFO, ""),
        Change("iam role", "r", Status.UPDATE, "", run=run("r", say=True)),
        Change("policy version", "v", Status.DELETE, "", run=run("v")),
    ]
    heard: list[tuple[int, int, str]] = []
    results = apply_plan(
        changes, progress, lambda i, n, text: heard.append((i, n, text)), frozenset({"iam role"})
    )
    assert ran == ["r", "b", "v"]
    assert [(c.kind, c.name, answer) for c, answer in results] == [
        ("iam role", "r", "made r"),
        ("s3 bucket", "b", "made b"),
        ("policy version", "v", "made v"),
    ]
    assert heard[:2] == [
        (1, 3, "update iam role r"),
        (1, 3, "waiting for IAM to propagate the new role"),
    ]
    assert heard[2] == (2, 3, "create s3 bucket b")


def test_a_change_without_run_or_with_a_resting_status_changes_nothing():
    assert not Change("x", "y", Status.CREATE, "").changes
    assert not Change("x", "y", Status.REUSE, "", run=lambda: "").changes
    assert Change("x", "y", Status.DELETE, "", run=lambda: "").changes
    doc = Change(
        "kms key", "k", Status.CREATE, "d", "aws kms create-key", cost="$1/month"
    ).to_json()
    assert doc["cost"] == "$1/month" and doc["status"] == "create"
