"""The `meetroom` command: serve, migrate, demo, user and token administration, the
audit log's and a vote's verification.

Every command reads the same settings (defaults, --config file, MEETROOM_*
variables, flags), so it acts on the same data as a server started the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from meetroom import __version__
from meetroom.config import Settings, bundled_path, load_settings
from meetroom.errors import ConfigError, MeetRoomError
from meetroom.private_files import restrict_umask
from meetroom.records.accounts import AccountRole, Principal

# Each command imports what it runs on when it runs: `user`, `token`, `audit`, `vote`
# and `migrate` need the database and the accounts (admin_services), not the server, the SFU
# or the PDF pipeline (app), whose imports would take most of their second; `--help`
# and a bad setting need neither.
if TYPE_CHECKING:
    from meetroom.admin_services import AdminServices
    from meetroom.records.audit import AuditRecord
    from meetroom.records.meetings import Meeting
    from meetroom.records.votes import Result, Vote
    from meetroom.server.context import Services

logger = logging.getLogger("meetroom")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetroom", description="MeetRoom server")
    parser.add_argument("--version", action="version", version=f"meetroom {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    parser.add_argument("--data-dir", metavar="DIR", help="where data is kept (default ./var)")
    parser.add_argument("--database-url", metavar="URL", help="sqlite:///... or postgresql://...")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve_p = sub.add_parser("serve", help="run the server")
    serve_p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_p.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve_p.add_argument(
        "--demo", action="store_true", default=None, help="load the demo meeting once"
    )
    serve_p.add_argument(
        "--workers", type=int, metavar="N",
        help="start N processes sharing the port, one per core (needs redis_url)",
    )  # fmt: skip
    serve_p.add_argument("--node-name", metavar="NAME", help="this node's name among the nodes")
    # Set by --workers for the processes it starts: they listen on one shared port.
    serve_p.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)

    sub.add_parser("migrate", help="bring the database schema up to date")

    demo_p = sub.add_parser("demo", help="load the demo meeting")
    demo_p.add_argument("--force", action="store_true", help="load another copy even if loaded")

    user_p = sub.add_parser("user", help="manage user accounts")
    user_sub = user_p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add_p = user_sub.add_parser("add", help="create a user (prints a generated password)")
    add_p.add_argument("username")
    add_p.add_argument("--name", default="", help="display name")
    add_p.add_argument(
        "--role", default="delegate", choices=[r.value for r in AccountRole], help="account role"
    )
    add_p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user_sub.add_parser("list", help="list users")
    passwd_p = user_sub.add_parser("passwd", help="set a user's password")
    passwd_p.add_argument("username")
    passwd_p.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    passwd_p.add_argument("--generate", action="store_true", help="generate one and print it")

    audit_p = sub.add_parser("audit", help="the security audit log")
    audit_sub = audit_p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify_p = audit_sub.add_parser(
        "verify",
        help="check the keyed hash chain and that it reaches its anchored head; "
        "prints the last hash",
    )
    verify_p.add_argument(
        "--expect", metavar="HASH", help="a last hash kept earlier: it must still be in the chain"
    )
    export_p = audit_sub.add_parser("export", help="write the log as CSV to stdout")
    export_p.add_argument("--since", default="", help="from this date (YYYY-MM-DD) or ISO time")
    export_p.add_argument("--until", default="", help="up to the end of this date, or ISO time")
    export_p.add_argument("--action", action="append", default=[], help="only this action")

    vote_p = sub.add_parser("vote", help="votes")
    vote_sub = vote_p.add_subparsers(dest="vote_command", required=True, metavar="ACTION")
    check_p = vote_sub.add_parser(
        "verify",
        help="count a closed vote again from its stored ballots and check the board, its "
        "chain's head and the result recorded at the close (exit 1: they differ)",
    )
    check_p.add_argument("vote_id", metavar="VOTE_ID")

    token_p = sub.add_parser("token", help="API tokens")
    token_sub = token_p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create_p = token_sub.add_parser("create", help="create an API token; prints it alone")
    create_p.add_argument("username")
    create_p.add_argument("--name", default="cli", help="a label for the token")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": args.data_dir,
        "database_url": args.database_url,
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
        "demo": getattr(args, "demo", None),
        "workers": getattr(args, "workers", None),
        "node_name": getattr(args, "node_name", None),
    }
    return load_settings(args.config, overrides=overrides)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        raise ConfigError("the two passwords differ")
    return first


async def _with_services(
    settings: Settings, work: Callable[[Services], Awaitable[int]], documents: bool = False
) -> int:
    """A command's services; `documents`: with the document workers (the demo uploads)."""
    from meetroom.app import open_services

    async with open_services(settings, documents=documents) as services:
        return await work(services)


