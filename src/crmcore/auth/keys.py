"""Authenticating a signed request against the stored API keys."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from crmcore.auth.replay import ReplayStore
from crmcore.auth.signature import (
    SignedHeader,
    check_freshness,
    check_signature,
    parse_authorization,
    parse_date,
)
from crmcore.db.direct import DirectStatement
from crmcore.db.session import UnitOfWork
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


#: Keys whose secret this process remembers (an API key's secret never changes).
SECRETS_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class Authenticator:
    secret_box: SecretBox
    replay_store: ReplayStore
    skew: timedelta
    #: The secrets of keys that signed a request here, by API key. With the secret at hand the
    #: header is checked before the key is read, so the lookup (and the claim it makes) can be
    #: committed on its own: no BEGIN round trip, and nothing kept for a rollback to undo.
    _secrets: LruCache[str, str] = field(default_factory=lambda: LruCache(SECRETS_REMEMBERED))

    def authenticate(self, uow: UnitOfWork, header: str | None, now: datetime) -> Caller:
        signed = parse_authorization(header)
        until = _spent_until(signed, now)
        signature = signed.signature.lower()
        # A header the remembered secret refuses is answered as an unknown key's would be: by
        # the key first (it may be gone), then the date and the signature.
        checked = self._passes(signed, self._secrets.get(signed.api_key), now)
        claiming = self.replay_store.claiming(uow, _KEY_LOOKUP)
        parameters = {"api_key": signed.api_key, "signature": signature, "expires_at": until}
        lookup = _DIRECT_KEY_LOOKUP if claiming is None else claiming
        row = lookup.first(uow.session, parameters, alone=checked)
        if row is None or row.key_status != KeyStatus.ACTIVE:
            raise InvalidAPIKey("The API key is not valid")
        if not checked:
            secret = self.secret_box.decrypt(row.secret_encrypted)
            if secret is None:
                raise InvalidAPIKey("The API key cannot be used with this server's secret key")
            check_freshness(signed, now, self.skew)
            check_signature(signed, secret)
            self._secrets.put(signed.api_key, secret)
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
        return Caller(
            account_id=row.account_id,
            workspace_id=row.workspace_id,
            member_id=row.member_id,
            role=Role(row.role),
            tier=PlanTier(row.tier),
            limit_overrides=dict(row.limit_overrides or {}),
        )

    def _passes(self, signed: SignedHeader, secret: str | None, now: datetime) -> bool:
        if secret is None:
            return False
        try:
            check_freshness(signed, now, self.skew)
            check_signature(signed, secret)
        except AuthRejected:
            return False
        return True


def _spent_until(signed: SignedHeader, now: datetime) -> datetime:
    """How long a signature stays spent: until its date itself is out of the window, so a
    future-dated header stays spent. (A date that cannot be read fails the freshness check;
    the claim made with this placeholder is rolled back with the request.)"""
    try:
        moment = parse_date(signed.date)
    except RequestTimeTooSkewed:
        return now + REPLAY_WINDOW
    return max(now, moment) + REPLAY_WINDOW
