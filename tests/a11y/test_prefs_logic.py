"""The preference cookie's rules (pure logic, no services)."""
from __future__ import annotations

from ckanext.tangerang.a11y.logic import prefs


def test_defaults_when_no_cookie_or_garbage():
    assert prefs.parse(None) == prefs.DEFAULTS
    assert prefs.parse("%%%;;=&&") == prefs.DEFAULTS
    assert prefs.parse("text=999&contrast=purple") == prefs.DEFAULTS


def test_round_trip_keeps_only_what_differs_from_default():
    chosen = {**prefs.DEFAULTS, "text": "200", "contrast": "high"}
    value = prefs.serialize(chosen)
    assert "font" not in value and "text=200" in value
    assert prefs.parse(value) == chosen
    assert prefs.serialize(prefs.DEFAULTS) == ""


def test_clean_reports_each_bad_field_with_the_allowed_values():
    chosen, errors = prefs.clean({"text": "300", "spacing": "wide", "motion": "fast"})
    assert chosen["spacing"] == "wide"
    assert set(errors) == {"text", "motion"}
    assert "200" in errors["text"] and "reduce" in errors["motion"]


def test_html_classes_name_each_choice():
    classes = prefs.html_classes({**prefs.DEFAULTS, "text": "150", "motion": "reduce"})
    assert classes == ["a11y-text-150", "a11y-motion-reduce"]
    assert prefs.html_classes(prefs.DEFAULTS) == []
