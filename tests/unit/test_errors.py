"""The error model: codes, missing credentials and unreachable endpoints become WizardErrors."""

from __future__ import annotations

import pytest
from botocore import exceptions as bx

from wizard import errors
from wizard.errors import (
    AccessDeniedError,
    AlreadyExistsError,
    CredentialsError,
    EndpointError,
    NotFoundError,
    ThrottledError,
    WizardError,
    aws_errors,
    translate,
)


def client_error(code: str, message: str = "secret-ish detail AKIAEXAMPLE", op: str = "ListUsers"):
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, op)


@pytest.mark.parametrize(
    ("code", "cls", "fix_words"),
    [
        ("AccessDenied", AccessDeniedError, "permission"),
        ("AccessDeniedException", AccessDeniedError, "permission"),
        ("ExpiredToken", CredentialsError, "fresh credentials"),
        ("InvalidClientTokenId", CredentialsError, "access key"),
        ("SignatureDoesNotMatch", CredentialsError, "aws configure"),
        ("Throttling", ThrottledError, "wait a minute"),
        ("ThrottlingException", ThrottledError, "wait a minute"),
        ("NoSuchEntity", NotFoundError, "case-sensitive"),
        ("EntityAlreadyExists", AlreadyExistsError, "reuse"),
        ("LimitExceeded", WizardError, "delete unused"),
        ("RequestExpired", CredentialsError, "clock"),
    ],
)
def test_codes_map_to_classes_with_a_fix(code, cls, fix_words):
    error = translate(client_error(code))
    assert type(error) is cls
    assert error.code == code
    assert fix_words in error.fix
    # The AWS message (which can echo request data) is never copied into ours.
    assert "AKIAEXAMPLE" not in error.message


def test_unknown_code_names_the_code_not_the_message():
    error = translate(client_error("WeirdNewError"))
    assert "WeirdNewError" in error.message and "ListUsers" in error.message
    assert "AKIAEXAMPLE" not in error.message


def test_no_credentials():
    error = translate(bx.NoCredentialsError())
    assert isinstance(error, CredentialsError) and error.exit_code == 2
    assert "no AWS credentials found" in error.message
    assert "aws configure" in error.fix and "--demo" in error.fix


def test_unreachable_endpoint():
    error = translate(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"))
    assert isinstance(error, EndpointError)
    assert "127.0.0.1:1" in error.cause and "AWS_ENDPOINT_URL" in error.fix


def test_profile_not_found_and_no_region():
    assert "nosuch" in translate(bx.ProfileNotFound(profile="nosuch")).cause
    assert "AWS_REGION" in translate(bx.NoRegionError()).fix


def test_unexpected_exception_is_generic_without_details():
    error = translate(RuntimeError("Base32StringSeed=JBSWY3DPEHPK3PXP"))
    assert "RuntimeError" in error.message
    assert "JBSWY3DP" not in error.message


def test_aws_errors_context_manager_hides_the_chain():
    with pytest.raises(AccessDeniedError) as info, aws_errors("CreateUser"):
        raise client_error("AccessDenied", op="CreateUser")
    assert "CreateUser" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_error_code_helper():
    assert errors.error_code(client_error("NoSuchEntity")) == "NoSuchEntity"
    assert errors.error_code(translate(client_error("NoSuchEntity"))) == "NoSuchEntity"
    assert errors.error_code(ValueError()) == ""
