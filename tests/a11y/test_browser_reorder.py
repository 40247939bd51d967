"""The order of a dataset's resources, changed without dragging (WCAG 2.1.1, 2.5.7): CKAN's
drag handles on the reorder page are each a button named by its
resource, moved by Arrow Up/Down, and the order saved is the one the officer sees."""
from __future__ import annotations

import pytest

from a11y_browser import login

pytestmark = [pytest.mark.browser]

NAMES = ("Sumber pertama", "Sumber kedua", "Sumber ketiga")


@pytest.fixture
def three_resources(a11y_portal):
    """A private dataset of the seeded office with three resources; purged afterwards, so the
    seeded portal's other pages stay as they were."""
    import ckan.plugins
    from ckan.tests import factories, helpers

    import satu_factories

    ckan.plugins.load_all()
    try:
        org = helpers.call_action("organization_show", id=a11y_portal.organization)
        ds = satu_factories.Dataset(name="urutan-sumber-uji", title="Urutan Sumber Uji",
                                    owner_org=org["id"], private=True)
        for i, name in enumerate(NAMES):
            factories.Resource(package_id=ds["id"], name=name, format="CSV",
                               url=f"https://data.example.org/sumber-{i}.csv")
    finally:
        ckan.plugins.unload_all()
    yield ds
    ckan.plugins.load_all()
    try:
        helpers.call_action("dataset_purge", id=ds["id"])
    finally:
        ckan.plugins.unload_all()


def _order(dataset_id: str) -> list[str]:
    import ckan.plugins
    from ckan.tests import helpers

    ckan.plugins.load_all()
    try:
        return [r["name"] for r in helpers.call_action("package_show", id=dataset_id)["resources"]]
    finally:
        ckan.plugins.unload_all()


def test_resources_are_reordered_with_the_keyboard_alone(browser, a11y_portal, three_resources):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    login(tab, a11y_portal)
    tab.goto(f"{a11y_portal.url}/dataset/resources/{three_resources['name']}")
    handles = tab.locator(".resource-list .resource-item > .handle")
    handles.first.wait_for(state="visible")
    # the keyboard's way is said right above the list, after CKAN's drag instructions
    assert tab.evaluate("document.querySelector('.resource-list').previousElementSibling.id") == "tg-reorder-keys"
    assert "panah atas" in tab.inner_text("#tg-reorder-keys").lower()
    # each handle is a named button, reached by Tab
    named = handles.evaluate_all(
        "els => els.map(el => [el.getAttribute('role'), el.getAttribute('aria-label'), el.tabIndex])")
    assert [(role, tabindex) for role, _, tabindex in named] == [("button", 0)] * len(NAMES)
    for (_, label, _), name in zip(named, NAMES):
        assert name in label and "Pindahkan" in label, label
    # the first resource moved down twice, by its handle, with focus kept on it
    handles.first.focus()
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    shown = tab.locator(".resource-list .resource-item .heading").evaluate_all(
        "els => els.map(el => el.textContent.trim())")
    assert [next(n for n in NAMES if n in s) for s in shown] == [NAMES[1], NAMES[2], NAMES[0]]
    focused = tab.evaluate("document.activeElement.getAttribute('aria-label')")
    assert NAMES[0] in focused
    save = tab.locator(".form-actions .save")
    assert save.get_attribute("role") == "button"
    save.focus()
    # a button answers Space as well as Enter
    with tab.expect_response(lambda r: "package_resource_reorder" in r.url) as answer:
        tab.keyboard.press("Space")
    assert answer.value.ok
    assert _order(three_resources["id"]) == [NAMES[1], NAMES[2], NAMES[0]]
    ctx.close()
