"""Seed 004's AWS Config beside the trail: a timeline of who changed what.

One recorder and one delivery channel per region (AWS's limit). The wizard's are named
`mfa-wizard`; a recorder or channel of another name is reused, never replaced nor started or
stopped: the plan says what it records and what differs. Ours records every supported type
(global types such as IAM included: record those in one region only) or only IAM's types
(--config-iam-only), through the AWS Config service-linked role, and delivers to the trail
bucket under config/ (the bucket and key policies grant config.amazonaws.com for this account).

Cost: $0.003 per configuration item recorded (continuous recording, us-east-1, 2025); each change
to a recorded resource is one item.

Needs: config:Describe*/Put*/Start*/Stop*/Delete* on recorders and channels,
iam:CreateServiceLinkedRole, iam:ListRoles, iam:PassRole for the service-linked role.
"""

from __future__ import annotations

from typing import Any

from wizard.errors import UsageError, WizardError, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import Change, PlannerBase
from wizard.monitoring.documents import CONFIG_PREFIX
from wizard.monitoring.names import CONFIG_ITEM_PRICE
from wizard.plan import Status

IAM_TYPES = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"]
SERVICE = "config.amazonaws.com"
SLR_PATH = f"/aws-service-role/{SERVICE}/"


def recording_group(iam_only: bool) -> dict[str, Any]:
    """What the recorder records: every supported type, or IAM's four."""
    if iam_only:
        return {
            "allSupported": False,
            "includeGlobalResourceTypes": False,
            "resourceTypes": IAM_TYPES,
            "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
        }
    return {"allSupported": True, "includeGlobalResourceTypes": True}


def records_iam(group: dict[str, Any]) -> bool:
    """Whether a recording group covers IAM users, groups, roles and policies (pure)."""
    if group.get("allSupported", True):
        return bool(group.get("includeGlobalResourceTypes", False))
    return set(IAM_TYPES) <= set(group.get("resourceTypes") or [])


def describe_recording(group: dict[str, Any]) -> str:
    """'all supported types (global included)', 'IAM only', or 'N types' (pure)."""
    if group.get("allSupported", True):
        if group.get("includeGlobalResourceTypes"):
            return _("all supported types (global included)")
        return _("all supported types")
    if records_only_iam(group):
        return _("IAM only")
    return _("{count} resource types").format(count=len(group.get("resourceTypes") or []))


def records_only_iam(group: dict[str, Any]) -> bool:
    """Whether a recording group records IAM's four types and nothing else (pure)."""
    types = set(group.get("resourceTypes") or [])
    return not group.get("allSupported", True) and types == set(IAM_TYPES)


def config_state(services: Any, full: bool = True) -> dict[str, Any]:
    """The region's recorder(s), their status and channel(s), as Config describes them. Not
    `full` and no recorder: the one call that says so (the status and channels are not read)."""
    config = services.client("config")
    statuses: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    with aws_errors("DescribeConfigurationRecorders"):
        recorders = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
        if full or recorders:
            statuses = config.describe_configuration_recorder_status().get(
                "ConfigurationRecordersStatus", []
            )
            channels = config.describe_delivery_channels().get("DeliveryChannels", [])
    return {
        "recorders": recorders,
        "recording": {s["name"]: bool(s.get("recording")) for s in statuses},
        "last_status": {s["name"]: s.get("lastStatus", "") for s in statuses},
        "channels": channels,
    }


def delivery_failures(services: Any, channel: str) -> list[str]:
    """The deliveries of `channel` whose last attempt failed, as 'kind: error code' (none: [])."""
    config = services.client("config")
    with aws_errors("DescribeDeliveryChannelStatus"):
        found = config.describe_delivery_channel_status(DeliveryChannelNames=[channel])
    failed = []
    for status in found.get("DeliveryChannelsStatus", []):
        for kind in (
            "configSnapshotDeliveryInfo",
            "configHistoryDeliveryInfo",
            "configStreamDeliveryInfo",
        ):
            info = status.get(kind) or {}
            if str(info.get("lastStatus", "")).upper() == "FAILURE":
                failed.append(f"{kind}: {info.get('lastErrorCode') or 'failed'}")
    return failed


def config_slr_arn(iam: Any) -> str | None:
    """The AWS Config service-linked role's ARN, or None (found by its path, whatever its name)."""
    with aws_errors("ListRoles"):
        pages = iam.get_paginator("list_roles").paginate(PathPrefix=SLR_PATH)
        roles = [r for page in pages for r in page["Roles"]]
    return roles[0]["Arn"] if roles else None


