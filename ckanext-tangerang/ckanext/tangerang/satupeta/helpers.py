from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta.logic.validators import crs_choices


def tangerang_satupeta_crs_choices() -> list[str]:
    return crs_choices()


def tangerang_satupeta_layer_state(resource_id: str) -> dict | None:
    """The resource's layer and last import, or None when the viewer may not see it."""
    try:
        return tk.get_action("tangerang_satupeta_layer_show")({}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def _can_import(resource_id: str) -> bool:
    try:
        tk.check_access("tangerang_satupeta_layer_import", {}, {"id": resource_id})
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False


def tangerang_satupeta_shown_views(views: list[dict], current: dict | None, resource_id: str) -> dict:
    """The resource page's views without a map view that has no layer to show, unless the viewer
    is an officer who may import it (the view then says why the import failed). `current` moves to
    the first view left when it was that map view."""
    maps = [v for v in views or [] if v.get("view_type") == "satupeta_view"]
    if not maps:
        return {"views": views, "current": current}
    state = tangerang_satupeta_layer_state(resource_id)
    if (state and state.get("layer")) or _can_import(resource_id):
        return {"views": views, "current": current}
    shown = [v for v in views if v.get("view_type") != "satupeta_view"]
    if current and current.get("view_type") == "satupeta_view":
        current = shown[0] if shown else None
    return {"views": shown, "current": current}


def tangerang_satupeta_has_shown_views(resource_id: str) -> bool:
    """Whether the resource page shows the viewer any view (the dataset page's "Preview"): not
    when its only view is a map view without a layer that the viewer may not fix."""
    try:
        views = tk.get_action("resource_view_list")({}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    return bool(tangerang_satupeta_shown_views(views, None, resource_id)["views"])


def tangerang_satupeta_map_config(bbox: list[float] | None = None) -> dict:
    """What map.js needs: the OGC API's path, the first view and the base map."""
    return {
        "ogc": tk.h.url_for("satupeta_ogc.landing"),
        "bbox": list(bbox or city.current().bbox),
        "basemapUrl": tk.config.get("ckanext.tangerang.satupeta.basemap_url"),
        "basemapLayer": tk.config.get("ckanext.tangerang.satupeta.basemap_layer"),
        "basemapAttribution": tk.config.get("ckanext.tangerang.satupeta.basemap_attribution"),
        # MapLibre's own controls' names (buttons' aria-label and title), in the page's language
        "locale": {
            "NavigationControl.ZoomIn": tk._("Zoom in"),
            "NavigationControl.ZoomOut": tk._("Zoom out"),
            "NavigationControl.ResetBearing": tk._("Drag to rotate the map, click to point it north"),
            "Popup.Close": tk._("Close the popup"),
            "Map.Title": tk._("Map"),
            "Marker.Title": tk._("Map marker"),
            "AttributionControl.ToggleAttribution": tk._("Show or hide the map's sources"),
            "AttributionControl.MapFeedback": tk._("Feedback on the map"),
            "FullscreenControl.Enter": tk._("Full screen"),
            "FullscreenControl.Exit": tk._("Leave full screen"),
            "GeolocateControl.FindMyLocation": tk._("Find my location"),
            "GeolocateControl.LocationNotAvailable": tk._("Location not available"),
            "LogoControl.Title": tk._("MapLibre logo"),
        },
    }


def tangerang_satupeta_search_areas() -> list[dict]:
    """The areas of "Search by area", each with its box as package_search's ext_bbox string."""
    areas = tk.get_action("tangerang_satupeta_area_list")({}, {})
    return [{"name": a["name"], "bbox": ",".join(str(v) for v in a["bbox"])} for a in areas]


def tangerang_satupeta_bbox_problem(value: str | None) -> str | None:
    """Why an ext_bbox from the address bar cannot be searched, in the reader's language."""
    if not value:
        return None
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        return tk._("The area must be four numbers separated by commas: west, south, east, north "
                    "(longitude and latitude in degrees), e.g. 106.6,-6.25,106.7,-6.15.")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return tk._("The area {value} is not a box: west must be less than east (between -180 and 180) "
                    "and south less than north (between -90 and 90).").format(value=value)
    return None


def tangerang_satupeta_dataset_maps(pkg: dict) -> list[dict]:
    """The dataset page's small maps: each served layer as a WMS GetMap picture (drawn with its
    style, over the base map layer when there is one), its legend and the numbers for its text
    alternative. Only the dataset's own resources that the viewer sees (pkg is package_show's)."""
    from urllib.parse import urlencode

    from pyproj import Transformer

    from ckanext.tangerang.satupeta import model as store
    from ckanext.tangerang.satupeta import ows
    from ckanext.tangerang.satupeta import style as styles

    active = {r["id"]: r for r in pkg.get("resources") or [] if r.get("satupeta_layer_state") == "active"}
    if not active:
        return []
    base = tk.config.get("ckanext.tangerang.satupeta.basemap_layer")
    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    maps = []
    for layer in store.layers([pkg["id"]]):
        res = active.get(layer["id"])
        if res is None or not layer.get("bbox"):
            continue
        x0, y0, x1, y1 = to_mercator.transform_bounds(*layer["bbox"])
        pad = max(x1 - x0, y1 - y0, 200) * 0.08
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        width = 640
        height = max(160, min(640, round(width * (y1 - y0) / (x1 - x0))))
        # the box grown to the picture's shape, so the map is not stretched
        cx, half = (x0 + x1) / 2, (y1 - y0) * width / height / 2
        x0, x1 = min(x0, cx - half), max(x1, cx + half)
        names = [ows.layer_name(layer["id"])]
        if base and base != layer["id"]:
            names.insert(0, ows.layer_name(base))
        query = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": ",".join(names),
                 "STYLES": "", "CRS": "EPSG:3857", "BBOX": f"{x0:.1f},{y0:.1f},{x1:.1f},{y1:.1f}",
                 "WIDTH": width, "HEIGHT": height, "FORMAT": "image/png"}
        legend = styles.legend(styles.of(layer), layer["title"], tk._("Other"))
        maps.append({"resource_id": layer["id"], "title": res.get("name") or layer["title"],
                     "family": layer["geometry_family"], "count": layer["feature_count"],
                     "src": tk.h.url_for("satupeta.ows_service") + "?" + urlencode(query),
                     "width": width, "height": height, "legend": legend})
    return maps
