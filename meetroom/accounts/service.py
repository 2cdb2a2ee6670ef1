"""Accounts: who may sign in, how, and what a cookie or bearer token stands for."""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetroom.accounts.ports import (
    ParticipantLookup,
    PasswordHasher,
    RightsListener,
    SessionStore,
    UserStore,
)
from meetroom.accounts.principals import SessionPrincipals
from meetroom.auth.tokens import new_opaque_token, token_digest
from meetroom.bounds import MIN_PASSWORD_LENGTH
from meetroom.clock import Clock
from meetroom.config import SUPPORTED_LOCALES
from meetroom.errors import (
    N_,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)  # fmt: skip
from meetroom.ids import UserId, new_id
from meetroom.records.accounts import (
    AccountRole,
    ApiToken,
    LoginFailures,
    Principal,
    User,
    WebSession,
)
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Participant

logger = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Deliberately loose: one @, no spaces, a dot in the domain. The mail server decides.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
API_TOKEN_PREFIX = "mrt_"
# The first admin's display name, in the server's default language (a stored name does not
# follow the interface's language; the admin can change it under My account).
ADMIN_NAMES = {"en": "Administrator", "vi": "Quản trị viên"}


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=5)
    session_lifetime: timedelta = timedelta(hours=12)


def generate_password() -> str:
    """16 URL-safe characters, never starting with "-" or "_": a leading "-" makes a
    spreadsheet take the passwords file's cell for a formula (so the file escapes it,
    and the password read from it was wrong), and a command line for an option."""
    while True:
        password = secrets.token_urlsafe(12)
        if password[0].isalnum():
            return password


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            "password_too_short",
            N_("The password must be at least {min} characters long."),
            min=MIN_PASSWORD_LENGTH,
        )
    if username and password.lower() == username.lower():
        raise Invalid("password_is_username", N_("The password must not be the username."))


