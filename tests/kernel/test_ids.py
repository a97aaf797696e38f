"""IDs: the documented shape, time order, and random characters that are all equally likely."""

import re
from collections import Counter
from datetime import UTC, datetime

from crmcore.kernel.ids import IdKind, new_account_id, new_api_key, new_id, new_ids, new_member_id

MOMENT = datetime(2026, 4, 23, 8, 15, 30, 123456, tzinfo=UTC)


def test_ids_have_the_documented_shapes() -> None:
    assert re.fullmatch(r"CRMRC1260423081530123[0-9A-Za-z]{11}", new_id(IdKind.RECORD, MOMENT))
    assert re.fullmatch(r"\d{14}", new_account_id(MOMENT))
    assert re.fullmatch(r"MEM[0-9A-Za-z_-]{11}", new_member_id())
    assert re.fullmatch(r"NCS[0-9A-Z]{13}", new_api_key())


def test_bulk_ids_are_distinct_and_sorted_in_hand_out_order() -> None:
    ids = new_ids(IdKind.LOG, MOMENT, 5000)
    assert len(set(ids)) == 5000
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"CRMLG1260423081530123[0-9A-Za-z]{11}", i) for i in ids)


def test_random_characters_are_equally_likely() -> None:
    # 62 characters from bytes: without dropping the bytes past 247, '0'-'7' would come 25% more
    # often than the others. 10,000 expected per character: 10% off is ten standard deviations.
    drawn = "".join(i[-11:] for i in new_ids(IdKind.RECORD, MOMENT, 56_364))
    counts = Counter(drawn)
    assert len(counts) == 62
    expected = len(drawn) / 62
    assert all(0.9 * expected < n < 1.1 * expected for n in counts.values()), counts
