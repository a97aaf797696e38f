"""The physical floor: the statements crmcore sends for each workload, issued directly with
psycopg against crmcore's own benchmark database, at the same concurrency, with the same
percentiles.

The SQL below is copied from a statement log of ``crmcore serve`` running ``bench.run``
(``ALTER DATABASE ... SET log_statement = 'all'``, PostgreSQL 15, crmcore 0.1.0): same text,
same casts, same WHERE clauses (so the same partial per-property expression indexes and the
trigram index serve them), same ORDER BY/LIMIT, same transaction boundaries and ``SET LOCAL``
settings. psycopg's defaults (server-side prepared statements after 5 executions) are those
crmcore runs with. When crmcore's statements change, re-take the log and update them here
(last re-taken 2026-12-07 05:26 UTC, for the per-request prelude and the create).

Each workload is measured twice:

- ``workload`` statements: what the operation itself needs (read the record, insert it and its
  log row, read + update + log, the page query or its segments, the name-search tiers, the count;
  with ``SET LOCAL plan_cache_mode`` where crmcore sets it);
- ``request`` statements: every statement of crmcore's transaction for that request, i.e. the
  above plus the per-request bookkeeping: the API-key lookup with the replay record of the
  signature (one statement), the entity lookup (not for a create: the server remembers the
  entity and its insert checks it) and the files of the returned records; the lookup and a
  create's insert each commit on their own, as crmcore's do.

The difference between crmcore's latency and the ``request`` floor is the cost of the HTTP
server, the Python code and the load generator's own HTTP client, not of the database.
"""

import asyncio
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads

from bench import load
from bench.seed import Tenant
from crmcore.kernel.ids import IdKind, new_id
from crmcore.records.history import initial_changes

Op = Callable[[psycopg.AsyncConnection[Any], int], Awaitable[None]]

RECORD_COLUMNS = (
    "records.account_id, records.record_id, records.entity_id, records.workspace_id, "
    "records.name, records.data, records.tags, records.owner_id, records.is_deleted, "
    "records.deleted_at, records.deleted_by, records.created_by, records.updated_by, "
    "records.date_created, records.date_updated"
)
ENTITY_COLUMNS = (
    "entities.account_id, entities.entity_id, entities.workspace_id, entities.name, "
    "entities.slug, entities.description, entities.property_ids, entities.view_settings, "
    "entities.insight_widgets, entities.record_access, entities.owner_id, entities.priority, "
    "entities.schema_version, entities.is_deleted, entities.deleted_at, entities.deleted_by, "
    "entities.created_by, entities.updated_by, entities.date_created, entities.date_updated"
)
JOINED_ENTITY_COLUMNS = (
    "entities.account_id AS account_id_1, entities.entity_id AS entity_id_1, "
    "entities.workspace_id AS workspace_id_1, entities.name AS name_1, entities.slug, "
    "entities.description, entities.property_ids, entities.view_settings, "
    "entities.insight_widgets, entities.record_access, entities.owner_id AS owner_id_1, "
    "entities.priority, entities.schema_version, entities.is_deleted AS is_deleted_1, "
    "entities.deleted_at AS deleted_at_1, entities.deleted_by AS deleted_by_1, "
    "entities.created_by AS created_by_1, entities.updated_by AS updated_by_1, "
    "entities.date_created AS date_created_1, entities.date_updated AS date_updated_1"
)

