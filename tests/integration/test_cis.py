"""Issue 16's bar: after `enforce --all-console-users --yes` and a default `monitor apply` on a
fresh demo account, the 21 CIS checks about the trail, its buckets, log group, filters, alarms
and topic pass (tests/support/cis.py reads what Prowler's checks read); with --minimal they
do not, so the checker can fail."""

from __future__ import annotations

import json

from tests.support.cis import CHECKS, run_checks
from tests.support.cli import mfa_wizard
from tests.support.realism import AWS_LIKE

pytestmark = AWS_LIKE

CIS_EXTRAS = {
    "cloudtrail_kms_encryption_enabled",
    "cloudtrail_logs_s3_bucket_access_logging_enabled",
    "kms_cmk_rotation_enabled",
    "kms_key_not_publicly_accessible",
    "cloudwatch_log_group_kms_encryption_enabled",
    "sns_topics_kms_encryption_at_rest_enabled",
    "cloudwatch_log_metric_filter_root_usage",
}


def test_twenty_one_checks(services, demo_env, tmp_path):
    assert len(CHECKS) == 21
    before = run_checks(services)
    assert not any(before.values()), before  # a fresh account passes none of them
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    enforce = mfa_wizard("enforce", "--all-console-users", "--yes", env=env)
    assert enforce.returncode == 0, enforce.stderr
    applied = mfa_wizard("monitor", "apply", "--email", "sec@example.com", "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    after = run_checks(services)
    assert [name for name, ok in after.items() if not ok] == []
    # The plan said what the extras cost, and warned of the tamper alarm's first firing.
    assert "cost: $1/month" in applied.stdout and "$0.10/month" in applied.stdout
    assert "PutEventSelectors" in applied.stdout and "PutMetricAlarm ×" in applied.stdout
    again = mfa_wizard("monitor", "apply", "--email", "sec@example.com", "--yes", env=env)
    assert again.returncode == 0 and "Nothing to do" in again.stdout


def test_minimal_leaves_the_cis_extras_out(services, demo_env, tmp_path, realism):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    plan = mfa_wizard("monitor", "plan", "--minimal", "--format", "json", env=env)
    doc = json.loads(plan.stdout)
    assert not any(c["kind"] == "kms key" for c in doc["changes"])
    applied = mfa_wizard("monitor", "apply", "--minimal", "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    # Without the key's wait, CloudTrail met the new bucket policy still propagating, waited
    # and said so.
    assert realism.refused.get("InsufficientS3BucketPolicyException", 0) >= 1
    assert "waiting for CloudTrail to see the new bucket policy" in applied.stderr
    after = run_checks(services)
    failing = {name for name, ok in after.items() if not ok}
    # No key, no access logs, no root-usage alarm: exactly those checks fail (the topic is
    # unencrypted, so its check fails with them; the public-key check has no key to pass on).
    assert failing == CIS_EXTRAS
