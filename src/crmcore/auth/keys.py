"""Authenticating a signed request against the stored API keys."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, literal, select
from sqlalchemy.orm import Session

from crmcore.auth.replay import ReplayStore
from crmcore.auth.signature import (
    SignedHeader,
    check_freshness,
    check_signature,
    parse_authorization,
    parse_date,
)
from crmcore.db.direct import DirectStatement
from crmcore.db.session import GuardedWrite, UnitOfWork
from crmcore.kernel.context import Caller
from crmcore.kernel.errors import (
    AuthRejected,
    DuplicatedSignature,
    Forbidden,
    InvalidAPIKey,
    RequestTimeTooSkewed,
)
from crmcore.kernel.lru import LruCache
from crmcore.kernel.secrets import SecretBox
from crmcore.models import Account, ApiKey, Member
from crmcore.models.account import AccountStatus, KeyStatus, MemberStatus, PlanTier, Role

REPLAY_WINDOW = timedelta(minutes=15)

# Built once: every request runs it, and constructing and cache-keying a statement per request
# cost more than executing it. Plain columns, not ORM entities: nothing here is changed.
_KEY_LOOKUP = (
    select(
        ApiKey.status.label("key_status"),
        ApiKey.secret_encrypted,
        Account.account_id,
        Account.status.label("account_status"),
        Account.tier,
        Account.limit_overrides,
        Member.workspace_id,
        Member.member_id,
        Member.role,
        Member.status.label("member_status"),
    )
    .join(Member, (Member.account_id == ApiKey.account_id) & (Member.member_id == ApiKey.member_id))
    .join(Account, Account.account_id == ApiKey.account_id)
    .where(ApiKey.api_key == bindparam("api_key"))
)

_DIRECT_KEY_LOOKUP = DirectStatement(_KEY_LOOKUP)

_OVERRIDES = Account.limit_overrides
#: The key's row only while everything a remembered caller was built from still holds.
_KEY_HOLDS = _KEY_LOOKUP.where(
    ApiKey.status == KeyStatus.ACTIVE,
    Account.status == AccountStatus.ACTIVE,
    Member.status == MemberStatus.ACTIVE,
    Account.account_id == bindparam("known_account_id"),
    Member.workspace_id == bindparam("known_workspace_id"),
    Member.member_id == bindparam("known_member_id"),
    Member.role == bindparam("known_role"),
    Account.tier == bindparam("known_tier"),
    func.coalesce(_OVERRIDES, literal({}, _OVERRIDES.type))
    == bindparam("known_limit_overrides", type_=_OVERRIDES.type),
)


#: Keys this process remembers: their secret (which never changes) and the caller they were
#: last found to be.
KEYS_REMEMBERED = 10_000


class CallerChanged(Exception):
    """A remembered key's facts no longer hold (revoked, deactivated, another role or plan):
    nothing of the request was written, and it must start again from the key's row. Never
    answered as such (``api.deps``)."""


@dataclass(frozen=True, slots=True)
class _KnownKey:
    secret: str
    caller: Caller


@dataclass(frozen=True, slots=True)
class Authenticator:
    secret_box: SecretBox
    replay_store: ReplayStore
    skew: timedelta
    #: The keys that signed a request here. With the secret at hand the header is checked
    #: before the key is read, so the lookup (and the claim it makes) can be committed on its
    #: own, or left to the request's first statement (``claim_late``).
    _known: LruCache[str, _KnownKey] = field(default_factory=lambda: LruCache(KEYS_REMEMBERED))

    def authenticate(
        self, uow: UnitOfWork, header: str | None, now: datetime, *, claim_late: bool = False
    ) -> Caller:
        """The caller the header proves; its signature is spent.

        ``claim_late``: for a remembered key whose header passes, the caller it was last found
        to be, with the claim (and the check that the key's facts still hold, raising
        ``CallerChanged`` when not) left to the request's first statement (``Opening``)."""
        signed = parse_authorization(header)
        until = _spent_until(signed, now)
        signature = signed.signature.lower()
        # Remembered, and the header passed with its secret. A header the remembered secret
        # refuses is answered as an unknown key's would be: by the key first (it may be gone),
        # then the date and the signature.
        known = self._known.get(signed.api_key)
        if known is not None and not self._passes(signed, known.secret, now):
            known = None
        parameters = {"api_key": signed.api_key, "signature": signature, "expires_at": until}
        late = claim_late and self.replay_store.claiming(uow, _KEY_HOLDS) is not None
        if known is not None and late:
            uow.open_with(_LateClaim(self, uow, {**parameters, **_known_facts(known.caller)}))
            return known.caller
        claiming = self.replay_store.claiming(uow, _KEY_LOOKUP)
        lookup = _DIRECT_KEY_LOOKUP if claiming is None else claiming
        row = lookup.first(uow.session, parameters, alone=known is not None)
        if row is None or row.key_status != KeyStatus.ACTIVE:
            raise InvalidAPIKey("The API key is not valid")
        if known is not None:
            secret = known.secret
        else:
            decrypted = self.secret_box.decrypt(row.secret_encrypted)
            if decrypted is None:
                raise InvalidAPIKey("The API key cannot be used with this server's secret key")
            check_freshness(signed, now, self.skew)
            check_signature(signed, decrypted)
            secret = decrypted
        if claiming is None:
            claimed = self.replay_store.claim(uow, row.account_id, signature, until)
        else:
            claimed = bool(row.claimed)
            if claimed:
                self.replay_store.keep(uow, row.account_id, signature, until)
        if not claimed:
            raise DuplicatedSignature("This signature has already been used")
        if row.account_status != AccountStatus.ACTIVE or row.member_status != MemberStatus.ACTIVE:
            raise Forbidden("The account or member is not active")
        caller = Caller(
            account_id=row.account_id,
            workspace_id=row.workspace_id,
            member_id=row.member_id,
            role=Role(row.role),
            tier=PlanTier(row.tier),
            limit_overrides=dict(row.limit_overrides or {}),
        )
        self._known.put(signed.api_key, _KnownKey(secret, caller))
        return caller

    def forget(self, api_key: str) -> None:
        self._known.discard(api_key)

    def _passes(self, signed: SignedHeader, secret: str, now: datetime) -> bool:
        try:
            check_freshness(signed, now, self.skew)
            check_signature(signed, secret)
        except AuthRejected:
            return False
        return True