SQL_CUSTOM_PLAN = "SET LOCAL plan_cache_mode TO force_custom_plan"
SQL_EXACT_BITMAPS = "SET LOCAL work_mem TO '32MB'"
# Since 2026-12-07 the key lookup claims the signature in the same statement (auth/replay.py),
# committed on its own once the server remembers the key's secret (every request but a
# process's first of a key), without waiting for the WAL flush (the set_config column).
SQL_API_KEY_AND_CLAIM = (
    "WITH found_key AS \n(SELECT api_keys.status AS key_status, api_keys.secret_encrypted AS "
    "secret_encrypted, accounts.account_id AS account_id, accounts.status AS account_status, "
    "accounts.tier AS tier, accounts.limit_overrides AS limit_overrides, members.workspace_id "
    "AS workspace_id, members.member_id AS member_id, members.role AS role, members.status AS "
    "member_status \nFROM api_keys JOIN members ON members.account_id = api_keys.account_id AND "
    "members.member_id = api_keys.member_id JOIN accounts ON accounts.account_id = "
    "api_keys.account_id \nWHERE api_keys.api_key = %s::VARCHAR), \nclaimed AS \n(INSERT INTO "
    "used_signatures (account_id, signature, expires_at) SELECT found_key.account_id AS "
    "account_id, %s::VARCHAR AS anon_1, %s::TIMESTAMP WITH TIME ZONE AS anon_2 \nFROM found_key "
    "\nWHERE found_key.key_status = %s::VARCHAR ON CONFLICT DO NOTHING RETURNING "
    "used_signatures.account_id)\n SELECT found_key.key_status, found_key.secret_encrypted, "
    "found_key.account_id, found_key.account_status, found_key.tier, found_key.limit_overrides, "
    "found_key.workspace_id, found_key.member_id, found_key.role, found_key.member_status, "
    "EXISTS (SELECT claimed.account_id \nFROM claimed) AS claimed, set_config(%s::VARCHAR, "
    "%s::VARCHAR, %s) AS lazy \nFROM found_key"
)
SQL_ENTITY = (
    f"SELECT {ENTITY_COLUMNS} \n\tFROM entities \n\tWHERE entities.account_id = %s::VARCHAR "
    "AND entities.workspace_id = %s::VARCHAR AND entities.entity_id = %s::VARCHAR"
)
SQL_GET = (
    f"SELECT {RECORD_COLUMNS}, {JOINED_ENTITY_COLUMNS} \n\tFROM records JOIN entities ON "
    "entities.account_id = records.account_id AND entities.entity_id = records.entity_id \n\t"
    "WHERE records.account_id = %s::VARCHAR AND records.workspace_id = %s::VARCHAR AND "
    "records.record_id = %s::VARCHAR"
)
SQL_INSERT_RECORD = (
    "INSERT INTO records (account_id, record_id, entity_id, workspace_id, name, data, tags, "
    "owner_id, is_deleted, deleted_at, deleted_by, created_by, updated_by, date_created, "
    "date_updated) VALUES (%s::VARCHAR, %s::VARCHAR, %s::VARCHAR, %s::VARCHAR, %s::VARCHAR, "
    "%s::JSONB, %s::JSONB, %s::VARCHAR, %s, %s::TIMESTAMP WITH TIME ZONE, %s::VARCHAR, "
    "%s::VARCHAR, %s::VARCHAR, %s::TIMESTAMP WITH TIME ZONE, %s::TIMESTAMP WITH TIME ZONE)"
)
SQL_INSERT_LOG = (
    "INSERT INTO record_logs (account_id, log_id, record_id, entity_id, action, changes, "
    "actor_id, source, date_created) VALUES (%s::VARCHAR, %s::VARCHAR, %s::VARCHAR, "
    "%s::VARCHAR, %s::VARCHAR, %s::JSONB, %s::VARCHAR, %s::VARCHAR, "
    "%s::TIMESTAMP WITH TIME ZONE)"
)
# A create writes both in one statement, the record only while its entity is as the server
# remembers it (records/repository.py; since 2026-12-07 no statement reads the entity).
SQL_INSERT_RECORD_AND_LOG = (
    "WITH new_record AS \n(INSERT INTO records (account_id, record_id, entity_id, workspace_id, "
    "name, data, tags, owner_id, is_deleted, deleted_at, deleted_by, created_by, updated_by, "
    "date_created, date_updated) SELECT %s::VARCHAR AS anon_10, %s::VARCHAR AS anon_11, "
    "%s::VARCHAR AS anon_12, %s::VARCHAR AS anon_13, %s::VARCHAR AS anon_14, %s::JSONB AS "
    "anon_15, %s::JSONB AS anon_16, %s::VARCHAR AS anon_17, %s AS anon_18, %s::TIMESTAMP WITH "
    "TIME ZONE AS anon_19, %s::VARCHAR AS anon_20, %s::VARCHAR AS anon_21, %s::VARCHAR AS "
    "anon_22, %s::TIMESTAMP WITH TIME ZONE AS anon_23, %s::TIMESTAMP WITH TIME ZONE AS anon_24 "
    "\nWHERE EXISTS (SELECT * \nFROM entities \nWHERE entities.account_id = %s::VARCHAR AND "
    "entities.workspace_id = %s::VARCHAR AND entities.entity_id = %s::VARCHAR AND "
    "entities.schema_version = %s::INTEGER AND entities.is_deleted IS false AND "
    "entities.record_access = %s::VARCHAR AND entities.owner_id = %s::VARCHAR) RETURNING "
    "records.record_id)\n INSERT INTO record_logs (account_id, log_id, record_id, entity_id, "
    "action, changes, actor_id, source, date_created) SELECT %s::VARCHAR AS anon_1, %s::VARCHAR "
    "AS anon_2, %s::VARCHAR AS anon_3, %s::VARCHAR AS anon_4, %s::VARCHAR AS anon_5, %s::JSONB "
    "AS anon_6, %s::VARCHAR AS anon_7, %s::VARCHAR AS anon_8, %s::TIMESTAMP WITH TIME ZONE AS "
    "anon_9 \nFROM new_record RETURNING record_logs.log_id"
)
# Since 2026-12-07 (later) a create by a key the server remembers is one statement: the key found
# only while what the server remembers of it holds, the signature claimed, the record and its log
# written only when the claim was made now, committed on its own (auth/keys.py, ``claim_late``):
# the key lookup and claim above with these conditions, then the create's insert.
KEY_HOLDS = (
    "api_keys.api_key = %s::VARCHAR AND api_keys.status = %s::VARCHAR AND accounts.status = "
    "%s::VARCHAR AND members.status = %s::VARCHAR AND accounts.account_id = %s::VARCHAR AND "
    "members.workspace_id = %s::VARCHAR AND members.member_id = %s::VARCHAR AND members.role = "
    "%s::VARCHAR AND accounts.tier = %s::VARCHAR AND coalesce(accounts.limit_overrides, "
    "%s::JSONB) = %s::JSONB)"
)