class AccountService(SessionPrincipals):
    def __init__(
        self,
        users: UserStore,
        sessions: SessionStore,
        participants: ParticipantLookup,
        passwords: PasswordHasher,
        clock: Clock,
        policy: LoginPolicy,
        *,
        audit: AuditTrail,
    ) -> None:
        self.audit = audit
        self.users = users
        self.sessions = sessions
        self.participants = participants
        self.passwords = passwords
        self.clock = clock
        self.policy = policy
        # Verified against when the username is unknown, so timing does not tell.
        self._dummy_hash = passwords.hash(secrets.token_hex(16))
        # Told when an account's sessions or rights change (see `rights_changed`).
        self.rights_listeners: list[RightsListener] = []

    def listen(self, listener: RightsListener) -> None:
        self.rights_listeners.append(listener)

    async def rights_changed(self, user_id: UserId) -> None:
        """After the change is stored: the account's open connections follow at once."""
        for listener in self.rights_listeners:
            await listener.account_rights_changed(user_id)

    # -- users -----------------------------------------------------------------

    async def create_user(
        self,
        username: str,
        display_name: str,
        role: AccountRole,
        password: str | None = None,
        locale: str | None = None,
        must_change_password: bool | None = None,
        email: str | None = None,
        time_zone: str | None = None,
        actor: Principal | None = None,
    ) -> tuple[User, str | None]:
        """Create an account. Returns the user and the generated password, if one was made.
        `actor`: who creates it (None: the command line or the first start)."""
        username = normalise_username(username)
        if not USERNAME_RE.fullmatch(username):
            raise Invalid(
                "bad_username",
                N_(
                    "A username has 2 to 64 characters: letters a-z, digits, dot, dash or "
                    "underscore, starting with a letter or digit."
                ),
            )
        display_name = display_name.strip() or username
        if len(display_name) > 200:
            raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
        _check_locale(locale)
        email = check_email(email)
        check_time_zone(time_zone)
        generated = None
        if password is None:
            password = generated = generate_password()
        check_password_strength(password, username)
        now = self.clock.now()
        user = User(
            id=UserId(new_id()),
            username=username,
            display_name=display_name,
            role=role,
            locale=locale,
            disabled=False,
            must_change_password=(
                generated is not None if must_change_password is None else must_change_password
            ),
            created_at=now,
            email=email,
            time_zone=time_zone,
        )
        await self.users.create_user(user, self.passwords.hash(password))
        logger.info("user %s created with role %s", username, role.value)
        await self.audit.record(
            actor, AuditAction.USER_CREATED, target_type="user", target_id=user.id,
            details={"username": username, "role": role.value},
        )  # fmt: skip
        return user, generated

    async def get_user(self, user_id: UserId) -> User:
        user = await self.users.get_user(user_id)
        if user is None:
            raise NotFound("user_not_found", N_("No such user."))
        return user

    async def get_by_username(self, username: str) -> User:
        found = await self.users.get_user_by_username(normalise_username(username))
        if found is None:
            raise NotFound(
                "user_not_found", N_("There is no user named {username}."), username=username
            )
        return found.user

    async def list_users(self, actor: Principal) -> list[User]:
        require_account_role(actor, AccountRole.ADMIN, AccountRole.SECRETARY)
        return await self.users.list_users()

    async def ensure_admin(
        self, password: str | None, locale: str = "en"
    ) -> tuple[User, str | None] | None:
        """On first start: make the `admin` account, named in the server's language
        (`locale`). None when an admin exists already."""
        if await self.users.count_users(AccountRole.ADMIN):
            return None
        try:
            return await self.create_user(
                "admin",
                ADMIN_NAMES.get(locale, ADMIN_NAMES["en"]),
                AccountRole.ADMIN,
                password=password or None,
                must_change_password=not password,
            )
        except Conflict:
            # Several nodes starting at once: another one made it first.
            if await self.users.count_users(AccountRole.ADMIN):
                return None
            raise

    async def update_profile(
        self,
        actor: Principal,
        display_name: str | None = None,
        locale: str | None = "",
        email: str | None = "",
        time_zone: str | None = "",
    ) -> User:
        """Change one's own name, language, e-mail or time zone. "" leaves one as it
        is; None clears it (the browser's language, no e-mail, the server's zone)."""
        user = require_user(actor)
        changes: dict[str, object] = {}
        if display_name is not None:
            display_name = display_name.strip()
            if not display_name or len(display_name) > 200:
                raise Invalid("bad_name", N_("The name must have 1 to 200 characters."))
            changes["display_name"] = display_name
        if locale != "":
            _check_locale(locale)
            changes["locale"] = locale
        if email != "":
            changes["email"] = check_email(email)
        if time_zone != "":
            check_time_zone(time_zone)
            changes["time_zone"] = time_zone
        updated = dataclasses.replace(user, **changes)  # type: ignore[arg-type]
        await self.users.save_user(updated, self.clock.now())
        changed = {k: [getattr(user, k), v] for k, v in changes.items() if getattr(user, k) != v}
        if changed:
            await self.audit.record(
                actor, AuditAction.USER_CHANGED, target_type="user", target_id=user.id,
                details={"changes": changed},
            )  # fmt: skip
        return updated

    async def change_password(self, actor: Principal, current: str, new: str) -> None:
        user = require_user(actor)
        stored = await self.users.get_password_hash(user.id)
        if stored is None or not self.passwords.verify(stored, current):
            raise Invalid("wrong_current_password", N_("The current password is not right."))
        if new == current:
            raise Invalid(
                "password_unchanged", N_("The new password must differ from the old one.")
            )
        check_password_strength(new, user.username)
        await self.users.set_password(user.id, self.passwords.hash(new), False, self.clock.now())
        # Other devices signed in as this user are signed out.
        await self.sessions.delete_user_sessions(user.id, keep=actor.session_id)
        logger.info("user %s changed their password", user.username)
        await self.audit.record(
            actor, AuditAction.PASSWORD_CHANGED, target_type="user", target_id=user.id
        )
        await self.rights_changed(user.id)

    async def set_password(
        self, username: str, new: str | None, actor: Principal | None = None
    ) -> str | None:
        """Administrative reset (CLI). Returns the generated password, if one was made."""
        user = await self.get_by_username(username)
        generated = None
        if new is None:
            new = generated = generate_password()
        check_password_strength(new, user.username)
        await self.users.set_password(
            user.id, self.passwords.hash(new), generated is not None, self.clock.now()
        )
        await self.sessions.delete_user_sessions(user.id)
        await self.audit.record(
            actor, AuditAction.PASSWORD_RESET, target_type="user", target_id=user.id,
            details={"username": user.username, "generated": generated is not None},
        )  # fmt: skip
        await self.rights_changed(user.id)
        return generated

    async def sign_out_everywhere(self, actor: Principal) -> None:
        """One's own sessions end on every device, this one included (a lost tablet)."""
        user = require_user(actor)
        await self.sessions.delete_user_sessions(user.id)
        await self.audit.record(
            actor, AuditAction.SIGNED_OUT_EVERYWHERE, target_type="user", target_id=user.id
        )
        await self.rights_changed(user.id)

    # -- signing in ------------------------------------------------------------

    async def authenticate(self, username: str, password: str, address: str) -> User:
        now = self.clock.now()
        record = await self.sessions.get_login_failures(address)
        if record and record.locked_until and record.locked_until > now:
            await self._login_failed(username, address, None, "locked_out")
            raise self._locked(record.locked_until - now)

        found = await self.users.get_user_by_username(normalise_username(username))
        if found is None:
            self.passwords.verify(self._dummy_hash, password)
            ok = False
        else:
            ok = self.passwords.verify(found.password_hash, password)
        if not ok or found is None:
            locked = await self._count_failure(address, record, now)
            logger.info("failed sign-in for %r from %s", username, address)
            await self._login_failed(
                username, address, found.user if found else None,
                "locked_out" if locked is not None else "bad_credentials",
            )  # fmt: skip
            if locked is not None:
                raise self._locked(locked)
            raise Unauthenticated("bad_credentials", N_("Wrong username or password."))

        await self.sessions.clear_login_failures(address)
        if found.user.disabled:
            await self._login_failed(username, address, found.user, "account_disabled")
            raise Forbidden("account_disabled", N_("This account is disabled."))
        if self.passwords.needs_rehash(found.password_hash):
            await self.users.set_password(
                found.user.id,
                self.passwords.hash(password),
                found.user.must_change_password,
                now,
            )
        await self.audit.record(
            Principal(user=found.user, address=address), AuditAction.LOGIN,
            target_type="user", target_id=found.user.id,
        )  # fmt: skip
        return found.user

    async def _login_failed(
        self, username: str, address: str, user: User | None, reason: str
    ) -> None:
        await self.audit.record(
            None, AuditAction.LOGIN_FAILED, target_type="user" if user else "",
            target_id=user.id if user else "", address=address,
            details={"username": username[:100], "reason": reason},
        )  # fmt: skip

    async def _count_failure(
        self, address: str, record: LoginFailures | None, now: datetime
    ) -> timedelta | None:
        policy = self.policy
        if record is None or record.window_start + policy.failure_window <= now:
            record = LoginFailures(address, 0, now, None)
        failures = record.failures + 1
        locked_until = None
        if failures >= policy.max_failures:
            locked_until = now + policy.lockout
            failures = 0
        await self.sessions.put_login_failures(
            LoginFailures(address, failures, record.window_start if failures else now, locked_until)
        )
        return policy.lockout if locked_until else None

    def _locked(self, remaining: timedelta) -> RateLimited:
        seconds = max(1, math.ceil(remaining.total_seconds()))
        return RateLimited(
            "login_locked",
            N_("Too many failed sign-ins from your address. Try again in {minutes} min."),
            retry_after=seconds,
            minutes=math.ceil(seconds / 60),
        )

    async def start_session(
        self, user: User, address: str, user_agent: str
    ) -> tuple[str, WebSession]:
        """A new login session; returns the cookie value and the session."""
        now = self.clock.now()
        return await self._store_session(
            user_id=user.id,
            participant=None,
            expires_at=now + self.policy.session_lifetime,
            address=address,
            user_agent=user_agent,
        )

    async def start_join_session(
        self, participant: Participant, expires_at: datetime, address: str, user_agent: str
    ) -> tuple[str, WebSession]:
        """A session confined to one meeting, made by following a join link."""
        await self.audit.record(
            Principal(participant=participant, address=address), AuditAction.LOGIN,
            target_type="meeting", target_id=participant.meeting_id,
            details={"via": "join_link"},
        )  # fmt: skip
        return await self._store_session(
            user_id=None,
            participant=participant,
            expires_at=expires_at,
            address=address,
            user_agent=user_agent,
        )

    async def _store_session(
        self,
        *,
        user_id: UserId | None,
        participant: Participant | None,
        expires_at: datetime,
        address: str,
        user_agent: str,
    ) -> tuple[str, WebSession]:
        cookie = new_opaque_token()
        session = WebSession(
            id=token_digest(cookie),
            user_id=user_id,
            meeting_id=participant.meeting_id if participant else None,
            participant_id=participant.id if participant else None,
            created_at=self.clock.now(),
            expires_at=expires_at,
            link_version=participant.link_version if participant else None,
        )
        await self.sessions.create_session(session, address, user_agent)
        return cookie, session

    async def end_session(self, cookie: str, actor: Principal | None = None) -> None:
        """`actor`: who signs out (a logout is recorded); None: a session replaced."""
        await self.sessions.delete_session(token_digest(cookie))
        if actor is not None and actor.is_authenticated:
            await self.audit.record(actor, AuditAction.LOGOUT)

    # -- API tokens ------------------------------------------------------------

    async def create_api_token(self, username: str, name: str = "cli") -> str:
        user = await self.get_by_username(username)
        token = new_opaque_token(API_TOKEN_PREFIX)
        record = ApiToken(
            id=new_id(),
            user_id=user.id,
            name=name[:100],
            created_at=self.clock.now(),
            last_used_at=None,
        )
        await self.sessions.create_api_token(record, token_digest(token))
        logger.info("API token %r created for %s", name, user.username)
        return token

    async def principal_for_api_token(self, token: str) -> Principal | None:
        record = await self.sessions.use_api_token(token_digest(token), self.clock.now())
        if record is None:
            return None
        user = await self.users.get_user(record.user_id)
        if user is None or user.disabled:
            return None
        return Principal(user=user, via_api_token=True)


def _check_locale(locale: str | None) -> None:
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise Invalid(
            "bad_locale",
            N_("Unknown language {locale}; choose one of: {choices}."),
            locale=locale,
            choices=", ".join(SUPPORTED_LOCALES),
        )


def check_email(email: str | None) -> str | None:
    """A plausible address, trimmed; "" or None: no address."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        raise Invalid("bad_email", N_("{email} is not an e-mail address."), email=email)
    return email


def check_time_zone(time_zone: str | None) -> None:
    if time_zone is None:
        return
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            "bad_time_zone",
            N_("Unknown time zone {zone}; give an IANA name such as Asia/Ho_Chi_Minh."),
            zone=time_zone,
        ) from None


def require_user(actor: Principal) -> User:
    if actor.user is None:
        if actor.participant is not None:
            raise Forbidden(
                "account_required",
                N_("You joined with a meeting link; sign in with an account to do this."),
            )
        raise Unauthenticated("sign_in_required", N_("Please sign in."))
    return actor.user


def require_account_role(actor: Principal, *roles: AccountRole) -> User:
    user = require_user(actor)
    if user.role not in roles:
        raise Forbidden("not_allowed", N_("Your account is not allowed to do this."))
    return user
