from tests.builders import Tenant


def test_create_and_get_entity(owner: Tenant) -> None:
    created = owner.post("/entities", json={"name": "Customers", "slug": "customers"})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["entityId"].startswith("CRMET1")
    fetched = owner.get(f"/entities/{body['entityId']}")
    assert fetched.status_code == 200
    assert fetched.json() == body
