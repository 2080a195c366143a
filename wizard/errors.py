"""One error model: every failure a user can cause becomes a WizardError naming cause and fix.

ClientError is translated by its error *code*, never by its message text. Messages never carry a
secret: we build them from the code, the operation name and our own words, not from request data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

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
        return f"{self.cause}: {self.fix}" if self.fix else self.cause


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


NO_CREDENTIALS_FIX = "run `aws configure`, set AWS_PROFILE, or try `mfa-wizard --demo`"

# code -> (error class, cause template, fix). {op} is the AWS operation name.
_CODES: dict[str, tuple[type[WizardError], str, str]] = {
    "AccessDenied": (
        AccessDeniedError,
        "access denied calling {op}",
        "the identity needs permission for {op}; see 'Permissions' in the README",
    ),
    "AccessDeniedException": (
        AccessDeniedError,
        "access denied calling {op}",
        "the identity needs permission for {op}; see 'Permissions' in the README",
    ),
    "UnauthorizedOperation": (
        AccessDeniedError,
        "not authorized to call {op}",
        "the identity needs permission for {op}; see 'Permissions' in the README",
    ),
    "ExpiredToken": (
        CredentialsError,
        "the AWS session token has expired",
        "get fresh credentials (run `mfa-session --refresh`, or `aws sso login`) and retry",
    ),
    "ExpiredTokenException": (
        CredentialsError,
        "the AWS session token has expired",
        "get fresh credentials (run `mfa-session --refresh`, or `aws sso login`) and retry",
    ),
    "RequestExpired": (
        CredentialsError,
        "the request expired before AWS received it",
        "check that this machine's clock is correct (timedatectl / ntp) and retry",
    ),
    "InvalidClientTokenId": (
        CredentialsError,
        "the access key ID is not valid (deleted, deactivated, or for another partition)",
        "check AWS_PROFILE / ~/.aws/credentials, or create a new access key",
    ),
    "SignatureDoesNotMatch": (
        CredentialsError,
        "the secret access key does not match the access key ID",
        "re-enter the secret key with `aws configure`",
    ),
    "UnrecognizedClientException": (
        CredentialsError,
        "the security token in the request is invalid",
        "check AWS_PROFILE / ~/.aws/credentials, or get fresh credentials",
    ),
    "Throttling": (
        ThrottledError,
        "AWS is throttling {op} and kept doing so after retries",
        "wait a minute and run the step again; nothing was left half-done",
    ),
    "ThrottlingException": (
        ThrottledError,
        "AWS is throttling {op} and kept doing so after retries",
        "wait a minute and run the step again; nothing was left half-done",
    ),
    "TooManyRequestsException": (
        ThrottledError,
        "AWS is throttling {op} and kept doing so after retries",
        "wait a minute and run the step again; nothing was left half-done",
    ),
    "RequestLimitExceeded": (
        ThrottledError,
        "AWS is throttling {op} and kept doing so after retries",
        "wait a minute and run the step again; nothing was left half-done",
    ),
    "NoSuchEntity": (
        NotFoundError,
        "{op}: the IAM entity does not exist",
        "check the name (IAM names are case-sensitive) and refresh the audit",
    ),
    "EntityAlreadyExists": (
        AlreadyExistsError,
        "{op}: an IAM entity with that name already exists",
        "choose another name, or reuse the existing one",
    ),
    "LimitExceeded": (
        WizardError,
        "{op}: an IAM quota was reached",
        "delete unused items (e.g. old policy versions or MFA devices) and retry",
    ),
    "InvalidAuthenticationCode": (
        UsageError,
        "AWS rejected the MFA codes",
        "type two consecutive codes from the authenticator app, waiting for a new one",
    ),
    "ServiceFailure": (
        WizardError,
        "AWS reported an internal failure in {op}",
        "retry in a minute",
    ),
    "ServiceUnavailable": (
        WizardError,
        "AWS reported {op} temporarily unavailable",
        "retry in a minute",
    ),
}


def translate_client_error(exc: Any, op: str | None = None) -> WizardError:
    """Map a botocore ClientError to a WizardError by its error code."""
    error = getattr(exc, "response", {}).get("Error", {}) or {}
    code = str(error.get("Code", "Unknown"))
    op = op or getattr(exc, "operation_name", None) or "the AWS call"
    if code in _CODES:
        cls, cause, fix = _CODES[code]
        return cls(cause.format(op=op), fix.format(op=op), code=code)
    # An unknown code: name it (codes carry no secrets) but not the message text, which may
    # echo request parameters.
    return WizardError(
        f"{op} failed with {code}", "see the AWS documentation for that error", code=code
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
        return CredentialsError("no AWS credentials found", NO_CREDENTIALS_FIX)
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsError(
            f"the AWS profile {exc.kwargs.get('profile')!r} is not in the config files",
            "check the name with `aws configure list-profiles`, or unset AWS_PROFILE",
        )
    if isinstance(exc, bx.ConfigParseError):
        return UsageError(
            f"an AWS config or credentials file could not be parsed ({exc.kwargs.get('path', 'unknown file')})",
            "fix the malformed line (a [section] header or key = value) and retry",
        )
    if isinstance(exc, bx.NoRegionError):
        return UsageError("no AWS region configured", "set AWS_REGION or pass --region")
    if isinstance(
        exc, bx.TokenRetrievalError | bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError
    ):
        return CredentialsError("the SSO session has expired", "run `aws sso login` and retry")
    if isinstance(exc, bx.CredentialRetrievalError):
        return CredentialsError(
            "the profile's credential_process failed",
            "run the credential_process command by hand to see why",
        )
    if isinstance(
        exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError
    ):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return EndpointError(
            f"could not reach {endpoint}",
            "check the network, AWS_ENDPOINT_URL and the region; for the demo, `mfa-wizard --demo` "
            "(the TUI) or `mfa-wizard demo-server` (prints the settings for other commands)",
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return EndpointError("AWS did not answer in time", "check the network and retry")
    if isinstance(exc, bx.ParamValidationError):
        return UsageError(f"invalid value for {op or 'an AWS call'}", "check the value you entered")
    if isinstance(exc, bx.BotoCoreError):
        return WizardError(
            f"AWS SDK error ({type(exc).__name__})", "retry; if it persists, report it"
        )
    if isinstance(exc, KeyboardInterrupt):
        return CancelledError("cancelled", "")
    return WizardError(
        f"unexpected error ({type(exc).__name__})",
        "please report it at the project's issue tracker",
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
