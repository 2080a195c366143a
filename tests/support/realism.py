"""A realism layer in front of moto: AWS's strictness where moto is lenient.

moto answers every call at once and believes every MFA code. AWS does not:

* **Propagation.** For a few seconds after CreateRole / PutRolePolicy / AttachRolePolicy /
  CreatePolicy / CreateGroup / PutBucketPolicy / CreateKey / PutKeyPolicy, the calls that depend on
  the new thing fail with the errors AWS really returns then: CreateTrail/UpdateTrail with
  InsufficientS3BucketPolicyException, InvalidCloudWatchLogsLogGroupArnException ("Access
  denied.") or InsufficientEncryptionPolicyException; CreateLogGroup/AssociateKmsKey with a new
  key with AccessDeniedException ("... not allowed to be used with Arn ..."); CreateSchedule/UpdateSchedule with
  ValidationException ("... must allow AWS EventBridge Scheduler to assume the role");
  Attach*Policy / AddUserToGroup with NoSuchEntity; AssumeRole of a new role with AccessDenied.
* **MFA codes are checked.** EnableMFADevice needs two consecutive codes of the device's seed
  (read from moto's own backend, the server runs in this process, or of a hardware token a test
  registered with `hardware_token`), and refuses a ninth device per user (LimitExceeded); GetSessionToken and AssumeRole
  need a current code, and a code (its time step) already used for that device is refused for
  90 seconds, as AWS does.
* **The credential report takes time.** GenerateCredentialReport answers STARTED then INPROGRESS
  for `report_seconds`, and GetCredentialReport answers ReportInProgress meanwhile.
* **What moto lacks, answered here.** `iam:SimulatePrincipalPolicy` is answered from the suite's
  policy evaluator (tests/support/policy_eval.py: the user's inline and managed policies, its
  groups', Deny over Allow, NotAction, ...IfExists, and a permissions boundary, which this layer
  keeps because moto has no PutUserPermissionsBoundary); `logs:TestMetricFilter` from the filter
  evaluator (tests/support/filter_eval.py). (CreateLoginProfile's PasswordResetRequired, which
  moto drops, is kept by wizard/demo_server.py for the demo and the suite alike.) SCPs are not
  evaluated: no OrganizationsDecisionDetail.
  `simulator="absent"` leaves SimulatePrincipalPolicy to moto (which fails, as an emulator
  does), `simulator="denied"` refuses it as AWS does without the permission.
* **Throttling.** A share of requests gets the service's own throttling error (Throttling for the
  query services, ThrottlingException for the JSON ones), before moto sees them; botocore's
  standard retries must absorb it. CloudWatch (CBOR protocol) and S3 are not throttled here.

How: WSGI middleware around moto's own application (DomainDispatcherApplication), served by a
second werkzeug server in the test process. Both servers share moto's in-process backends, so
seeding through the backend and resetting through /moto-api/reset work for both; a test talks to
the realistic URL exactly as the app talks to AWS (subprocesses included). Errors are written in
each protocol's wire format so botocore parses them exactly as it parses AWS's.
"""

from __future__ import annotations

import io
import json
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

import pyotp
import pytest

from wizard import clock

STEP = 30
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
JSON_SERVICES = {"cloudtrail", "logs", "kms", "organizations"}
QUERY_SERVICES = {"iam", "sts", "sns"}
NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}

Respond = Callable[..., Any]

# Issue 12's bar: new IAM/S3/KMS things invisible to dependent calls for 3 s, 5 % of requests
# throttled, the credential report 1 s in the making (and, always, MFA codes checked).
AWS_LIKE = pytest.mark.realism(propagation=3.0, throttle=0.05, report_seconds=1.0)


