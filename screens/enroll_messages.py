"""What the Enroll step's workers report, in the past tense; each has one handler on the screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from wizard.enrollment import Enrollment
from wizard.models import MfaDevice


@dataclass
class DevicesListed(Message):
    user: str
    devices: list[MfaDevice]
    # An unassigned device already holding the default name, and the name to use instead.
    leftover: str | None = None
    free_name: str = ""


@dataclass
class LeftoverRemoved(Message):
    serial: str


@dataclass
class DeviceCreated(Message):
    enrollment: Enrollment
    matrix: list[list[bool]]


@dataclass
class DeviceCreationFailed(Message):
    user: str


@dataclass
class CodesRefused(Message):
    message: str


@dataclass
class DeviceEnabled(Message):
    device: MfaDevice


@dataclass
class EnrollmentFailed(Message):
    enrollment: Enrollment


@dataclass
class DeviceRemoved(Message):
    user: str
    serial: str


@dataclass
class DeviceResynced(Message):
    serial: str


@dataclass
class DeviceRolledBack(Message):
    why: str
