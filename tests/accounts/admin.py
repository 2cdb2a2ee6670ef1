"""The account services an administrator uses, wired to an in-memory audit trail
(tests/accounts/audit.py) for the tests to assert on; the `admin` fixture of
tests/accounts/conftest.py builds one."""

from __future__ import annotations

from dataclasses import dataclass

from meetroom.accounts.admin import UserAdmin
from meetroom.accounts.csv_import import UserImporter
from meetroom.accounts.groups import GroupService
from meetroom.records.accounts import Principal
from meetroom.server.context import Services
from tests.accounts.audit import RecordingAuditTrail


@dataclass
class Admin:
    services: Services
    audit: RecordingAuditTrail
    users: UserAdmin
    importer: UserImporter
    groups: GroupService
    # An administrator to act as.
    actor: Principal