@dataclass
class Settings:
    """How strict the layer is. A test changes these through the `realism` fixture."""

    propagation: float = 0.0
    throttle: float = 0.0
    report_seconds: float = 0.0
    check_codes: bool = True
    code_reuse_seconds: float = 90.0
    rng_seed: int = 12
    # GetCredentialReport answers ReportInProgress this many times after the report is ready
    # (AWS does when a report is rebuilt between the two calls).
    report_flaky_gets: int = 0
    # "on": SimulatePrincipalPolicy answered by the evaluator; "absent": left to moto (an
    # emulator without it); "denied": AccessDenied, as for a caller without the permission.
    simulator: str = "on"


@dataclass
class Request:
    """What the layer needs to know about one request."""

    service: str
    operation: str
    params: dict[str, Any]
    path: str = ""


@dataclass
class Answer:
    """An error answered instead of moto."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _State:
    fresh: dict[str, float] = field(default_factory=dict)  # "role:NAME" -> monotonic time
    used_steps: dict[tuple[str, int], float] = field(default_factory=dict)
    reserved: set[tuple[str, int]] = field(default_factory=set)  # handed out, not yet used
    report_ready_at: float | None = None
    counts: dict[str, int] = field(default_factory=dict)  # what the layer refused, by kind
    flaky_left: int = 0
    boundaries: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, user) -> arn
    answered: dict[str, int] = field(default_factory=dict)  # what the layer answered for moto
    tokens: dict[str, str] = field(default_factory=dict)  # hardware token serial -> its seed
    # (operation, calls left before it fires, what a person elsewhere does): see `meanwhile`.
    meanwhile: list[list[Any]] = field(default_factory=list)


def _param(params: dict[str, Any], name: str) -> str:
    value = params.get(name, "")
    return value if isinstance(value, str) else str(value)


def _last_segment(arn_or_name: str) -> str:
    return arn_or_name.rsplit("/", 1)[-1]


class Realism:
    """The WSGI middleware. `settings` may be replaced between tests (see `reset`)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], settings: Settings | None = None):
        self.app = app
        self.lock = threading.Lock()
        self.reset(settings or Settings())

    def reset(self, settings: Settings) -> None:
        """Forget every timer and used code; apply new settings."""
        with self.lock:
            self.settings = settings
            self.state = _State(flaky_left=settings.report_flaky_gets)
            self.rng = random.Random(settings.rng_seed)

    def unused_code(self, serial: str) -> str:
        """A code AWS would take now for `serial`: a time step in the accepted window not yet
        used (a test that needs more than three codes within 90 s must wait, as a person would)."""
        seed = device_seed(serial)
        assert seed, f"no virtual MFA device {serial} in moto"
        totp = pyotp.TOTP(seed)
        now = clock.monotonic()
        wall = clock.time()
        current = int(wall) // STEP
        # The previous step is accepted only until the next boundary: not when that is near.
        steps = (current, current + 1) + ((current - 1,) if wall % STEP < STEP - 10 else ())
        with self.lock:
            for step in steps:
                key = (serial, step)
                used = self.state.used_steps.get(key)
                if key in self.state.reserved or (
                    used is not None and now - used < self.settings.code_reuse_seconds
                ):
                    continue
                self.state.reserved.add(key)  # two calls never hand out the same step
                return totp.at(step * STEP)
        raise AssertionError("every code of the accepted window was used in the last 90 s")

    def hardware_token(self, serial: str) -> pyotp.TOTP:
        """A hardware token AWS knows (its vendor registered the seed): EnableMFADevice with its
        serial then needs two consecutive codes of it, as on AWS. Returns the token to press."""
        seed = pyotp.random_base32()
        with self.lock:
            self.state.tokens[serial] = seed
        return pyotp.TOTP(seed)

    def meanwhile(self, operation: str, after_calls: int, action: Callable[[], None]) -> None:
        """Someone elsewhere acts (registers a key in the console...) once `operation` has been
        answered `after_calls` times: the product's polling then sees it, as on AWS."""
        with self.lock:
            self.state.meanwhile.append([operation, after_calls, action])

    @property
    def answered(self) -> dict[str, int]:
        """How many requests of each operation the layer answered in moto's place."""
        with self.lock:
            return dict(self.state.answered)

    @property
    def refused(self) -> dict[str, int]:
        """How many requests each rule refused (tests show the layer really acted)."""
        with self.lock:
            return dict(self.state.counts)

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Respond) -> Iterable[bytes]:
        request = self._parse(environ)
        if request is None:
            return self.app(environ, start_response)
        answer = self._before(request)
        if answer is not None:
            start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", answer.headers)
            return [answer.body]
        captured: dict[str, str] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured["status"] = status
            return start_response(status, headers, *args)

        body = self.app(environ, capture)
        if captured.get("status", "").startswith("2"):
            self._after(request)
            self._meanwhile(request.operation)
        return body

    def _meanwhile(self, operation: str) -> None:
        due = []
        with self.lock:
            for entry in self.state.meanwhile:
                if entry[0] == operation and entry[1] > 0:
                    entry[1] -= 1
                    if entry[1] == 0:
                        due.append(entry[2])
        for action in due:
            action()

    def _parse(self, environ: dict[str, Any]) -> Request | None:
        found = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not found:
            return None
        service = found.group(1)
        access_key = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if service == "s3":
            operation = "PutBucketPolicy" if method == "PUT" and "policy" in query else "s3"
            return Request(service, operation, {"Bucket": path.strip("/").split("/")[0]}, path)
        if service not in QUERY_SERVICES | JSON_SERVICES | {"scheduler"}:
            return Request(service, "", {}, path)
        body = self._body(environ)
        if service in QUERY_SERVICES:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            form["_access_key"] = access_key.group(1) if access_key else ""
            return Request(service, form.get("Action", ""), form, path)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        if service == "scheduler":
            verb = {"POST": "CreateSchedule", "PUT": "UpdateSchedule"}.get(method, "")
            operation = verb if path.startswith("/schedules/") else ""
            return Request(service, operation, params, path)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return Request(service, target.rsplit(".", 1)[-1], params, path)

    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
        elif environ.get("wsgi.input_terminated"):  # chunked: read to the end
            body = environ["wsgi.input"].read()
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body

    # ------------------------------------------------------------------ rules

    def _count(self, kind: str) -> None:
        self.state.counts[kind] = self.state.counts.get(kind, 0) + 1

    def _is_fresh(self, key: str, now: float) -> bool:
        made = self.state.fresh.get(key)
        return made is not None and now - made < self.settings.propagation

    def _before(self, r: Request) -> Answer | None:
        now = clock.monotonic()
        with self.lock:
            if (
                self.settings.throttle
                and r.service in QUERY_SERVICES | JSON_SERVICES | {"scheduler"}
                and self.rng.random() < self.settings.throttle
            ):
                self._count("throttled")
                return self._throttle(r)
            refusal = (
                self._propagation(r, now)
                or self._codes(r, now)
                or self._report(r, now)
                or self._conflict(r)
            )
            if refusal is None:
                refusal = self._emulate(r, environ_key=r.params.get("_access_key", ""))
        return refusal

    def _propagation(self, r: Request, now: float) -> Answer | None:
        if not self.settings.propagation:
            return None
        p = r.params
        if r.operation in {"CreateTrail", "UpdateTrail"}:
            if p.get("S3BucketName") and self._is_fresh(f"bucket:{p['S3BucketName']}", now):
                return self._refuse(
                    r,
                    "InsufficientS3BucketPolicyException",
                    f"Incorrect S3 bucket policy is detected for bucket: {p['S3BucketName']}",
                )
            role = _last_segment(_param(p, "CloudWatchLogsRoleArn"))
            if role and self._is_fresh(f"role:{role}", now):
                # A new role: CloudTrail cannot assume it yet.
                return self._refuse(
                    r,
                    "InvalidCloudWatchLogsRoleArnException",
                    "Access denied. Check the trust relationships for your role.",
                )
            if role and self._is_fresh(f"rolepolicy:{role}", now):
                # A role whose permissions just changed: it cannot write to the log group yet.
                return self._refuse(
                    r,
                    "InvalidCloudWatchLogsLogGroupArnException",
                    "Access denied. Check the permissions for your role.",
                )
            if p.get("KmsKeyId") and self._is_fresh("kms", now):
                return self._refuse(
                    r,
                    "InsufficientEncryptionPolicyException",
                    "Insufficient permissions to access S3 bucket or KMS key.",
                )
        if (
            r.operation in {"CreateLogGroup", "AssociateKmsKey"}
            and p.get("kmsKeyId")
            and self._is_fresh("kms", now)
        ):
            # CloudWatch Logs cannot use a key whose policy (its grant) it does not see yet.
            group = p.get("logGroupName", "")
            return self._refuse(
                r,
                "AccessDeniedException",
                "The specified KMS key does not exist or is not allowed to be used with Arn "
                f"'arn:aws:logs:region:account:log-group:{group}'",
            )
        if r.operation in {"CreateSchedule", "UpdateSchedule"}:
            role = _last_segment(str(p.get("Target", {}).get("RoleArn", "")))
            if role and (
                self._is_fresh(f"role:{role}", now) or self._is_fresh(f"rolepolicy:{role}", now)
            ):
                return self._refuse(
                    r,
                    "ValidationException",
                    "The execution role you provide must allow AWS EventBridge Scheduler to "
                    "assume the role.",
                )
        if r.operation in {"AttachGroupPolicy", "AttachUserPolicy", "AttachRolePolicy"}:
            policy = _last_segment(_param(p, "PolicyArn"))
            if self._is_fresh(f"policy:{policy}", now):
                return self._refuse(
                    r, "NoSuchEntity", f"Policy {p['PolicyArn']} does not exist.", 404
                )
        if r.operation in {"AttachGroupPolicy", "AddUserToGroup"}:
            group = _param(p, "GroupName")
            if self._is_fresh(f"group:{group}", now):
                return self._refuse(
                    r, "NoSuchEntity", f"The group with name {group} cannot be found.", 404
                )
        if r.operation == "AssumeRole":
            role = _last_segment(_param(p, "RoleArn"))
            if self._is_fresh(f"role:{role}", now):
                return self._refuse(
                    r, "AccessDenied", "User is not authorized to perform: sts:AssumeRole", 403
                )
        return None

    def _refuse(self, r: Request, code: str, message: str, status: int = 400) -> Answer:
        self._count(code)
        return error(r.service, code, message, status)

    def _codes(self, r: Request, now: float) -> Answer | None:
        if not self.settings.check_codes:
            return None
        p = r.params
        if r.operation == "EnableMFADevice":
            if mfa_devices_of(_param(p, "UserName")) >= MFA_DEVICES_PER_USER:
                return self._refuse(
                    r,
                    "LimitExceeded",
                    f"Cannot exceed quota for MFADevicesPerUser: {MFA_DEVICES_PER_USER}",
                    status=409,
                )
            serial = _param(p, "SerialNumber")
            if holder_of(serial) not in {None, _param(p, "UserName")}:
                return self._refuse(r, "EntityAlreadyExists", "MFA Device is already in use.", 409)
            seed = device_seed(serial) or self.state.tokens.get(serial)
            if seed is None:
                return None
            totp = pyotp.TOTP(seed)
            current = int(clock.time()) // STEP
            one, two = _param(p, "AuthenticationCode1"), _param(p, "AuthenticationCode2")
            for step in (current - 1, current, current + 1):
                if totp.at(step * STEP - STEP) == one and totp.at(step * STEP) == two:
                    self.state.used_steps[(p["SerialNumber"], step - 1)] = now
                    self.state.used_steps[(p["SerialNumber"], step)] = now
                    return None
            return self._refuse(
                r,
                "InvalidAuthenticationCode",
                "Authentication code for device is not valid.",
                status=403,
            )
        if r.operation in {"GetSessionToken", "AssumeRole"} and p.get("TokenCode"):
            serial = _param(p, "SerialNumber")
            seed = device_seed(serial)
            if seed is None:
                return None
            totp = pyotp.TOTP(seed)
            current = int(clock.time()) // STEP
            for step in (current - 1, current, current + 1):
                if totp.at(step * STEP) != p["TokenCode"]:
                    continue
                used = self.state.used_steps.get((serial, step))
                if used is not None and now - used < self.settings.code_reuse_seconds:
                    return self._refuse(
                        r,
                        "AccessDenied",
                        "MultiFactorAuthentication failed, unable to validate MFA code. "
                        "Please verify your MFA serial number is valid and associated with this user.",
                        status=403,
                    )
                self.state.used_steps[(serial, step)] = now
                return None
            return self._refuse(
                r,
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                status=403,
            )
        return None

    def _conflict(self, r: Request) -> Answer | None:
        """DeleteGroup of a group that still has members or policies: AWS refuses it (moto
        deletes it)."""
        if r.operation != "DeleteGroup":
            return None
        name = _param(r.params, "GroupName")
        for backend in iam_backends_all():
            group = backend.groups.get(name)
            if group is None:
                continue
            for what, held in (
                ("remove users from group", group.users),
                ("delete policies", group.policies),
                ("detach all policies", group.managed_policies),
            ):
                if held:
                    return self._refuse(
                        r, "DeleteConflict", f"Cannot delete entity, must {what} first.", 409
                    )
        return None

    def _report(self, r: Request, now: float) -> Answer | None:
        if r.service != "iam":
            return None
        if r.operation == "GetCredentialReport" and self.state.flaky_left > 0:
            self.state.flaky_left -= 1
            return self._refuse(r, "ReportInProgress", "Report generation in progress", 404)
        if not self.settings.report_seconds:
            return None
        ready = self.state.report_ready_at
        if r.operation == "GenerateCredentialReport":
            if ready is None:
                self.state.report_ready_at = now + self.settings.report_seconds
                return report_state("STARTED")
            if now < ready:
                return report_state("INPROGRESS")
        if r.operation == "GetCredentialReport" and (ready is None or now < ready):
            if ready is None:
                return self._refuse(
                    r, "ReportNotPresent", "Credential report not present", status=410
                )
            return self._refuse(r, "ReportInProgress", "Report generation in progress", 404)
        return None

    def _after(self, r: Request) -> None:
        p = r.params
        key = {
            "CreateRole": f"role:{_param(p, 'RoleName')}",
            "PutRolePolicy": f"rolepolicy:{_param(p, 'RoleName')}",
            "AttachRolePolicy": f"rolepolicy:{_param(p, 'RoleName')}",
            "UpdateAssumeRolePolicy": f"role:{_param(p, 'RoleName')}",
            "CreatePolicy": f"policy:{_param(p, 'PolicyName')}",
            "CreateGroup": f"group:{_param(p, 'GroupName')}",
            "PutBucketPolicy": f"bucket:{_param(p, 'Bucket')}",
            "CreateKey": "kms",
            "PutKeyPolicy": "kms",
        }.get(r.operation)
        if key:
            with self.lock:
                self.state.fresh[key] = clock.monotonic()

    # ------------------------------------------------------------------ what moto lacks

    def _emulate(self, r: Request, environ_key: str) -> Answer | None:
        """Answer an operation moto lacks (see the module docstring), or None."""
        p = r.params
        account = _account_of_key(environ_key) if environ_key else ""
        if r.operation == "SimulatePrincipalPolicy":
            if self.settings.simulator == "absent":
                return None
            if self.settings.simulator == "denied":
                return self._refuse(
                    r,
                    "AccessDenied",
                    "User is not authorized to perform: iam:SimulatePrincipalPolicy",
                    403,
                )
            self._answered(r.operation)
            return self._simulate(p)
        if r.operation == "PutUserPermissionsBoundary":
            self.state.boundaries[(account, _param(p, "UserName"))] = _param(
                p, "PermissionsBoundary"
            )
            self._answered(r.operation)
            return query_answer("PutUserPermissionsBoundary", "")
        if r.operation == "DeleteUserPermissionsBoundary":
            self.state.boundaries.pop((account, _param(p, "UserName")), None)
            self._answered(r.operation)
            return query_answer("DeleteUserPermissionsBoundary", "")
        if r.operation == "TestMetricFilter":
            from tests.support.filter_eval import matches

            self._answered(r.operation)
            try:
                found = [
                    {"eventNumber": number, "eventMessage": message, "extractedValues": {}}
                    for number, message in enumerate(p.get("logEventMessages") or [], 1)
                    if matches(str(p.get("filterPattern", "")), _json_or_none(message))
                ]
            except (ValueError, IndexError):
                return self._refuse(
                    r, "InvalidParameterException", "Invalid metric filter pattern", 400
                )
            body = json.dumps({"matches": found}).encode()
            return Answer(200, [("Content-Type", "application/x-amz-json-1.1")], body)
        return None

    def _answered(self, operation: str) -> None:
        self.state.answered[operation] = self.state.answered.get(operation, 0) + 1

    def _simulate(self, p: dict[str, Any]) -> Answer:
        from tests.support.policy_eval import decide

        source = _param(p, "PolicySourceArn")
        account = source.split(":")[4]
        name = source.rsplit("/", 1)[-1]
        identity, boundaries = self._policies_of(account, name)
        actions = _members(p, "ActionNames")
        resources = _members(p, "ResourceArns") or ["*"]
        context: dict[str, Any] = {"aws:username": name}
        index = 1
        while f"ContextEntries.member.{index}.ContextKeyName" in p:
            key = p[f"ContextEntries.member.{index}.ContextKeyName"]
            values = _members(p, f"ContextEntries.member.{index}.ContextKeyValues")
            context[key] = values[0] if len(values) == 1 else values
            index += 1
        members = []
        for action in actions:
            for resource in resources:
                decision = decide(identity, boundaries, action, context, resource)
                members.append(
                    f"<member><EvalActionName>{_xml(action)}</EvalActionName>"
                    f"<EvalResourceName>{_xml(resource)}</EvalResourceName>"
                    f"<EvalDecision>{decision}</EvalDecision>"
                    "<MatchedStatements/><MissingContextValues/></member>"
                )
        result = (
            "<IsTruncated>false</IsTruncated><EvaluationResults>"
            + "".join(members)
            + "</EvaluationResults>"
        )
        return query_answer("SimulatePrincipalPolicy", result)

    def _policies_of(
        self, account: str, name: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The user's identity policies (its own and its groups', inline and managed) and its
        permissions boundary, read from moto's backend."""
        from moto.iam.models import iam_backends

        backend = iam_backends[account]["global"]
        user = backend.users.get(name)
        if user is None:
            return [], []
        holders = [user, *backend.get_groups_for_user(name)]
        identity = []
        for holder in holders:
            identity += [_document(d) for d in holder.policies.values()]
            identity += [_managed_document(p) for p in holder.managed_policies.values()]
        boundaries = []
        arn = self.state.boundaries.get((account, name))
        if arn:
            policy = backend.get_policy(arn)
            boundaries.append(_managed_document(policy))
        return identity, boundaries

    def _throttle(self, r: Request) -> Answer:
        if r.service in QUERY_SERVICES:
            return error(r.service, "Throttling", "Rate exceeded", 400)
        if r.service == "scheduler":
            return error(r.service, "ThrottlingException", "Rate exceeded", 429)
        return error(r.service, "ThrottlingException", "Rate exceeded", 400)


