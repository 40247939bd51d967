"""Routing notes are internal: move them out of the requester's history

Until now a routing (disposisi) event carried "<OPD title>: <officer's note>" and was shown on
the requester's tracking page. The public event keeps the OPD title; the note moves to an
internal event (public = false) that only officers see.

Revision ID: 0004_ppid_route_note_internal
Revises: 0003_ppid_appointment
Create Date: 2026-11-29
"""
from alembic import op

revision = "0004_ppid_route_note_internal"
down_revision = "0003_ppid_appointment"
branch_labels = None
depends_on = None

# the OPD titles of the city profiles contain no ": ", so the first one ends the title
ROUTED_WITH_NOTE = "action = 'route' AND public AND strpos(note, ': ') > 0"
STATEMENTS = [
    f"""INSERT INTO tangerang_ppid_event
            (id, request_id, action, actor_id, actor_role, from_state, to_state, note, public,
             created)
        SELECT gen_random_uuid()::text, request_id, 'internal_note', actor_id, actor_role,
               to_state, to_state, substr(note, strpos(note, ': ') + 2), false,
               created + interval '1 microsecond'
        FROM tangerang_ppid_event WHERE {ROUTED_WITH_NOTE}""",
    f"""UPDATE tangerang_ppid_event SET note = substr(note, 1, strpos(note, ': ') - 1)
        WHERE {ROUTED_WITH_NOTE}""",
]


def upgrade():
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    # the split is kept: putting the notes back would show them to requesters again
    pass
