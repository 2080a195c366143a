"""One error model: every failure a user can cause becomes a WizardError naming cause and fix.

ClientError is translated by its error *code*, never by its message text. Messages never carry a
secret: we build them from the code, the operation name and our own words, not from request data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from wizard.i18n import N_, _

T = TypeVar("T")


class WizardError(Exception):
    """An error a user can act on: `cause` says what happened, `fix` says what to do."""

    exit_code = 1
    # Set by a change that undid its own part before raising: a plan stopped by it at its first
    # change left nothing half-made (wizard.plan.apply_plan).
    rolled_back = False

    def __init__(self, cause: str, fix: str = "", *, code: str = "") -> None:
        self.cause = cause
        self.fix = fix
        self.code = code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Cause and fix in one line, the way the CLI and the error dialog show it."""
        return (
            _("{cause}: {fix}").format(cause=self.cause, fix=self.fix) if self.fix else self.cause
        )


class CredentialsError(WizardError):
    """No usable credentials (missing, expired, revoked): a usage-level error (exit 2)."""

    exit_code = 2


class UsageError(WizardError):
    """A bad argument or input value."""

    exit_code = 2


class AccessDeniedError(WizardError):
    """The identity lacks a permission."""


class ThrottledError(WizardError):
    """AWS kept throttling after botocore's retries."""


class NotFoundError(WizardError):
    """The named resource does not exist."""


class AlreadyExistsError(WizardError):
    """The named resource exists already."""


class EndpointError(WizardError):
    """The AWS endpoint could not be reached."""


class CancelledError(WizardError):
    """The user cancelled; whatever was half-made has been rolled back."""

    exit_code = 130


NO_CREDENTIALS_FIX = N_("run `aws configure`, set AWS_PROFILE, or try `mfa-wizard --demo`")

# code -> (error class, cause template, fix). {op} is the AWS operation name.
_CODES: dict[str, tuple[type[WizardError], str, str]] = {
    "AccessDenied": (
        AccessDeniedError,
        N_("access denied calling {op}"),
        N_("the identity needs permission for {op}; see 'Permissions' in the README"),
    ),
    "AccessDeniedException": (
        AccessDeniedError,
        N_("access denied calling {op}"),
        N_("the identity needs permission for {op}; see 'Permissions' in the README"),
    ),
    "UnauthorizedOperation": (
        AccessDeniedError,
        N_("not authorized to call {op}"),
        N_("the identity needs permission for {op}; see 'Permissions' in the README"),
    ),
    "ExpiredToken": (
        CredentialsError,
        N_("the AWS session token has expired"),
        N_("get fresh credentials (run `mfa-session --refresh`, or `aws sso login`) and retry"),
    ),
    "ExpiredTokenException": (
        CredentialsError,
        N_("the AWS session token has expired"),
        N_("get fresh credentials (run `mfa-session --refresh`, or `aws sso login`) and retry"),
    ),
    "RequestExpired": (
        CredentialsError,
        N_("the request expired before AWS received it"),
        N_("check that this machine's clock is correct (timedatectl / ntp) and retry"),
    ),
    "InvalidClientTokenId": (
        CredentialsError,
        N_("the access key ID is not valid (deleted, deactivated, or for another partition)"),
        N_("check AWS_PROFILE / ~/.aws/credentials, or create a new access key"),
    ),
    "SignatureDoesNotMatch": (
        CredentialsError,
        N_("the secret access key does not match the access key ID"),
        N_("re-enter the secret key with `aws configure`"),
    ),
    "UnrecognizedClientException": (
        CredentialsError,
        N_("the security token in the request is invalid"),
        N_("check AWS_PROFILE / ~/.aws/credentials, or get fresh credentials"),
    ),
    "Throttling": (
        ThrottledError,
        N_("AWS is throttling {op} and kept doing so after retries"),
        N_("wait a minute and run the step again; nothing was left half-done"),
    ),
    "ThrottlingException": (
        ThrottledError,
        N_("AWS is throttling {op} and kept doing so after retries"),
        N_("wait a minute and run the step again; nothing was left half-done"),
    ),
    "TooManyRequestsException": (
        ThrottledError,
        N_("AWS is throttling {op} and kept doing so after retries"),
        N_("wait a minute and run the step again; nothing was left half-done"),
    ),
    "RequestLimitExceeded": (
        ThrottledError,
        N_("AWS is throttling {op} and kept doing so after retries"),
        N_("wait a minute and run the step again; nothing was left half-done"),
    ),
    "NoSuchEntity": (
        NotFoundError,
        N_("{op}: the IAM entity does not exist"),
        N_("check the name (IAM names are case-sensitive) and refresh the audit"),
    ),
    "EntityAlreadyExists": (
        AlreadyExistsError,
        N_("{op}: an IAM entity with that name already exists"),
        N_("choose another name, or reuse the existing one"),
    ),
    "LimitExceeded": (
        WizardError,
        N_("{op}: an IAM quota was reached"),
        N_("delete unused items (e.g. old policy versions or MFA devices) and retry"),
    ),
    "InvalidAuthenticationCode": (
        UsageError,
        N_("AWS rejected the MFA codes"),
        N_("type two consecutive codes from the authenticator app, waiting for a new one"),
    ),
    "ServiceFailure": (
        WizardError,
        N_("AWS reported an internal failure in {op}"),
        N_("retry in a minute"),
    ),
    "ServiceUnavailable": (
        WizardError,
        N_("AWS reported {op} temporarily unavailable"),
        N_("retry in a minute"),
    ),
}


