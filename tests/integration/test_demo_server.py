"""moto as the demo and the suite run it (wizard/demo_server.py): what `_lighter_moto` takes out
must not change what KMS answers."""

from __future__ import annotations

import moto.backends
import moto.kms.models


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