def _known_facts(caller: Caller) -> dict[str, Any]:
    return {
        "known_account_id": caller.account_id,
        "known_workspace_id": caller.workspace_id,
        "known_member_id": caller.member_id,
        "known_role": caller.role,
        "known_tier": caller.tier,
        "known_limit_overrides": caller.limit_overrides,
    }


@dataclass(frozen=True, slots=True)
class _LateClaim:
    """The ``Opening`` of a remembered key's request: its signature claimed, with the check
    that the key's facts still hold, by the request's first statement."""

    authenticator: Authenticator
    uow: UnitOfWork
    parameters: Mapping[str, Any]

    def run_first(self, connection: Connection) -> None:
        store = self.authenticator.replay_store
        statement = store.claiming(self.uow, _KEY_HOLDS)
        assert statement is not None  # the store claimed late because it can
        row = statement.first_on(connection, self.parameters)
        self._confirm(row is not None, row is not None and bool(row.claimed))
        store.keep(self.uow, row.account_id, self.parameters["signature"], self._until)

    def run_with(
        self, session: Session, write: GuardedWrite, parameters: Mapping[str, Any]
    ) -> bool:
        statement = self.authenticator.replay_store.claiming(self.uow, _KEY_HOLDS, write)
        assert statement is not None
        row = statement.first(session, {**parameters, **self.parameters}, alone=True)
        self._confirm(row.found, row.claimed)
        return bool(row.written)

    @property
    def _until(self) -> datetime:
        until: datetime = self.parameters["expires_at"]
        return until

    def _confirm(self, found: bool, claimed: bool) -> None:
        if not found:
            self.authenticator.forget(self.parameters["api_key"])
            raise CallerChanged
        if not claimed:
            raise DuplicatedSignature("This signature has already been used")


def _spent_until(signed: SignedHeader, now: datetime) -> datetime:
    """How long a signature stays spent: until its date itself is out of the window, so a
    future-dated header stays spent. (A date that cannot be read fails the freshness check;
    the claim made with this placeholder is rolled back with the request.)"""
    try:
        moment = parse_date(signed.date)
    except RequestTimeTooSkewed:
        return now + REPLAY_WINDOW
    return max(now, moment) + REPLAY_WINDOW