class ConfigMixin(PlannerBase):
    """AWS Config: ours planned as create/update/nothing, another's reused as it is."""

    def config_wanted(self) -> bool:
        """Asked for, or ours is there already (its grants in the bucket policy then stay).
        Without --config-recorder an unreadable Config (no permission) only means "not ours"."""
        try:
            self._config = config_state(self.s, full=self.o.config_recorder)
        except WizardError:
            if self.o.config_recorder:
                raise
            self._config = {"recorders": [], "recording": {}, "channels": []}
        recorders = self._config["recorders"]
        ours = any(r["name"] == self.n.config_recorder for r in recorders)
        # A region's recorder of another name is reused, delivering where it does: no grants.
        self.with_config = ours or (self.o.config_recorder and not recorders)
        return self.o.config_recorder

    def plan_config(self, bucket_is_ours: bool) -> None:
        """The service-linked role, the recorder, the channel, recording started; or reuse."""
        state = self._config
        foreign = [r for r in state["recorders"] if r["name"] != self.n.config_recorder]
        if foreign:
            self._reuse_recorder(foreign[0], state)
            return
        if not bucket_is_ours:
            raise UsageError(
                _(
                    "--config-recorder delivers to mfa-wizard's trail bucket, and this plan reuses "
                    "another trail (so there is no such bucket)"
                ),
                _(
                    "add --new-trail, or set up AWS Config's delivery channel to your bucket yourself"
                ),
            )
        self._plan_role()
        self._plan_recorder(state)
        self._plan_channel(state)
        self._plan_start(state)
        self.notes.append(
            _(
                "AWS Config bills ${price} per configuration item recorded: each change to a "
                "recorded resource is one item (1,000 changes a month: about $3). "
            ).format(price=CONFIG_ITEM_PRICE)
            + (
                _(
                    "This recorder records IAM users, groups, roles and policies only. AWS "
                    "records IAM types only in Regions where AWS Config existed before February "
                    "2022: in a newer Region this recorder records nothing; run it in such a "
                    "Region."
                )
                if self.o.config_iam_only
                else _(
                    "Global types (IAM) are recorded here: record them in this Region only; in "
                    "other Regions set includeGlobalResourceTypes to false, or each Region "
                    "records every IAM change again."
                )
            )
        )

    def _reuse_recorder(self, recorder: dict[str, Any], state: dict[str, Any]) -> None:
        group = recorder.get("recordingGroup") or {}
        recording = state["recording"].get(recorder["name"], False)
        self.add(
            Change(
                N_("config recorder"),
                recorder["name"],
                Status.REUSE,
                (
                    _(
                        "reuse the region's recorder (records {what}; recording): a region has "
                        "one, never replaced"
                    )
                    if recording
                    else _(
                        "reuse the region's recorder (records {what}; STOPPED): a region has "
                        "one, never replaced"
                    )
                ).format(what=describe_recording(group)),
            )
        )
        differs = []
        if not records_iam(group):
            differs.append(_("it does not record IAM users, groups, roles and policies"))
        if self.o.config_iam_only and not records_only_iam(group):
            differs.append(_("it records more than IAM (--config-iam-only asked for IAM only)"))
        if not recording:
            differs.append(
                _("it is stopped: `{command}`").format(
                    command="aws configservice start-configuration-recorder "
                    f"--configuration-recorder-name {recorder['name']}"
                )
            )
        if not state["channels"]:
            differs.append(_("it has no delivery channel, so nothing is delivered"))
        if differs:
            self.notes.append(
                _(
                    "The existing AWS Config recorder {name} has other settings, kept as they are "
                    "(mfa-wizard never replaces a recorder): {differs}."
                ).format(name=recorder["name"], differs=_("; ").join(differs))
            )

    def _plan_role(self) -> None:
        iam = self.s.iam
        if config_slr_arn(iam):
            self.add(Change(N_("iam role"), "AWSServiceRoleForConfig", Status.NOTHING, _("exists")))
            return

        def run() -> str:
            with aws_errors("CreateServiceLinkedRole"):
                answer = iam.create_service_linked_role(AWSServiceName=SERVICE)
            # Not journaled for undo: AWS deletes a service-linked role only when nothing uses it.
            return answer["Role"]["Arn"]

        self.add(
            Change(
                N_("iam role"),
                "AWSServiceRoleForConfig",
                Status.CREATE,
                _("AWS Config's service-linked role (AWS defines its permissions)"),
                f"aws iam create-service-linked-role --aws-service-name {SERVICE}",
                run,
            )
        )

    def _plan_recorder(self, state: dict[str, Any]) -> None:
        name = self.n.config_recorder
        wanted = recording_group(self.o.config_iam_only)
        current = next((r for r in state["recorders"] if r["name"] == name), None)

        def run() -> str:
            role = config_slr_arn(self.s.iam)
            with aws_errors("PutConfigurationRecorder"):
                self.s.client("config").put_configuration_recorder(
                    ConfigurationRecorder={
                        "name": name,
                        "roleARN": role,
                        "recordingGroup": wanted,
                    }
                )
            if current is None:
                self.journal(
                    "create_config_recorder",
                    name,
                    undo={"op": "delete_config_recorder", "name": name},
                )
            else:  # what it recorded before is in the plan shown; undo cannot put it back
                self.journal("update_config_recorder", name)
            return name

        what = _("records {what}").format(what=describe_recording(wanted))
        if current is None:
            status = Status.CREATE
        elif _same_group(current.get("recordingGroup") or {}, wanted):
            self.add(Change(N_("config recorder"), name, Status.NOTHING, what))
            return
        else:
            status, what = (
                Status.UPDATE,
                _("{what} (now {now})").format(
                    what=what, now=describe_recording(current["recordingGroup"])
                ),
            )
        self.add(
            Change(
                N_("config recorder"),
                name,
                status,
                what,
                f"aws configservice put-configuration-recorder --configuration-recorder name={name},...",
                run,
                cost=_("${price} per configuration item recorded (one per change)").format(
                    price=CONFIG_ITEM_PRICE
                ),
            )
        )

    def _plan_channel(self, state: dict[str, Any]) -> None:
        name = self.n.config_channel
        bucket = self.n.bucket
        current = state["channels"][0] if state["channels"] else None
        if current and current["name"] != name:
            self.add(
                Change(
                    N_("config channel"),
                    current["name"],
                    Status.REUSE,
                    _("reuse the region's delivery channel (to {get})").format(
                        get=current.get("s3BucketName")
                    ),
                )
            )
            return
        same = current and (current.get("s3BucketName"), current.get("s3KeyPrefix")) == (
            bucket,
            CONFIG_PREFIX,
        )
        what = _("deliver to {where}").format(where=f"s3://{bucket}/{CONFIG_PREFIX}/")
        if same:
            self.add(Change(N_("config channel"), name, Status.NOTHING, what))
            return

        def run() -> str:
            with aws_errors("PutDeliveryChannel"):
                self.s.client("config").put_delivery_channel(
                    DeliveryChannel={
                        "name": name,
                        "s3BucketName": bucket,
                        "s3KeyPrefix": CONFIG_PREFIX,
                    }
                )
            if current is None:
                self.journal(
                    "create_config_channel",
                    name,
                    undo={"op": "delete_config_channel", "name": name},
                )
            return name

        self.add(
            Change(
                N_("config channel"),
                name,
                Status.UPDATE if current else Status.CREATE,
                what,
                f"aws configservice put-delivery-channel --delivery-channel name={name},s3BucketName={bucket},s3KeyPrefix={CONFIG_PREFIX}",
                run,
            )
        )

    def _plan_start(self, state: dict[str, Any]) -> None:
        name = self.n.config_recorder
        if state["recording"].get(name):
            self.add(Change(N_("config recording"), name, Status.NOTHING, _("recording")))
            return

        def run() -> str:
            with aws_errors("StartConfigurationRecorder"):
                self.s.client("config").start_configuration_recorder(ConfigurationRecorderName=name)
            self.journal(
                "start_config_recorder", name, undo={"op": "stop_config_recorder", "name": name}
            )
            return "recording"

        new = not any(r["name"] == name for r in state["recorders"])
        self.add(
            Change(
                N_("config recording"),
                name,
                Status.CREATE if new else Status.UPDATE,
                _("start recording"),
                f"aws configservice start-configuration-recorder --configuration-recorder-name {name}",
                run,
            )
        )


