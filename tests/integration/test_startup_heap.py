"""A worker freezes its start-up heap, so that full garbage collections do not walk it (they used
to pause a worker 30-100 ms each, which set the timetable's p99)."""

import gc

from fastapi.testclient import TestClient

from bookable.api.app import create_app


def test_starting_the_app_moves_its_heap_out_of_the_collectors_reach(database):
    app = create_app(database, roll_horizons=False)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000
        assert client.get("/healthz").status_code == 200
