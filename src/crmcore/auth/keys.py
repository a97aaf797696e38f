"""Authenticating a signed request against the stored API keys."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from crmcore.auth.replay import ReplayStore
from crmcore.auth.signature import check_freshness, check_signature, parse_authorization
from crmcore.db.session import UnitOfWork
from crmcore.kernel.context import Caller
from crmcore.kernel.errors import DuplicatedSignature, Forbidden, InvalidAPIKey
from crmcore.kernel.secrets import SecretBox
from crmcore.models import Account, ApiKey, Member
from crmcore.models.account import AccountStatus, KeyStatus, MemberStatus, PlanTier, Role

REPLAY_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Authenticator:
    secret_box: SecretBox
    replay_store: ReplayStore
    skew: timedelta

    def authenticate(self, uow: UnitOfWork, header: str | None, now: datetime) -> Caller:
        signed = parse_authorization(header)
        row = uow.session.execute(
            select(ApiKey, Member, Account)
            .join(
                Member,
                (Member.account_id == ApiKey.account_id) & (Member.member_id == ApiKey.member_id),
            )
            .join(Account, Account.account_id == ApiKey.account_id)
            .where(ApiKey.api_key == signed.api_key)
        ).one_or_none()
        if row is None or row.ApiKey.status != KeyStatus.ACTIVE:
            raise InvalidAPIKey("The API key is not valid")
        secret = self.secret_box.decrypt(row.ApiKey.secret_encrypted)
        if secret is None:
            raise InvalidAPIKey("The API key cannot be used with this server's secret key")
        moment = check_freshness(signed, now, self.skew)
        check_signature(signed, secret)
        # Kept until the date itself is out of the window, so a future-dated header stays spent.
        until = max(now, moment) + REPLAY_WINDOW
        if not self.replay_store.claim(uow, row.Account.account_id, signed.signature, until):
            raise DuplicatedSignature("This signature has already been used")
        if row.Account.status != AccountStatus.ACTIVE or row.Member.status != MemberStatus.ACTIVE:
            raise Forbidden("The account or member is not active")
        return Caller(
            account_id=row.Account.account_id,
            workspace_id=row.Member.workspace_id,
            member_id=row.Member.member_id,
            role=Role(row.Member.role),
            tier=PlanTier(row.Account.tier),
            limit_overrides=dict(row.Account.limit_overrides or {}),
        )
