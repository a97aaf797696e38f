"""F7: the signed link is the only authorisation a download needs, and exactly what it allows."""

from datetime import timedelta
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from crmcore.config import Settings
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.wire import utc_now
from crmcore.models import StoredFile
from crmcore.storage import BlobStore, FileLinks, UrlSigner
from tests.files.helpers import (
    UNKNOWN_FILE,
    Crm,
    Storage,
    download,
    error_of,
    fetch,
    image,
    link_parts,
    uploaded,
)

FORBIDDEN = {"errorCode": "Forbidden", "errorMessage": "The link is invalid or has expired"}


def _signer(client: TestClient) -> UrlSigner:
    signer: UrlSigner = client.app.state.signer  # type: ignore[attr-defined]
    return signer


def _get(client: TestClient, path: str, query: dict[str, str]) -> tuple[int, object]:
    response = client.get(f"{path}?{urlencode(query)}")
    return response.status_code, response.json()


def test_a_link_needs_no_credentials_but_must_be_intact(crm: Crm, client: TestClient) -> None:
    uploaded(crm.tenant, crm.alice, "profile-image", "face.png", image())
    profile = fetch(crm.tenant, crm.alice)["profileImage"]
    path, query = link_parts(profile["url"])
    thumb_path, thumb_query = link_parts(profile["thumbnailUrl"])
    assert client.get(profile["url"], headers={"Authorization": "garbage"}).status_code == 200

    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    later = str(int(query["expires"]) + 3600)
    other = uploaded(crm.tenant, crm.alice, "images", "other.png", image())["fileId"]
    refused = [
        (path, {**query, "signature": flipped}),  # forged
        (path, {**query, "expires": later}),  # prolonged
        (f"/crm-core/v1/files/{other}", query),  # another file
        (path, {**query, "variant": "thumb"}),  # the thumbnail with the file's signature
        (thumb_path, {k: v for k, v in thumb_query.items() if k != "variant"}),  # and back
        (path, {**query, "signature": query["signature"].upper()}),
        (path, {**query, "signature": "é" * 64}),
        (path, {**query, "expires": "٣" * 10}),  # digits, but not ASCII ones
        (path, {**query, "expires": "-1"}),
        (f"/crm-core/v1/files/{UNKNOWN_FILE}", query),
    ]
    for refused_path, refused_query in refused:
        assert _get(client, refused_path, refused_query) == (403, FORBIDDEN), refused_query

    error_of(client.get(path, params={"expires": query["expires"]}), 400, "ValidationError")
    error_of(client.get(path, params={**query, "variant": "large"}), 400, "ValidationError")
    assert client.get(profile["url"]).status_code == 200


def test_an_expired_link_is_refused(crm: Crm, client: TestClient) -> None:
    body = uploaded(crm.tenant, crm.alice, "attachments", "a.txt", b"a")
    signer = _signer(client)
    expired = signer.query(body["fileId"], utc_now() - timedelta(hours=1, seconds=1))
    response = client.get(f"/crm-core/v1/files/{body['fileId']}?{expired}")
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    valid = signer.query(body["fileId"], utc_now())
    assert client.get(f"/crm-core/v1/files/{body['fileId']}?{valid}").content == b"a"


def test_a_link_to_a_removed_file_answers_404(crm: Crm, client: TestClient) -> None:
    body = uploaded(crm.tenant, crm.alice, "images", "a.png", image())
    url = fetch(crm.tenant, crm.alice)["images"][0]["url"]
    crm.tenant.delete(f"/records/{crm.alice}/images/{body['fileId']}").raise_for_status()
    error_of(
        download(client, url), 404, "ResourceNotFound", f"File '{body['fileId']}' was not found"
    )
    # A correctly signed link to a file that never existed: 404 too.
    query = _signer(client).query(UNKNOWN_FILE, utc_now())
    error_of(client.get(f"/crm-core/v1/files/{UNKNOWN_FILE}?{query}"), 404, "ResourceNotFound")


def test_a_file_without_a_thumbnail_has_no_thumbnail_link(crm: Crm, client: TestClient) -> None:
    body = uploaded(crm.tenant, crm.alice, "attachments", "i.png", image())
    assert "thumbnailUrl" not in body
    query = _signer(client).query(body["fileId"], utc_now(), variant="thumb")
    error_of(
        client.get(f"/crm-core/v1/files/{body['fileId']}?{query}"),
        404,
        "ResourceNotFound",
        f"Thumbnail of file '{body['fileId']}' was not found",
    )


def test_any_stored_file_is_served_until_it_expires(
    crm: Crm, client: TestClient, settings: Settings, storage: Storage
) -> None:
    """Export results are stored files too (no record, an expiry), linked the same way."""
    now = utc_now()
    blobs = BlobStore(settings.files_root)
    links = FileLinks(_signer(client), "http://testserver")
    served = {}
    for name, expires_at in (("export.csv", now + timedelta(hours=1)), ("old.csv", now)):
        file_id = new_id(IdKind.FILE, now)
        key = f"{crm.tenant.account_id}/{file_id}"
        content = f"name\n{name}\n".encode()
        size = blobs.write(key, [content])
        storage.add(
            StoredFile(
                account_id=crm.tenant.account_id,
                file_id=file_id,
                workspace_id="",
                record_id=None,
                purpose="EXPORT",
                storage_key=key,
                file_name=name,
                mime_type="text/csv",
                file_size=size,
                sort_order=0,
                has_thumbnail=False,
                expires_at=expires_at,
                created_by=crm.tenant.member_id,
                date_created=now,
            )
        )
        served[name] = (file_id, content, download(client, links.url(file_id, now)))
    file_id, content, response = served["export.csv"]
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''export.csv"
    assert response.headers["x-content-type-options"] == "nosniff"
    file_id, _content, response = served["old.csv"]
    error_of(response, 404, "ResourceNotFound", f"File '{file_id}' was not found")
    # Not a record file: no record shows it.
    assert fetch(crm.tenant, crm.alice)["attachments"] == []