def _claiming_create() -> str:
    key, results = "api_keys.api_key = %s::VARCHAR)", ")\n SELECT found_key.key_status"
    assert all(part in SQL_API_KEY_AND_CLAIM for part in (key, results))
    claim = SQL_API_KEY_AND_CLAIM.split(results)[0].replace(key, KEY_HOLDS) + "), \n"
    guard = "entities.owner_id = %s::VARCHAR)"
    log = ")\n INSERT INTO record_logs"
    returning = "RETURNING record_logs.log_id"
    assert all(part in SQL_INSERT_RECORD_AND_LOG for part in (guard, log, returning))
    return claim + (
        SQL_INSERT_RECORD_AND_LOG.removeprefix("WITH ")
        .replace(guard, guard + " AND (EXISTS (SELECT claimed.account_id \nFROM claimed))")
        .replace(log, "), \nwritten AS \n(INSERT INTO record_logs")
        .replace(
            returning,
            returning + ")\n SELECT EXISTS (SELECT found_key.account_id \nFROM found_key) AS "
            "found, EXISTS (SELECT claimed.account_id \nFROM claimed) AS claimed, EXISTS "
            "(SELECT written.log_id \nFROM written) AS written",
        )
    )


SQL_CREATE_CLAIMING = _claiming_create()
SQL_KEY_FACTS = (
    "SELECT members.role, accounts.tier, coalesce(accounts.limit_overrides, '{}'::jsonb) "
    "FROM members JOIN accounts ON accounts.account_id = members.account_id "
    "WHERE members.account_id = %s AND members.member_id = %s"
)
SQL_ENTITY_FACTS = (
    "SELECT schema_version, record_access, owner_id FROM entities WHERE account_id = %s "
    "AND entity_id = %s"
)
SQL_UPDATE = (
    "UPDATE records SET data=%s::JSONB, date_updated=%s::TIMESTAMP WITH TIME ZONE "
    "WHERE records.account_id = %s::VARCHAR AND records.record_id = %s::VARCHAR"
)
_LIVE = (
    "records.account_id = %(account)s::VARCHAR AND records.workspace_id = "
    "%(workspace)s::VARCHAR AND records.is_deleted = false AND records.entity_id = "
    "%(entity)s::VARCHAR"
)
SQL_LIST = (
    f"SELECT {RECORD_COLUMNS}, records.date_created AS date_created__1 \n\tFROM records \n\t"
    f"WHERE {_LIVE}{{after}} ORDER BY records.date_created DESC, records.record_id DESC \n\t "
    "LIMIT %(limit)s::INTEGER"
)
LIST_AFTER = (
    " AND (records.date_created, records.record_id) < (%(at)s::TIMESTAMP WITH TIME ZONE, "
    "%(last)s::VARCHAR)"
)
_SORT = '(records.data ->> %(sort)s::TEXT) COLLATE "C"'
_MATCH = (
    "(records.data -> %(number)s::VARCHAR) >= %(minimum)s::JSONB AND "
    "(records.data @> %(stage)s::JSONB)"
)
SQL_SEARCH = (
    f"SELECT {RECORD_COLUMNS}, {_SORT} AS anon_1 \n\tFROM records \n\tWHERE {_LIVE} AND "
    f"{_MATCH} AND {{segment}} ORDER BY {_SORT} DESC, records.record_id DESC \n\t "
    "LIMIT %(limit)s::INTEGER"
)
SEARCH_WITH_VALUE = f"({_SORT}) IS NOT NULL"
SEARCH_WITH_VALUE_AFTER = (
    f"({_SORT}) IS NOT NULL AND ({_SORT}, records.record_id) < (%(at)s::VARCHAR, %(last)s::VARCHAR)"
)
SEARCH_EMPTY = f"({_SORT}) IS NULL"
SEARCH_EMPTY_AFTER = f"({_SORT}) IS NULL AND records.record_id < %(last)s::VARCHAR"
SQL_COUNT = f"SELECT count(*) AS count_1 \n\tFROM records \n\tWHERE {_LIVE} AND {_MATCH}"
SQL_NAME = (
    f"SELECT {RECORD_COLUMNS} \n\tFROM records \n\tWHERE {_LIVE} AND {{tier}} ORDER BY "
    "records.date_created DESC, records.record_id DESC \n\t LIMIT %(limit)s::INTEGER"
)
NAME_TIERS = [
    "lower(records.name) = %(exact)s::VARCHAR",
    "lower(records.name) LIKE %(prefix)s::VARCHAR ESCAPE '\\' AND lower(records.name) != "
    "%(exact)s::VARCHAR",
    "lower(records.name) LIKE %(contains)s::VARCHAR ESCAPE '\\' AND lower(records.name) NOT "
    "LIKE %(prefix)s::VARCHAR ESCAPE '\\'",
]
SQL_FILES = (
    "SELECT files.account_id, files.file_id, files.workspace_id, files.record_id, "
    "files.purpose, files.storage_key, files.file_name, files.mime_type, files.file_size, "
    "files.sort_order, files.title, files.description, files.has_thumbnail, files.expires_at, "
    "files.created_by, files.date_created \n\tFROM files \n\tWHERE files.account_id = "
    "%s::VARCHAR AND files.workspace_id = %s::VARCHAR AND files.record_id IN ({ids}) AND "
    "files.purpose IN (%s::VARCHAR, %s::VARCHAR, %s::VARCHAR) ORDER BY files.record_id, "
    "files.sort_order, files.file_id"
)
FILE_PURPOSES = ("PROFILE_IMAGE", "IMAGE", "ATTACHMENT")
REPLAY_WINDOW = timedelta(minutes=15)
WORDS = ["alpha", "tango", "zulu 12", "echo", "kilo"]  # as crmcore's full-text workload


