"""The pages every browser test visits. Other subsystems' pages join by adding an entry:
a page whose candidate paths all answer 404 is skipped with the reason, not failed, so
entries can land before the pages do."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    key: str
    # paths tried in order; {dataset}, {resource_id}, {organization}, {user} come from the seed
    paths: tuple[str, ...]
    login: bool = False
    # CSS selectors of the main actions a keyboard user must be able to reach by Tab
    actions: tuple[str, ...] = field(default=())
    owner: str = "a11y"


PAGES: tuple[Page, ...] = (
    Page("home", ("/",), actions=("#tg-home-q", ".tg-hero-search button", ".tg-card a")),
    Page("dataset_search", ("/dataset/?tags=kesehatan",),
         actions=("#field-giant-search", ".nav-facet a", ".dataset-heading a")),
    Page("dataset", ("/dataset/{dataset}",), actions=(".resource-item a.heading", ".tag")),
    Page("resource", ("/dataset/{dataset}/resource/{resource_id}",),
         actions=(".resource-url-analytics, .resource-item a, .btn-primary",)),
    # a table in the DataStore: the DataTables preview, the Data API box, the downloads
    Page("table_resource", ("/dataset/{table_dataset}/resource/{table_resource_id}",),
         actions=("#tg-table-formats", ".tg-data-api pre"), owner="satudata"),
    # its chart view: SVG points reachable by keyboard, the summary, the table of points
    Page("chart_view", ("/dataset/{table_dataset}/resource/{table_resource_id}?view_id={chart_view_id}",),
         actions=(".tg-chart-point", ".tg-chart-table summary"), owner="satudata"),
    Page("organization", ("/organization/{organization}",),
         actions=("#field-giant-search", ".dataset-heading a")),
    Page("login", ("/user/login",), actions=("#field-login", "#field-password",
                                               "form button[type=submit]")),
    Page("dashboard", ("/dashboard/datasets",), login=True, actions=(".tg-topbar a",)),
    Page("preferences", ("/preferensi",), actions=("input[name=text]", "input[name=contrast]", "form button[name=save]")),
    Page("statement", ("/aksesibilitas",), actions=("#field-page_url", "#field-description")),
    Page("ppid_easy_read", ("/aksesibilitas/ppid-mudah-dibaca",),
         actions=("a[href$='ppid-prosedur.txt']",)),
    # pages of the other subsystems (issues 2-5): they are skipped until they answer
    Page("satupeta_map", ("/satupeta", "/peta"), owner="satupeta"),
    Page("ppid_request_form", ("/ppid/permohonan/baru", "/ppid/permohonan", "/ppid/request"),
         owner="ppid"),
    Page("ppid_tracking", ("/ppid/lacak", "/ppid/status", "/ppid/track"), owner="ppid"),
    Page("ppid_dip", ("/ppid/dip", "/dip", "/ppid/daftar-informasi-publik"), owner="ppid"),
    Page("ppid_statistics", ("/ppid/statistik", "/ppid/statistics"), owner="ppid"),
)


@dataclass(frozen=True)
class Mode:
    key: str
    cookie: str = ""                       # the preference cookie's value
    html_class: str = ""                   # the class the server must put on <html>
    media: dict = field(default_factory=dict)  # system settings emulated in the browser


MODES: tuple[Mode, ...] = (
    Mode("default"),
    Mode("text_200", "text=200", "a11y-text-200"),
    Mode("spacing_wide", "spacing=wide", "a11y-spacing-wide"),
    Mode("contrast_high", "contrast=high", "a11y-contrast-high"),
    Mode("font_readable", "font=readable", "a11y-font-readable"),
    Mode("motion_reduce", "motion=reduce", "a11y-motion-reduce"),
    Mode("all_chosen", "text=200&spacing=wide&contrast=high&font=readable&motion=reduce",
         "a11y-text-200"),
    # no choice made: the system asks for more contrast, less motion, forced colours
    Mode("system_settings", media={"reduced_motion": "reduce", "forced_colors": "active",
                                   "contrast": "more"}),
)