def _same_group(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """The recording groups agree on what matters (AWS adds defaults to what it describes)."""
    keys = ("allSupported", "includeGlobalResourceTypes")
    if any(bool(current.get(k)) != bool(wanted.get(k)) for k in keys):
        return False
    return set(current.get("resourceTypes") or []) == set(wanted.get("resourceTypes") or [])


def teardown_config(services: Any, n: Any, say: Any) -> None:
    """Stop and delete our recorder and channel (ours by name); another's is never touched.
    What Config delivered stays in the trail bucket; the service-linked role stays too (AWS
    deletes it only once nothing uses it: `aws iam delete-service-linked-role`)."""
    from wizard.plan import revert

    try:
        state = config_state(services, full=False)
    except WizardError:  # no Config at this endpoint, or not readable: nothing of ours known
        return
    if any(r["name"] == n.config_recorder for r in state["recorders"]):
        revert(services, {"op": "stop_config_recorder", "name": n.config_recorder})
        say(N_("stopped AWS Config recorder {name}"), name=n.config_recorder)
    if any(c["name"] == n.config_channel for c in state["channels"]):
        revert(services, {"op": "delete_config_channel", "name": n.config_channel})
        say(N_("deleted AWS Config delivery channel {name}"), name=n.config_channel)
    if any(r["name"] == n.config_recorder for r in state["recorders"]):
        revert(services, {"op": "delete_config_recorder", "name": n.config_recorder})
        say(N_("deleted AWS Config recorder {name}"), name=n.config_recorder)