async def _with_admin(settings: Settings, work: Callable[[AdminServices], Awaitable[int]]) -> int:
    """The database and the accounts alone (`user`, `token`, `audit`)."""
    from meetroom.admin_services import open_admin_services

    async with open_admin_services(settings) as services:
        return await work(services)


async def prepare(services: Services, demo: bool, force_demo: bool = False) -> Meeting | None:
    """First start: the admin account; the demo meeting when asked for (once)."""
    settings = services.settings
    created = await services.accounts.ensure_admin(
        settings.admin_password or None, settings.default_locale
    )
    if created is not None:
        user, generated = created
        if generated:
            print(
                f"\nAdmin account created.\n  username: {user.username}\n"
                f"  one-time password: {generated}\n"
                "  (you will choose a new password after signing in)\n",
                flush=True,
            )
        else:
            print(f"Admin account {user.username!r} created with MEETROOM_ADMIN_PASSWORD.")
    if not demo:
        return None
    from meetroom.demo import load_demo

    admin = await services.accounts.get_by_username("admin")
    meeting = await load_demo(
        services.meetings,
        services.agenda,
        services.documents,
        services.state,
        services.rooms,
        services.votes.votes,
        Principal(user=admin),
        settings.timezone,
        settings.default_locale,
        bundled_path("media"),
        force_demo,
    )
    if meeting is not None:
        print(f"Demo meeting loaded: {meeting.title}")
    return meeting


