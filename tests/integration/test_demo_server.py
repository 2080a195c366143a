"""moto as the demo and the suite run it (wizard/demo_server.py): what `_lighter_moto` takes out
must not change what KMS answers."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import moto.backends
import moto.kms.models
import pytest


def test_symmetric_keys_still_encrypt_and_asymmetric_keys_still_get_their_own(services):
    kms = services.client("kms")
    first = kms.create_key()["KeyMetadata"]["KeyId"]
    second = kms.create_key()["KeyMetadata"]["KeyId"]
    for key in (first, second):
        blob = kms.encrypt(KeyId=key, Plaintext=b"trail")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"trail"
    signing = [
        kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
        for _ in range(2)
    ]
    keys = [kms.get_public_key(KeyId=key)["PublicKey"] for key in signing]
    assert keys[0] != keys[1]  # each asymmetric key its own pair, as on AWS
    signature = kms.sign(
        KeyId=signing[0],
        Message=b"digest",
        MessageType="RAW",
        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
    )["Signature"]
    assert kms.verify(
        KeyId=signing[0],
        Message=b"digest",
        MessageType="RAW",
        Signature=signature,
        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
    )["SignatureValid"]


def test_the_service_list_is_read_once_and_is_still_complete(moto_server):
    # start_server (the suite's moto_server fixture) has replaced the per-request folder listing.
    assert getattr(moto.backends, "_mfa_wizard_lighter", False)
    names = list(moto.backends.list_of_moto_modules())
    assert {"iam", "sts", "s3", "kms", "cloudtrail", "logs", "sns"} <= set(names)
    assert moto.kms.models.generate_private_key("SYMMETRIC_DEFAULT") is (
        moto.kms.models.generate_private_key("SYMMETRIC_DEFAULT")
    )


@pytest.mark.real_time
def test_demo_server_is_usable_for_mfa_session_and_checks_codes(tmp_path):
    """`demo-server` prints every variable a client needs (AWS_DEFAULT_REGION too, for the AWS
    CLI v1 and older SDKs) and a --totp-command for the demo admin's device; the demo refuses a
    wrong code and a code already used, as AWS does, and takes the current one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env["HOME"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "wizard", "demo-server"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("# Ctrl-C"):
            line = server.stdout.readline()
            assert line, server.stderr.read()
            lines.append(line.rstrip("\n"))
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert exports["AWS_DEFAULT_REGION"] == exports["AWS_REGION"] == "us-east-1"
        (command,) = [line for line in lines if line.startswith("mfa-session ")]
        argv = shlex.split(command)
        assert argv[1] == "--totp-command" and "demo-code --socket" in argv[2]
        client = {**env, **exports}
        script = Path(sys.executable).parent / "mfa-session"
        session = [str(script)] if script.exists() else [sys.executable, "-m", "wizard.cli.session"]

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [*session, *args],
                env=client,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=60,
            )

        good = run(*argv[1:], "--format", "json")
        assert good.returncode == 0, good.stderr
        assert json.loads(good.stdout)["AccessKeyId"].startswith("ASIA")
        # (Wrong codes after it: a refused code makes mfa-session wait for the next step before
        # it runs the command again, which this test has no need to wait for.)
        wrong = run("--code", "000000", "--format", "json", "--no-cache")
        assert wrong.returncode == 2 and "AWS refused the MFA code" in wrong.stderr
        # A code sent twice (the one just used, or the next if the step turned meanwhile): the
        # second time it is refused, whoever sends it.
        code = subprocess.run(
            shlex.split(argv[2]), env=client, capture_output=True, text=True, timeout=30
        ).stdout.strip()
        run("--code", code, "--format", "json", "--no-cache")
        again = run("--code", code, "--format", "json", "--no-cache")
        assert again.returncode == 2 and "AWS refused the MFA code" in again.stderr
    finally:
        server.send_signal(signal.SIGTERM)  # killed, not Ctrl-C: it still tidies up
        server.communicate(timeout=30)
    folder = Path(exports["AWS_CONFIG_FILE"]).parent.parent
    assert folder.name.startswith("mfa-wizard-demo-") and not folder.exists()
