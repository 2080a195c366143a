"""moto's server for the demo and the suite: started on 127.0.0.1 in a background thread.

moto is only in the `demo` extra (a plain install has no mock AWS): `require_moto` says so in one
line. `start_server` also takes out two costs moto pays on every request and every KMS key, that
no demo user or test needs (`_lighter_moto`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from wizard.i18n import _


def _quiet_server_logs() -> None:
    # werkzeug logs every request to stderr, which would scribble over the TUI.
    for name in ("werkzeug", "moto"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        logger.propagate = False
        # werkzeug writes request lines and tracebacks itself unless the logger is disabled.
        logger.disabled = True
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def _check_port_free(host: str, port: int) -> None:
    """A busy port is said at once (moto's server thread would fail and leave us waiting)."""
    import socket

    from wizard.errors import UsageError

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise UsageError(
                _("port {port} on {host} is already in use").format(port=port, host=host),
                _("pick another with --port, or leave --port out for a free one"),
            ) from None


DEMO_INSTALL = "pip install 'mfa-wizard[demo]'"


def require_moto() -> None:
    """The demo runs on moto, which only the `demo` extra installs: a plain install (all that
    real AWS needs) has no mock AWS and no web server in it. Say so in one line."""
    import importlib.util

    if any(importlib.util.find_spec(name) is None for name in ("moto", "flask", "flask_cors")):
        import sys

        from wizard.errors import UsageError

        # pipx keeps its metadata in the app's own venv: there, pip is not the way in.
        if os.path.exists(os.path.join(sys.prefix, "pipx_metadata.json")):
            fix = _("reinstall it with the demo extra: {command}").format(
                command="pipx install --force 'mfa-wizard[demo]'"
            )
        else:
            fix = _("install the demo extra: {command} (or `.[demo]` from a checkout)").format(
                command=DEMO_INSTALL
            )
        raise UsageError(_("the demo needs moto, which a plain install leaves out"), fix)


def start_server(port: int = 0, host: str = "127.0.0.1") -> tuple[Any, str]:
    """Start moto's ThreadedMotoServer on host:port (0 = a free port); return (server, url)."""
    require_moto()
    _quiet_server_logs()
    # moto reads this to decide IAM policy enforcement; keep its lenient default explicit.
    os.environ.setdefault("MOTO_ENABLE_IAM_AUTHENTICATION", "false")
    if port:
        _check_port_free(host, port)
    _lighter_moto()
    _truer_moto()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def stop_server(server: Any) -> None:
    """Stop a ThreadedMotoServer at once.

    werkzeug's serve_forever() looks for a shutdown request every 0.5 s, so a plain stop() costs
    up to half a second at every exit. The serving thread is a daemon, so the shutdown runs beside
    it and the process can leave without waiting for that poll.
    """
    import threading

    inner = getattr(server, "_server", None)
    if inner is None:
        return
    threading.Thread(target=inner.shutdown, daemon=True).start()


def _lighter_moto() -> None:
    """Two of moto's costs that buy the demo nothing, taken out once per process.

    - Every request lists moto's package folder on disk (about 200 `isdir` calls) to learn its
      service names (`moto.backends.list_of_moto_modules`); the folder does not change while we
      run, so it is listed once.
    - Every KMS key gets a fresh 2048-bit RSA private key, even a symmetric one, which can never
      sign (KMS refuses Sign on it). Symmetric keys share one generated on first use; asymmetric
      ones still get their own.
    """
    import functools

    import moto.backends
    import moto.kms.models

    if getattr(moto.backends, "_mfa_wizard_lighter", False):
        return
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    generate = moto.kms.models.generate_private_key

    @functools.cache
    def shared_unused_key() -> Any:
        return generate("RSA_2048")

    def private_key(key_spec: str) -> Any:
        return shared_unused_key() if key_spec == "SYMMETRIC_DEFAULT" else generate(key_spec)

    moto.kms.models.generate_private_key = private_key
    moto.backends._mfa_wizard_lighter = True


def _truer_moto() -> None:
    """moto drops CreateLoginProfile's PasswordResetRequired (AWS keeps it until the user's
    first sign-in); `verify` and `enforce` warn about exactly those users, so the demo keeps it.
    Once per process."""
    import moto.iam.responses

    response = moto.iam.responses.IamResponse
    if getattr(response, "_mfa_wizard_truer", False):
        return
    create = response.create_login_profile

    def create_login_profile(self: Any) -> Any:
        answer = create(self)
        if str(self._get_param("PasswordResetRequired")).lower() == "true":
            self.backend.get_user(self._get_param("UserName")).password_reset_required = True
        return answer

    response.create_login_profile = create_login_profile
    response.list_organizations_features = _list_organizations_features
    enable = response.enable_mfa_device

    def enable_mfa_device(self: Any) -> Any:
        # AWS refuses a serial another user holds (a token belongs to one user); moto does not.
        from moto.core.exceptions import ServiceException

        serial, user = self._get_param("SerialNumber"), self._get_param("UserName")
        for other in self.backend.users.values():
            if other.name != user and serial in other.mfa_devices:
                raise ServiceException("EntityAlreadyExists", "MFA Device is already in use.")
        return enable(self)

    response.enable_mfa_device = enable_mfa_device
    import moto.config.responses

    moto.config.responses.ConfigResponse.describe_delivery_channel_status = (
        _describe_delivery_channel_status
    )
    response._mfa_wizard_truer = True
    _truer_sessions()


def _describe_delivery_channel_status(self: Any) -> str:
    """config:DescribeDeliveryChannelStatus, which moto lacks: each channel as AWS shows one that
    has delivered nothing yet (verify reads it for failed deliveries)."""
    import json

    channels = self.config_backend.describe_delivery_channels(
        self._get_param("DeliveryChannelNames")
    )
    pending = {"lastStatus": "NOT_APPLICABLE"}
    return json.dumps(
        {
            "DeliveryChannelsStatus": [
                {
                    "name": channel["name"],
                    "configSnapshotDeliveryInfo": {},
                    "configHistoryDeliveryInfo": {},
                    "configStreamDeliveryInfo": pending,
                }
                for channel in channels
            ]
        }
    )


def _list_organizations_features(self: Any) -> Any:
    """iam:ListOrganizationsFeatures, which moto lacks (it answers 500, which SDKs retry): as
    AWS answers it, from the organization moto holds. The management account reads the features
    (none enabled in the demo); a member is refused, an account outside any is told so."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult
    from moto.organizations.models import organizations_backends

    org = None
    for backend in organizations_backends.get(self.current_account, {}).values():
        org = backend.org or org
    if org is None:
        raise ServiceException(
            "OrganizationNotFoundException", "The account is not part of an organization."
        )
    if org.master_account_id != self.current_account:
        raise ServiceException(
            "AccountNotManagementOrDelegatedAdministratorException",
            "The account is not the management account or a delegated administrator.",
        )
    return ActionResult({"OrganizationId": org.id, "EnabledFeatures": []})


def _truer_sessions() -> None:
    """moto gives every GetSessionToken the same fixed keys, and GetCallerIdentity signed with
    them answers `user/moto`. AWS gives each session its own ASIA... key, and the session is
    the user who asked for it: the TUI's "use this session" reads exactly that back."""
    import secrets

    import moto.sts.models
    import moto.sts.responses

    sessions: dict[str, str] = {}  # session access key id -> the asking user's access key id
    response = moto.sts.responses.TokenResponse
    issue = response.get_session_token

    def get_session_token(self: Any) -> Any:
        answer = issue(self)
        credentials = answer.result["Credentials"]
        key = "ASIA" + secrets.token_hex(8).upper()
        credentials["AccessKeyId"] = key
        credentials["SecretAccessKey"] = secrets.token_urlsafe(30)[:40]
        credentials["SessionToken"] = secrets.token_urlsafe(120)
        sessions[key] = self.get_access_key()
        return answer

    backend = moto.sts.models.STSBackend
    identify = backend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> Any:
        return identify(self, sessions.get(access_key_id, access_key_id), region)

    response.get_session_token = get_session_token
    backend.get_caller_identity = get_caller_identity
