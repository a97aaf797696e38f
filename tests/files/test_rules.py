"""Who may change a record's files, how many it takes, and what removals and replacements do."""

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from crmcore.models.account import Role
from tests.builders import TenantFactory
from tests.files.helpers import (
    UNKNOWN_FILE,
    UNKNOWN_RECORD,
    Crm,
    Storage,
    Tenant,
    body_of,
    create,
    download,
    error_of,
    fetch,
    image,
    new_record,
    upload,
    uploaded,
    without_links,
)


def _missing_record(response: Response, record_id: str) -> None:
    error_of(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")


def _every_write(tenant: Tenant, record_id: str, file_id: str) -> list[Response]:
    return [
        upload(tenant, record_id, "profile-image", "a.png", image()),
        upload(tenant, record_id, "images", "a.png", image()),
        upload(tenant, record_id, "attachments", "a.txt", b"a"),
        tenant.delete(f"/records/{record_id}/profile-image"),
        tenant.delete(f"/records/{record_id}/images/{file_id}"),
        tenant.delete(f"/records/{record_id}/attachments/{file_id}"),
    ]


def _image_ids(tenant: Tenant, record_id: str) -> list[str]:
    return [item["fileId"] for item in fetch(tenant, record_id)["images"]]


def test_another_tenants_record_and_files_are_not_found(
    crm: Crm, tenants: TenantFactory, storage: Storage
) -> None:
    stranger = tenants.account()
    image_id = uploaded(crm.tenant, crm.alice, "images", "a.png", image())["fileId"]
    before = without_links(fetch(crm.tenant, crm.alice))
    for response in _every_write(stranger, crm.alice, image_id):
        _missing_record(response, crm.alice)
    for response in _every_write(crm.tenant, UNKNOWN_RECORD, image_id):
        _missing_record(response, UNKNOWN_RECORD)
    assert without_links(fetch(crm.tenant, crm.alice)) == before
    assert storage.count(stranger.account_id) == 0
    assert len(storage.blobs()) == 2

    # The stranger's own record cannot name the owner's file either.
    theirs = new_record(stranger, str(create(stranger, "people")["entityId"]))
    error_of(
        stranger.delete(f"/records/{theirs}/images/{image_id}"),
        404,
        "ResourceNotFound",
        f"File '{image_id}' was not found",
    )
    assert _image_ids(crm.tenant, crm.alice) == [image_id]


def test_members_change_files_only_of_records_they_may_see(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    keeper, colleague = owner.member(Role.MEMBER), owner.member(Role.MEMBER)
    vault = str(
        create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)[
            "entityId"
        ]
    )
    theirs = new_record(owner, vault, "theirs", ownerId=colleague.member_id)
    unowned = new_record(owner, vault, "unowned", ownerId=None)
    file_id = uploaded(owner, theirs, "attachments", "secret.txt", b"s")["fileId"]
    before = without_links(fetch(owner, theirs))
    for response in _every_write(keeper, theirs, file_id):
        _missing_record(response, theirs)
    assert without_links(fetch(owner, theirs)) == before
    assert storage.count(owner.account_id) == 1

    mine = uploaded(keeper, unowned, "attachments", "mine.txt", b"m")
    assert fetch(keeper, unowned)["attachments"][0]["fileId"] == mine["fileId"]
    removed = keeper.delete(f"/records/{unowned}/attachments/{mine['fileId']}")
    assert body_of(removed) == {"recordId": unowned, "fileId": mine["fileId"]}
    # In a PUBLIC entity every member may change every record's files.
    assert upload(colleague, crm.alice, "images", "a.png", image()).status_code == 200


def test_a_trashed_record_takes_no_file_changes(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    image_id = uploaded(owner, crm.alice, "images", "a.png", image())["fileId"]
    owner.delete(f"/records/{crm.alice}").raise_for_status()
    for response in _every_write(owner, crm.alice, image_id):
        _missing_record(response, crm.alice)
    trashed = fetch(owner, crm.alice, includeDeleted="true")
    assert [item["fileId"] for item in trashed["images"]] == [image_id]
    assert len(storage.blobs()) == 2
    owner.post(f"/records/{crm.alice}/restore").raise_for_status()
    assert _image_ids(owner, crm.alice) == [image_id]


def test_a_record_takes_at_most_20_images(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    ids = [uploaded(owner, crm.alice, "images", f"{n}.png", image())["fileId"] for n in range(20)]
    assert _image_ids(owner, crm.alice) == ids
    error_of(
        upload(owner, crm.alice, "images", "21.png", image()),
        400,
        "ValidationError",
        f"Record '{crm.alice}' already has 20 images, the most allowed",
    )
    assert len(storage.blobs()) == 40
    # The profile image and attachments are counted apart.
    assert upload(owner, crm.alice, "profile-image", "p.png", image()).status_code == 200
    assert upload(owner, crm.alice, "attachments", "a.png", image()).status_code == 200
    owner.delete(f"/records/{crm.alice}/images/{ids[0]}").raise_for_status()
    assert uploaded(owner, crm.alice, "images", "again.png", image())["order"] == 19


def test_a_record_takes_at_most_50_attachments(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    for n in range(50):
        uploaded(owner, crm.alice, "attachments", f"{n}.txt", b"x")
    error_of(
        upload(owner, crm.alice, "attachments", "51.txt", b"x"),
        400,
        "ValidationError",
        f"Record '{crm.alice}' already has 50 attachments, the most allowed",
    )
    assert storage.count(owner.account_id) == 50
    assert len(storage.blobs()) == 50
    names = [item["fileName"] for item in fetch(owner, crm.alice)["attachments"]]
    assert names == [f"{n}.txt" for n in range(50)]


def test_gallery_order_closes_ranks_after_a_removal(
    crm: Crm, client: TestClient, storage: Storage
) -> None:
    owner = crm.tenant
    ids = [uploaded(owner, crm.alice, "images", f"{n}.png", image())["fileId"] for n in range(4)]
    url = fetch(owner, crm.alice)["images"][1]["url"]
    removed = owner.delete(f"/records/{crm.alice}/images/{ids[1]}")
    assert body_of(removed) == {"recordId": crm.alice, "fileId": ids[1]}
    images = fetch(owner, crm.alice)["images"]
    assert [(i["fileId"], i["fileName"], i["order"]) for i in images] == [
        (ids[0], "0.png", 0),
        (ids[2], "2.png", 1),
        (ids[3], "3.png", 2),
    ]
    assert uploaded(owner, crm.alice, "images", "4.png", image())["order"] == 3
    account = owner.account_id
    assert f"{account}/{ids[1]}" not in storage.blobs()
    assert f"{account}/{ids[1]}.thumb" not in storage.blobs()
    assert len(storage.blobs()) == 8
    error_of(download(client, url), 404, "ResourceNotFound")

    # Removing the first keeps 0..n-1 too.
    owner.delete(f"/records/{crm.alice}/images/{ids[0]}").raise_for_status()
    assert [i["order"] for i in fetch(owner, crm.alice)["images"]] == [0, 1, 2]


def test_removals_name_an_existing_file_of_the_right_kind(crm: Crm, storage: Storage) -> None:
    owner, alice = crm.tenant, crm.alice
    image_id = uploaded(owner, alice, "images", "a.png", image())["fileId"]
    attachment_id = uploaded(owner, alice, "attachments", "a.txt", b"a")["fileId"]
    error_of(
        owner.delete(f"/records/{alice}/profile-image"),
        404,
        "ResourceNotFound",
        f"Record '{alice}' has no profile image",
    )
    for path, file_id in (
        (f"/records/{alice}/attachments/{image_id}", image_id),
        (f"/records/{alice}/images/{attachment_id}", attachment_id),
        (f"/records/{alice}/images/{UNKNOWN_FILE}", UNKNOWN_FILE),
    ):
        error_of(owner.delete(path), 404, "ResourceNotFound", f"File '{file_id}' was not found")
    assert len(storage.blobs()) == 3

    removed = owner.delete(f"/records/{alice}/attachments/{attachment_id}")
    assert body_of(removed) == {"recordId": alice, "fileId": attachment_id}
    error_of(owner.delete(f"/records/{alice}/attachments/{attachment_id}"), 404, "ResourceNotFound")
    assert fetch(owner, alice)["attachments"] == []
    assert storage.blobs() == {
        f"{owner.account_id}/{image_id}",
        f"{owner.account_id}/{image_id}.thumb",
    }


def test_a_new_profile_image_replaces_the_old_one(
    crm: Crm, client: TestClient, storage: Storage
) -> None:
    owner = crm.tenant
    first = uploaded(owner, crm.alice, "profile-image", "first.png", image())
    old_url = fetch(owner, crm.alice)["profileImage"]["url"]
    second = uploaded(owner, crm.alice, "profile-image", "second.jpg", image("JPEG"))
    profile = fetch(owner, crm.alice)["profileImage"]
    assert (profile["fileId"], profile["fileName"]) == (second["fileId"], "second.jpg")
    account = owner.account_id
    assert storage.blobs() == {
        f"{account}/{second['fileId']}",
        f"{account}/{second['fileId']}.thumb",
    }
    assert [row.file_id for row in storage.rows(account)] == [second["fileId"]]
    error_of(download(client, old_url), 404, "ResourceNotFound")

    removed = owner.delete(f"/records/{crm.alice}/profile-image")
    assert body_of(removed) == {"recordId": crm.alice, "fileId": second["fileId"]}
    assert fetch(owner, crm.alice)["profileImage"] is None
    assert storage.blobs() == set()

    entries = body_of(owner.get(f"/records/{crm.alice}/logs"))["data"]
    first_entry = {"fileId": first["fileId"], "fileName": "first.png"}
    second_entry = {"fileId": second["fileId"], "fileName": "second.jpg"}
    assert [(e["action"], e["changes"]) for e in entries[:3]] == [
        ("FILE_REMOVED", [{"field": "profileImage", "before": second_entry, "after": None}]),
        ("FILE_ADDED", [{"field": "profileImage", "before": first_entry, "after": second_entry}]),
        ("FILE_ADDED", [{"field": "profileImage", "before": None, "after": first_entry}]),
    ]


def test_removals_bump_the_record_and_are_logged(crm: Crm) -> None:
    owner = crm.tenant
    member = owner.member(Role.MEMBER)
    body = uploaded(owner, crm.alice, "images", "a.png", image())
    before = fetch(owner, crm.alice)
    member.delete(f"/records/{crm.alice}/images/{body['fileId']}").raise_for_status()
    after = fetch(owner, crm.alice)
    assert after["updatedBy"] == member.member_id
    assert after["dateUpdated"] > before["dateUpdated"]
    entry: dict[str, Any] = body_of(owner.get(f"/records/{crm.alice}/logs"))["data"][0]
    assert {k: entry[k] for k in ("action", "actorId", "source", "changes")} == {
        "action": "FILE_REMOVED",
        "actorId": member.member_id,
        "source": "API",
        "changes": [
            {
                "field": "images",
                "before": {"fileId": body["fileId"], "fileName": "a.png"},
                "after": None,
            }
        ],
    }