# ---------------------------------------------------------------------- wire formats


def error(service: str, code: str, message: str, status: int = 400) -> Answer:
    """An error in the service's own protocol, the way botocore expects to parse it."""
    request_id = str(uuid.uuid4())
    if service in QUERY_SERVICES:
        xml = (
            f'<ErrorResponse xmlns="{NAMESPACES[service]}"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Answer(
            status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], xml.encode()
        )
    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    ]
    return Answer(status, headers, body)


def query_answer(operation: str, result: str) -> Answer:
    """A successful answer of an IAM (query protocol) operation with `result` inside."""
    xml = (
        f'<{operation}Response xmlns="{NAMESPACES["iam"]}"><{operation}Result>{result}'
        f"</{operation}Result><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
        f"</ResponseMetadata></{operation}Response>"
    )
    return Answer(200, [("Content-Type", "text/xml")], xml.encode())


def _members(params: dict[str, Any], name: str) -> list[str]:
    """A query-protocol list: NAME.member.1, NAME.member.2, ..."""
    found, index = [], 1
    while f"{name}.member.{index}" in params:
        found.append(str(params[f"{name}.member.{index}"]))
        index += 1
    return found


def _document(text: str) -> dict[str, Any]:
    from urllib.parse import unquote

    text = text if text.lstrip().startswith("{") else unquote(text)
    return json.loads(text)