def _cmd_serve(settings: Settings, argv: Sequence[str], worker: bool) -> int:
    from meetroom.app import create_app
    from meetroom.server import serve
    from meetroom.workers import Supervisor

    async def work(services: Services) -> int:
        await prepare(services, demo=settings.demo)
        return 0

    if settings.workers > 1:
        # The supervisor prepares the data once for all its workers (with document
        # workers of its own only for the demo's uploads).
        asyncio.run(_with_services(settings, work, documents=settings.demo))
        print(
            f"MeetRoom {__version__} serving on http://{settings.host}:{settings.port} with "
            f"{settings.workers} worker processes (data in {settings.data_path}); "
            "Ctrl-C stops them, SIGTERM drains them first.",
            flush=True,
        )
        return Supervisor(settings, argv).run()

    def ready() -> None:
        if not worker:
            print(
                f"MeetRoom {__version__} serving on http://{settings.host}:{settings.port} "
                f"(data in {settings.data_path}); Ctrl-C stops it, SIGTERM drains it first.",
                flush=True,
            )

    # A single server prepares on the services it serves with (one document worker
    # pool per process); a supervisor's worker finds the data prepared.
    app = create_app(settings, on_open=None if worker else work)
    try:
        serve(
            app, settings.host, settings.port, reuse_port=worker,
            drain_seconds=settings.drain_seconds, on_ready=ready,
        )  # fmt: skip
    except OSError as exc:
        print(
            f"meetroom: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print("MeetRoom stopped.")
    return 0


async def _cmd_user(args: argparse.Namespace, services: AdminServices) -> int:
    accounts = services.accounts
    if args.user_command == "add":
        password = _read_password(True) if args.password_stdin else None
        user, generated = await accounts.create_user(
            args.username, args.name, AccountRole(args.role), password=password
        )
        print(f"created {user.username} ({user.role.value})")
        if generated:
            print(f"one-time password: {generated}")
    elif args.user_command == "list":
        for user in await accounts.users.list_users():
            flags = " disabled" if user.disabled else ""
            print(f"{user.username:<24} {user.role.value:<10} {user.display_name}{flags}")
    elif args.user_command == "passwd":
        new = None if args.generate else _read_password(args.password_stdin)
        generated = await accounts.set_password(args.username, new)
        print(f"password of {args.username} changed")
        if generated:
            print(f"one-time password: {generated}")
    return 0


async def _cmd_demo(args: argparse.Namespace, services: Services) -> int:
    if await prepare(services, demo=True, force_demo=args.force) is None:
        print("The demo meeting was loaded before (use --force for another copy).")
    return 0


async def _cmd_migrate(settings: Settings) -> int:
    from meetroom.admin_services import migrate

    applied, revision = await migrate(settings)
    print(f"applied: {', '.join(applied)}" if applied else "nothing to apply")
    print(f"database is at revision {revision}")
    return 0


# Libraries whose INFO is not the operator's business: ICE alone logs some thirty lines
# for each video join. At log_level DEBUG they say everything again.
QUIET_LIBRARIES = ("alembic", "aioice", "aiortc")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    threshold = logging.getLevelNamesMapping()[level]
    quiet = threshold if threshold <= logging.DEBUG else max(threshold, logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(quiet)
    # pyHanko logs a signature that does not chain to a trust root as a WARNING with a
    # traceback; the minutes' page shows that status ("untrusted") already.
    if threshold > logging.DEBUG:
        logging.getLogger("pyhanko").setLevel(max(threshold, logging.ERROR))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"meetroom: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    # Every command may create the data directory, the database or a document file;
    # the worker processes started below inherit the mask.
    restrict_umask()
    try:
        if args.command == "serve":
            return _cmd_serve(settings, argv, worker=args.reuse_port)
        if args.command == "migrate":
            return asyncio.run(_cmd_migrate(settings))
        if args.command == "demo":
            return asyncio.run(
                _with_services(settings, lambda s: _cmd_demo(args, s), documents=True)
            )
        if args.command == "user":
            return asyncio.run(_with_admin(settings, lambda s: _cmd_user(args, s)))
        if args.command == "audit":
            return asyncio.run(_with_admin(settings, lambda s: _cmd_audit(args, s)))
        if args.command == "token":
            return asyncio.run(_with_admin(settings, lambda s: _cmd_token(args, s)))
        if args.command == "vote":
            return asyncio.run(_with_admin(settings, lambda s: _cmd_vote(args, s)))
    except (MeetRoomError, ConfigError) as exc:
        print(f"meetroom: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


async def _cmd_audit(args: argparse.Namespace, services: AdminServices) -> int:
    if args.audit_command == "verify":
        check = await services.audit.verify(anchor=args.expect)
        if check.ok:
            print(f"audit log OK: {check.count} entries, last hash {check.last_hash}")
            if check.head_seq is not None:
                where = services.audit.chain.keeper.head_file
                print(f"it reaches its head, anchored in {where} at entry {check.head_seq}")
            return 0
        print(f"audit log BROKEN: {check.message}", file=sys.stderr)
        print(f"{check.count} entries verified before it; last good hash {check.last_hash}")
        return 1
    from meetroom.accounts.audit_export import csv_chunks, parse_filter

    query = {"from": args.since, "to": args.until}
    flt = parse_filter(query, args.action, services.settings.timezone)
    out = sys.stdout
    async for chunk in csv_chunks(services.audit.export_all(flt)):
        out.write(chunk)
    out.flush()
    return 0


async def _cmd_token(args: argparse.Namespace, services: AdminServices) -> int:
    token = await services.accounts.create_api_token(args.username, args.name)
    print(token)
    return 0


async def _cmd_vote(args: argparse.Namespace, services: AdminServices) -> int:
    """`vote verify`: 0 when the board agrees with what the close recorded, 1 at the
    first difference, 2 for a vote that is not there or not closed (nothing to check)."""
    from meetroom.admin_services import command_roll, compose_votes
    from meetroom.errors import NotFound
    from meetroom.ids import VoteId
    from meetroom.records.votes import VoteStatus

    votes = compose_votes(services, command_roll(services))
    vote_id = VoteId(args.vote_id)
    try:
        vote = await votes.get(vote_id)
    except NotFound:
        print(f"meetroom: there is no vote {args.vote_id!r}", file=sys.stderr)
        return 2
    print(f"vote {vote.id}: {vote.title}")
    if vote.status is not VoteStatus.CLOSED:
        status = vote.status.value
        print(f"meetroom: the vote is {status}: a board is fixed at the close", file=sys.stderr)
        return 2
    closing = await _close_entry(services, vote)
    # The chair's choice that decided a tie, as the close saw it (the chair may change).
    known = closing is not None and "chair_choice" in closing.details
    said = closing.details.get("chair_choice") if closing is not None else None
    chair = tuple(str(c) for c in said) if isinstance(said, list) else None
    problem = await votes.verify(vote_id, chair, chair_known=known)
    result = await votes.result(vote)
    seq = None
    entries = len(await votes.board(vote))
    if problem is None:
        # Each ballot is stored with its voter's row, in one transaction.
        voters = (await votes.tally(vote)).voted
        if voters != entries:
            problem = f"{voters} voters recorded, {entries} ballots on the board"
    if problem is None:
        assert result is not None  # verify found it
        seq, problem = await _audited_close(services, closing, vote, result)
    if problem is not None:
        print(f"vote BROKEN: {problem}", file=sys.stderr)
        return 1
    assert result is not None
    for line in _vote_summary(vote, result, entries):
        print(line)
    print(f"the same head and counts in the audit log's entry {seq}")
    print("OK")
    return 0


async def _close_entry(services: AdminServices, vote: Vote) -> AuditRecord | None:
    """The audit log's entry of the vote's close (the newest: a vote closes once)."""
    from meetroom.records.audit import AuditAction, AuditFilter

    flt = AuditFilter(
        actions=frozenset({AuditAction.VOTE_CLOSED}), target_type="vote", target_id=vote.id
    )
    async for entry in services.audit.export_all(flt):
        return entry
    return None


async def _audited_close(
    services: AdminServices, entry: AuditRecord | None, vote: Vote, result: Result
) -> tuple[int | None, str | None]:
    """The difference between the close as recorded on the vote and as sealed in the
    audit log's `entry` (which the database alone cannot rewrite), or None."""
    from meetroom.sessions.votes.board import audited

    if entry is None:
        return None, "the audit log holds no entry of the close"
    if not await services.audit.sealed(entry):
        return entry.seq, f"the audit log's entry {entry.seq} of the close was changed"
    return entry.seq, audited(vote, result, entry.details)


def _vote_summary(vote: Vote, result: Result, entries: int) -> list[str]:
    labels = {o.id: f"{o.id} ({o.label})" for o in vote.options}
    closed = vote.closed_at.isoformat() if vote.closed_at else "?"
    q = vote.quorum_at_close
    counts = ", ".join(f"{labels.get(c, c)} {n}" for c, n in result.counts)
    if labels:
        elected = ", ".join(labels.get(o, o) for o in result.elected) or "none"
        outcome = f"elected: {elected}"
    else:
        outcome = "passed" if result.passed else "not passed"
    tie = f"; tie {result.tie.value}" if result.tie.value != "none" else ""
    return [
        f"meeting {vote.meeting_id}; {'secret' if vote.secret else 'open'} {vote.kind.value}"
        f" vote, rule {vote.rule.value}; closed at {closed}",
        f"members {q.members if q else '?'}, present {q.present if q else '?'} at the close",
        f"ballots: {result.ballots} ({entries} on the board, as many voters)",
        f"head: {vote.board_head}",
        f"counts: {counts}",
        f"result: {outcome} ({result.required} required of {result.base}){tie}",
    ]


if __name__ == "__main__":
    sys.exit(main())