def translate_client_error(exc: Any, op: str | None = None) -> WizardError:
    """Map a botocore ClientError to a WizardError by its error code."""
    error = getattr(exc, "response", {}).get("Error", {}) or {}
    code = str(error.get("Code", "Unknown"))
    op = op or getattr(exc, "operation_name", None) or _("the AWS call")
    if code in _CODES:
        cls, cause, fix = _CODES[code]
        return cls(_(cause).format(op=op), _(fix).format(op=op), code=code)
    # An unknown code: name it (codes carry no secrets) but not the message text, which may
    # echo request parameters.
    return WizardError(
        _("{op} failed with {code}").format(op=op, code=code),
        _("see the AWS documentation for that error"),
        code=code,
    )


def translate(exc: BaseException, op: str | None = None) -> WizardError:
    """Map any exception raised by boto3/botocore to a WizardError."""
    if isinstance(exc, WizardError):
        return exc
    # botocore is imported lazily so that this module stays import-light.
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return translate_client_error(exc, op)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CredentialsError(_("no AWS credentials found"), _(NO_CREDENTIALS_FIX))
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsError(
            _("the AWS profile {profile} is not in the config files").format(
                profile=repr(exc.kwargs.get("profile"))
            ),
            _("check the name with `aws configure list-profiles`, or unset AWS_PROFILE"),
        )
    if isinstance(exc, bx.ConfigParseError):
        return UsageError(
            _("an AWS config or credentials file could not be parsed ({path})").format(
                path=exc.kwargs.get("path", "?")
            ),
            _("fix the malformed line (a [section] header or key = value) and retry"),
        )
    if isinstance(exc, bx.NoRegionError):
        return UsageError(_("no AWS region configured"), _("set AWS_REGION or pass --region"))
    if isinstance(
        exc, bx.TokenRetrievalError | bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError
    ):
        return CredentialsError(
            _("the SSO session has expired"), _("run `aws sso login` and retry")
        )
    if isinstance(exc, bx.CredentialRetrievalError):
        return CredentialsError(
            _("the profile's credential_process failed"),
            _("run the credential_process command by hand to see why"),
        )
    if isinstance(
        exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError
    ):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url") or _("the AWS endpoint")
        return EndpointError(
            _("could not reach {endpoint}").format(endpoint=endpoint),
            _(
                "check the network, AWS_ENDPOINT_URL and the region; for the demo, "
                "`mfa-wizard --demo` (the TUI) or `mfa-wizard demo-server` (prints the settings "
                "for other commands)"
            ),
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return EndpointError(_("AWS did not answer in time"), _("check the network and retry"))
    if isinstance(exc, bx.ParamValidationError):
        return UsageError(
            _("invalid value for {op}").format(op=op or _("an AWS call")),
            _("check the value you entered"),
        )
    if isinstance(exc, bx.BotoCoreError):
        return WizardError(
            _("AWS SDK error ({name})").format(name=type(exc).__name__),
            _("retry; if it persists, report it"),
        )
    if isinstance(exc, KeyboardInterrupt):
        return CancelledError(_("cancelled"), "")
    return WizardError(
        _("unexpected error ({name})").format(name=type(exc).__name__),
        _("please report it at the project's issue tracker"),
    )


@contextlib.contextmanager
def aws_errors(op: str | None = None) -> Iterator[None]:
    """Re-raise anything boto3 raises inside the block as a WizardError."""
    try:
        yield
    except WizardError:
        raise
    except Exception as exc:  # translated, then chained for debugging only
        raise translate(exc, op) from None


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError (or of a translated WizardError), else ''."""
    if isinstance(exc, WizardError):
        return exc.code
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


# "The thing is not there", across the services the wizard uses: held once, used by every read
# that may find nothing and every delete that may find it already gone. InvalidParameterException
# is deliberately not here: it means a bad request, not a missing resource.
ABSENT_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchEntityException",
        "NoSuchBucket",
        "NoSuchBucketPolicy",
        "NoSuchLifecycleConfiguration",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
        "ServerSideEncryptionConfigurationNotFoundError",
        "404",
        "NotFound",
        "NotFoundException",
        "NotFoundError",
        "ResourceNotFound",
        "ResourceNotFoundException",
        "TrailNotFoundException",
        "PolicyNotAttachedException",
        "PolicyNotFoundException",
        "TargetNotFoundException",
        "NoSuchConfigurationRecorderException",
        "NoSuchDeliveryChannelException",
    }
)


def is_absent(exc: BaseException) -> bool:
    """True when `exc` says the resource does not exist (or no longer does)."""
    return error_code(exc) in ABSENT_CODES


def is_denied(exc: BaseException) -> bool:
    """True when `exc` says the caller lacks a permission (the codes AccessDeniedError holds)."""
    entry = _CODES.get(error_code(exc))
    return entry is not None and entry[0] is AccessDeniedError


# An endpoint without the operation at all: an emulator answers 500 (moto, with an HTML page
# botocore cannot parse), or the protocol's "unknown action" code.
MISSING_OPERATION_CODES = frozenset(
    {
        "500",
        "501",
        "NotImplemented",
        "InternalFailure",
        "InvalidAction",
        "UnknownOperationException",
    }
)


def is_missing_operation(exc: BaseException) -> bool:
    """True when `exc` says this endpoint has no such operation."""
    return error_code(exc) in MISSING_OPERATION_CODES or type(exc).__name__ == "ResponseParserError"


def aws_call(op: str, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Call boto3 and re-raise any failure as a WizardError naming `op` (cause and fix)."""
    try:
        return call(*args, **kwargs)
    except WizardError:
        raise
    except Exception as exc:  # translated by code; the original is not chained (no request data)
        raise translate(exc, op) from None


def absent(op: str, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
    """Read something: its answer, or None when it does not exist; other failures translated."""
    try:
        return call(*args, **kwargs)
    except WizardError:
        raise
    except Exception as exc:
        if is_absent(exc):
            return None
        raise translate(exc, op) from None


def delete_if_present(op: str, call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> bool:
    """Delete something: True if it was deleted, False if it was already gone."""
    try:
        call(*args, **kwargs)
    except WizardError:
        raise
    except Exception as exc:
        if is_absent(exc):
            return False
        raise translate(exc, op) from None
    return True