@dataclass
class Writes:
    """What the floor wrote, to undo it afterwards."""

    records: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    updated: set[str] = field(default_factory=set)
    before: dict[str, tuple[Any, datetime]] = field(default_factory=dict)

    async def snapshot(
        self, conn: psycopg.AsyncConnection[Any], account_id: str, record_ids: list[str]
    ) -> None:
        rows = await (
            await conn.execute(
                "SELECT record_id, data, date_updated FROM records "
                "WHERE account_id = %s AND record_id = ANY(%s)",
                (account_id, record_ids),
            )
        ).fetchall()
        self.before = {row[0]: (row[1], row[2]) for row in rows}

    async def undo(self, conn: psycopg.AsyncConnection[Any], account_id: str) -> None:
        async with conn.cursor() as cursor:
            await cursor.executemany(
                "UPDATE records SET data = %s::jsonb, date_updated = %s "
                "WHERE account_id = %s AND record_id = %s",
                [(orjson.dumps(self.before[record_id][0]).decode(), self.before[record_id][1],
                  account_id, record_id) for record_id in self.updated],
            )  # fmt: skip
            await cursor.execute(
                "DELETE FROM record_logs WHERE account_id = %s AND log_id = ANY(%s)",
                (account_id, self.logs),
            )
            await cursor.execute(
                "DELETE FROM records WHERE account_id = %s AND record_id = ANY(%s)",
                (account_id, self.records),
            )
        await conn.commit()
        self.records, self.logs, self.updated = [], [], set()


