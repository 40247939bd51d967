"""The dataset page shows the spatial extent as a small map with a description, not the raw
GeoJSON (issue 14, item 3), on the portal as shipped."""
from __future__ import annotations

import json

from satudata_testlib import api, valid_dataset

PART = {"type": "Polygon", "coordinates": [[[106.60, -6.19], [106.69, -6.19], [106.69, -6.16],
                                            [106.60, -6.16], [106.60, -6.19]]]}


def test_the_dataset_page_draws_the_extent_and_describes_it(app, opd):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes",
                                                       spatial=json.dumps(PART)), opd)["result"]
    page = app.get(f"/dataset/{created['name']}", headers={"Authorization": opd["token"]}).body
    assert '"coordinates"' not in page.split("<main", 1)[1]   # no raw GeoJSON in the page body
    svg = page[page.index('<svg class="tg-extent-map"'):]
    svg = svg[:svg.index("</svg>")]
    label = svg.split('aria-labelledby="', 1)[1].split('"', 1)[0]
    assert 'role="img"' in svg and f'id="{label}"' in page
    text = page.split(f'id="{label}"', 1)[1].split("</p>", 1)[0]
    assert "106.600° BT" in text and "6.160° LS" in text and "Kota Tangerang" in text
    # the whole city's box reads as the whole city
    api(app, "package_patch", {"id": created["id"], "spatial": json.dumps({
        "type": "Polygon", "coordinates": [[[106.55, -6.30], [106.75, -6.30], [106.75, -6.10],
                                            [106.55, -6.10], [106.55, -6.30]]]})}, opd)
    page = app.get(f"/dataset/{created['name']}", headers={"Authorization": opd["token"]}).body
    assert "Seluruh Kota Tangerang" in page
