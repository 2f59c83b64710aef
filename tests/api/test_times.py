"""`Moment` writes every time as DRF's own DateTimeField does (London time, ISO 8601), in
summer time and out of it, and reads them back the same: it only fixes the zone once."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from facilities.api.serializers import FaultSerializer, Moment


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 15, 9, 30, tzinfo=UTC),  # GMT
        datetime(2026, 7, 15, 9, 30, 12, 345678, tzinfo=UTC),  # BST
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # a second before the clocks go forward
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # the hour that happens twice
    ],
)
def test_the_same_text_as_drfs_own_field(moment):
    written = Moment().to_representation(moment)
    assert written == serializers.DateTimeField().to_representation(moment)
    read = Moment().to_internal_value(written)
    assert read.timestamp() == moment.timestamp()  # (== is never true across zones at fold=1)
    assert read.utcoffset() == serializers.DateTimeField().to_internal_value(written).utcoffset()
    offset = "+01:00" if moment.month == 7 else "Z"
    assert written.endswith(offset)


def test_every_time_of_a_fault_is_a_moment():
    fields = FaultSerializer().fields
    times = [name for name, field in fields.items() if isinstance(field, serializers.DateTimeField)]
    assert "reported_at" in times
    assert all(isinstance(fields[name], Moment) for name in times)