@dataclass
class Floor:
    tenant: Tenant
    workspace_id: str
    sample_ids: list[str]
    full: bool  # the whole request's statements, or the workload's own only
    writes: Writes
    #: The entity's schemaVersion, recordAccess and owner, checked by every insert.
    entity_facts: tuple[Any, ...] | None = None
    #: The member's role, the account's tier and limit overrides, checked by every create.
    key_facts: tuple[Any, ...] | None = None

    @property
    def member(self) -> str:
        return self.tenant.member_ids[0]

    async def begin(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """The per-request prelude: authentication and replay record, committed on its own
        before the request's transaction (a read then needs no ``SET LOCAL``: its transaction
        has nothing to flush)."""
        if not self.full:
            return
        expires = datetime.now(UTC) + REPLAY_WINDOW
        signature = secrets.token_hex(32)
        args = (
            self.tenant.api_key,
            signature,
            expires,
            "ACTIVE",
            "synchronous_commit",
            "off",
            True,
        )
        await conn.set_autocommit(True)
        try:
            await (await conn.execute(SQL_API_KEY_AND_CLAIM, args)).fetchall()
        finally:
            await conn.set_autocommit(False)

    async def entity(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self.full:
            args = (self.tenant.account_id, self.workspace_id, self.tenant.entity_id)
            await (await conn.execute(SQL_ENTITY, args)).fetchall()

    async def files(self, conn: psycopg.AsyncConnection[Any], record_ids: list[str]) -> None:
        if self.full and record_ids:
            sql = SQL_FILES.format(ids=", ".join(["%s::VARCHAR"] * len(record_ids)))
            args = (self.tenant.account_id, self.workspace_id, *record_ids, *FILE_PURPOSES)
            await (await conn.execute(sql, args)).fetchall()

    def params(self, **extra: Any) -> dict[str, Any]:
        p = self.tenant.data_keys
        return {
            "account": self.tenant.account_id,
            "workspace": self.workspace_id,
            "entity": self.tenant.entity_id,
            "sort": p["DATE"],
            "number": p["NUMBER"],
            "minimum": "500000",
            "stage": orjson.dumps({p["DROPDOWN"]: "CLOSED_WON"}).decode(),
            **extra,
        }

    # --- the workloads -------------------------------------------------------------------

    async def get(self, conn: psycopg.AsyncConnection[Any], i: int) -> None:
        record_id = self.sample_ids[i % len(self.sample_ids)]
        await self.begin(conn)
        args = (self.tenant.account_id, self.workspace_id, record_id)
        rows = await (await conn.execute(SQL_GET, args)).fetchall()
        assert rows, record_id
        await self.files(conn, [record_id])
        await conn.commit()

    async def create(self, conn: psycopg.AsyncConnection[Any], i: int) -> None:
        p = self.tenant.data_keys
        data = {
            p["TEXT"]: "Created Co", p["NUMBER"]: i, p["EMAIL"]: f"new{i}@example.com",
            p["CHECKBOX"]: True, p["DATE"]: "2026-04-23", p["DROPDOWN"]: "LEAD",
            p["RADIO"]: "EAST", p["PHONE"]: "010-1234-5678", p["TEXTAREA"]: "hello",
            p["MULTI_CHECKBOX"]: ["EMAIL"], p["DATETIME"]: "2026-04-23T09:15:30.000Z",
            p["URL"]: "https://example.com",
        }  # fmt: skip
        name, tags, now = f"Bench {i}", ["bench"], datetime.now(UTC)
        account, entity, member = self.tenant.account_id, self.tenant.entity_id, self.member
        if self.entity_facts is None:  # what each server process remembers of the entity
            found = await conn.execute(SQL_ENTITY_FACTS, (account, entity))
            self.entity_facts = await found.fetchone()
            await conn.commit()
        if self.full and self.key_facts is None:  # what each server process remembers of the key
            found = await conn.execute(SQL_KEY_FACTS, (account, member))
            self.key_facts = await found.fetchone()
            await conn.commit()
        assert self.entity_facts is not None
        await conn.set_autocommit(True)  # the insert, the request's only statement, commits alone
        try:
            record_id, log_id = new_id(IdKind.RECORD, now), new_id(IdKind.LOG, now)
            self.writes.records.append(record_id)
            self.writes.logs.append(log_id)
            changes = initial_changes(name, data, tags, member)  # the entry the server writes
            write = (
                account, record_id, entity, self.workspace_id, name, orjson.dumps(data).decode(),
                orjson.dumps(tags).decode(), member, False, None, None, member, member, now, now,
                account, self.workspace_id, entity, *self.entity_facts,
                account, log_id, record_id, entity, "CREATE",
                orjson.dumps(changes).decode(), member, "API", now,
            )  # fmt: skip
            if not self.full:
                await conn.execute(SQL_INSERT_RECORD_AND_LOG, write)
                return
            assert self.key_facts is not None
            role, tier, overrides = self.key_facts
            claim = (
                self.tenant.api_key, "ACTIVE", "ACTIVE", "ACTIVE", account, self.workspace_id,
                member, role, tier, "{}", orjson.dumps(overrides).decode(),
                secrets.token_hex(32), now + REPLAY_WINDOW, "ACTIVE",
            )  # fmt: skip
            found = await conn.execute(SQL_CREATE_CLAIMING, (*claim, *write))
            assert await found.fetchone() == (True, True, True)
        finally:
            await conn.set_autocommit(False)  # no files query: a record just created has none

    def updater(self) -> Op:
        rng = random.Random(7)

        async def update(conn: psycopg.AsyncConnection[Any], i: int) -> None:
            record_id = self.sample_ids[(i * 7) % len(self.sample_ids)]
            number = self.tenant.data_keys["NUMBER"]
            value = rng.randint(0, 1_000_000)
            account, now = self.tenant.account_id, datetime.now(UTC)
            await self.begin(conn)
            args = (account, self.workspace_id, record_id)
            row = await (await conn.execute(SQL_GET, args)).fetchone()
            assert row is not None, record_id
            data = dict(row[5])
            before = data.get(number)
            data[number] = value
            update_args = (orjson.dumps(data).decode(), now, account, record_id)
            await conn.execute(SQL_UPDATE, update_args)
            number_id = self.tenant.property_ids["NUMBER"]
            changes = [{"field": f"data.{number_id}", "before": before, "after": value}]
            log_id = new_id(IdKind.LOG, now)
            self.writes.updated.add(record_id)
            self.writes.logs.append(log_id)
            await conn.execute(
                SQL_INSERT_LOG,
                (account, log_id, record_id, row[2], "UPDATE",
                 orjson.dumps(changes).decode(), self.member, "API", now),
            )  # fmt: skip
            await self.files(conn, [record_id])
            await conn.commit()

        return update

    def list_page(self, position: tuple[Any, str] | None) -> Op:
        after = "" if position is None else LIST_AFTER
        extra: dict[str, Any] = {}
        if position is not None:
            extra = {"at": position[0], "last": position[1]}

        async def request(conn: psycopg.AsyncConnection[Any], i: int) -> None:
            await self.begin(conn)
            await conn.execute(SQL_CUSTOM_PLAN)
            await self.entity(conn)
            sql = SQL_LIST.format(after=after)
            rows = await (await conn.execute(sql, self.params(limit=51, **extra))).fetchall()
            await self.files(conn, [row[1] for row in rows[:50]])
            await conn.commit()

        return request

    def search_page(self, position: tuple[Any, str] | None) -> Op:
        """crmcore's one-key sort reads the rows with a value, then (empty values sort last)
        the rows without one, each as an index range after the cursor."""
        if position is None:
            segments = [SEARCH_WITH_VALUE, SEARCH_EMPTY]
        elif position[0] is None:
            segments = [SEARCH_EMPTY_AFTER]
        else:
            segments = [SEARCH_WITH_VALUE_AFTER, SEARCH_EMPTY]
        extra: dict[str, Any] = {}
        if position is not None:
            extra = {"at": position[0], "last": position[1]}

        async def request(conn: psycopg.AsyncConnection[Any], i: int) -> None:
            await self.begin(conn)
            await conn.execute(SQL_CUSTOM_PLAN)
            await self.entity(conn)
            rows: list[Any] = []
            for segment in segments:
                sql = SQL_SEARCH.format(segment=segment)
                params = self.params(limit=51 - len(rows), **extra)
                rows += await (await conn.execute(sql, params)).fetchall()
                if len(rows) > 50:
                    break
            await self.files(conn, [row[1] for row in rows[:50]])
            await conn.commit()

        return request

    async def fulltext(self, conn: psycopg.AsyncConnection[Any], i: int) -> None:
        needle = WORDS[i % len(WORDS)]  # no LIKE metacharacters to escape
        terms = {"exact": needle, "prefix": f"{needle}%", "contains": f"%{needle}%"}
        await self.begin(conn)
        await self.entity(conn)
        await conn.execute(SQL_CUSTOM_PLAN)
        rows: list[Any] = []
        for tier in NAME_TIERS:
            if len(rows) >= 20:
                break
            sql = SQL_NAME.format(tier=tier)
            params = self.params(limit=20 - len(rows), **terms)
            rows += await (await conn.execute(sql, params)).fetchall()
        await self.files(conn, [row[1] for row in rows])
        await conn.commit()

    async def count(self, conn: psycopg.AsyncConnection[Any], i: int) -> None:
        await self.begin(conn)
        await conn.execute(SQL_CUSTOM_PLAN)
        await self.entity(conn)
        await conn.execute(SQL_EXACT_BITMAPS)
        await (await conn.execute(SQL_COUNT, self.params())).fetchone()
        await conn.commit()


async def positions(
    conn: psycopg.AsyncConnection[Any], floor: Floor, list_page: int, search_page: int
) -> tuple[tuple[Any, str], tuple[Any, str]]:
    """The cursors of the deep pages: the sort values of the last row of the page before (of
    the last row, when there are fewer rows now than when crmcore paged)."""
    params = floor.params(limit=1)
    total = await (
        await conn.execute(f"SELECT count(*) FROM records WHERE {_LIVE}", params)
    ).fetchone()
    matches = await (await conn.execute(SQL_COUNT, params)).fetchone()
    if not (total and total[0] and matches and matches[0]):
        raise RuntimeError("no records, or none matching the search, for the deep pages")
    listed = await (
        await conn.execute(
            f"SELECT records.date_created, records.record_id FROM records WHERE {_LIVE} "
            "ORDER BY records.date_created DESC, records.record_id DESC "
            "OFFSET %(skip)s LIMIT 1",
            {**params, "skip": max(0, min((list_page - 1) * 50, total[0]) - 1)},
        )
    ).fetchone()
    found = await (
        await conn.execute(
            f"SELECT {_SORT}, records.record_id FROM records WHERE {_LIVE} AND {_MATCH} "
            f"ORDER BY {_SORT} DESC NULLS LAST, records.record_id DESC "
            "OFFSET %(skip)s LIMIT 1",
            {**params, "skip": max(0, min((search_page - 1) * 50, matches[0]) - 1)},
        )
    ).fetchone()
    assert listed is not None
    assert found is not None
    return (listed[0], listed[1]), (found[0], found[1])


async def run_workload(
    connections: list[psycopg.AsyncConnection[Any]],
    name: str,
    op: Op,
    *,
    count: int,
    concurrency: int,
    seconds: float,
) -> load.Result:
    """``load.run_workload`` without HTTP: each worker owns one connection."""
    result = load.Result(name, concurrency)
    next_index = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    async def worker(conn: psycopg.AsyncConnection[Any]) -> None:
        nonlocal next_index
        while next_index < count and time.monotonic() < deadline:
            index = next_index
            next_index += 1
            begin = time.perf_counter()
            try:
                await op(conn, index)
            except Exception as error:  # report and go on, as HTTP errors are
                await conn.rollback()
                result.errors += 1
                if result.errors <= 3:
                    print(f"  {name}: {type(error).__name__}: {str(error)[:200]}")
            result.latencies_ms.append((time.perf_counter() - begin) * 1000)
            result.requests += 1

    await asyncio.gather(*(worker(conn) for conn in connections[:concurrency]))
    result.seconds = time.monotonic() - started
    return result


async def measure(
    database_url: str,
    tenant: Tenant,
    sample_ids: list[str],
    seconds: float,
    list_page: int,
    search_page: int,
) -> dict[str, list[load.Result]]:
    """crmcore's record workloads (same names, counts and concurrency as ``run.measure``), once
    with the whole request's statements, once with the workload's own. The floor's writes are
    undone after its write workloads (its records and log rows deleted, the updated values put
    back), so its reads see the data crmcore's reads saw (crmcore's own creates included) and
    crmcore's database keeps what crmcore's workloads left."""
    writes = Writes()
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        row = await (
            await conn.execute(
                "SELECT workspace_id FROM members WHERE account_id = %s AND member_id = %s",
                (tenant.account_id, tenant.member_ids[0]),
            )
        ).fetchone()
        assert row is not None
        floors = {
            label: Floor(tenant, row[0], sample_ids, full, writes)
            for label, full in (("request", True), ("workload", False))
        }
        list_at, search_at = await positions(conn, floors["request"], list_page, search_page)
        await writes.snapshot(conn, tenant.account_id, sample_ids)
    connections = [await psycopg.AsyncConnection.connect(database_url) for _ in range(16)]
    for conn in connections:
        set_json_loads(orjson.loads, conn)  # crmcore reads JSON with orjson too
    results: dict[str, list[load.Result]] = {}
    try:
        for label, floor in floors.items():
            print(f"Floor ({label} statements) ...", flush=True)
            plan: list[tuple[str, Op, int, int] | None] = [
                ("get one record", floor.get, 3000, 1),
                ("get one record", floor.get, 6000, 8),
                ("create record", floor.create, 6000, 16),
                ("update record", floor.updater(), 3000, 8),
                None,  # undo the writes: the reads see the data crmcore's reads saw
                ("list page 1", floor.list_page(None), 300, 1),
                (f"list page {list_page}", floor.list_page(list_at), 300, 1),
                ("advanced search page 1", floor.search_page(None), 300, 1),
                (f"advanced search page {search_page}", floor.search_page(search_at), 300, 1),
                ("full-text search", floor.fulltext, 300, 1),
                ("count matches (2 conditions)", floor.count, 100, 1),
            ]
            for item in plan:
                if item is None:
                    await writes.undo(connections[0], tenant.account_id)
                    continue
                name, op, count, concurrency = item
                result = await run_workload(
                    connections, name, op, count=count, concurrency=concurrency, seconds=seconds
                )
                print(orjson.dumps({"floor": label, **result.row()}).decode(), flush=True)
                results.setdefault(label, []).append(result)
    finally:
        for conn in connections:
            await conn.close()
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            await writes.undo(conn, tenant.account_id)
    return results