def _managed_document(policy: Any) -> dict[str, Any]:
    version = next(v for v in policy.versions if v.is_default_version)
    return _document(version.document)


def _json_or_none(message: str) -> dict[str, Any]:
    try:
        event = json.loads(message)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _account_of_key(access_key: str) -> str:
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key) if access_key else ""


def report_state(state: str) -> Answer:
    """GenerateCredentialReport's answer while the report is being built."""
    xml = (
        f'<GenerateCredentialReportResponse xmlns="{NAMESPACES["iam"]}">'
        f"<GenerateCredentialReportResult><State>{state}</State>"
        "<Description>Report generation in progress</Description>"
        "</GenerateCredentialReportResult><ResponseMetadata>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GenerateCredentialReportResponse>"
    )
    return Answer(200, [("Content-Type", "text/xml")], xml.encode())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MFA_DEVICES_PER_USER = 8  # IAM's quota; moto has none


def iam_backends_all() -> Iterable[Any]:
    """Every IAM backend moto holds, in every account (the server runs in this process)."""
    from moto.iam.models import iam_backends

    for account in iam_backends.values():
        yield from account.values()


def mfa_devices_of(user: str) -> int:
    """How many MFA devices moto holds for `user` (the demo account)."""
    for backend in iam_backends_all():
        found = backend.users.get(user)
        if found is not None:
            return len(found.mfa_devices)
    return 0


def holder_of(serial: str) -> str | None:
    """The user an MFA device (any kind) is enabled for, or None (moto lets two users hold one
    serial; AWS refuses the second)."""
    for backend in iam_backends_all():
        for user in backend.users.values():
            if serial in user.mfa_devices:
                return user.name
    return None


def device_seed(serial: str) -> str | None:
    """The base32 seed moto generated for a virtual MFA device, read from its backend."""
    from moto.iam.models import iam_backends

    account = serial.split(":")[4] if serial.count(":") >= 5 else ""
    if not account or account not in iam_backends:
        return None
    for backend in iam_backends[account].values():
        device = backend.virtual_mfa_devices.get(serial)
        if device is not None:
            return device.base32_string_seed
    return None


# ---------------------------------------------------------------------- server


class RealisticServer:
    """A werkzeug server on 127.0.0.1 serving moto's application through the layer."""

    def __init__(self, settings: Settings | None = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        self.layer = Realism(DomainDispatcherApplication(create_backend_app), settings)
        self._server = make_server(
            "127.0.0.1", 0, self.layer, threaded=True, request_handler=MotoRequestHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
