"""Notes on a request's history: the ones the portal writes are stored as their parts and worded
when read; a note a person typed is shown as typed, even one that imitates the stored form."""
from __future__ import annotations

from ckanext.tangerang.ppid.logic.action.common import note_text, written_note

IMITATION = written_note("outcome", code="granted")


def test_a_typed_note_that_imitates_a_stored_one_is_shown_as_typed():
    # a requester completing a request, or an officer asking for completion, types the note
    for typed_by in ("complete", "ask_completion", "internal_note", "dispute"):
        assert note_text(IMITATION, typed_by) == IMITATION


def test_a_note_of_a_kind_this_version_does_not_know_is_shown_as_stored():
    unknown = written_note("from_a_later_version", x=1)
    assert note_text(unknown, "decide") == unknown
