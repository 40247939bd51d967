"""Layer states announced on a channel, so that web workers keep them in memory.

Every package_show shows each resource's layer state (model.layer_states). A worker holds the
states and re-reads only those this channel names: a layer row inserted or deleted, an import
inserted, deleted or given another status. The payload is the layer's id (its resource's id);
'*' after a TRUNCATE of either table (every state may have changed).

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# model.STATE_CHANNEL when written (a migration keeps its own copy)
CHANNEL = "tangerang_satupeta_layer_state"


def upgrade():
    op.execute(f"""
        CREATE FUNCTION tangerang_satupeta_state_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_LEVEL = 'STATEMENT' THEN
            PERFORM pg_notify('{CHANNEL}', '*');
          ELSIF TG_TABLE_NAME = 'tangerang_satupeta_import' THEN
            PERFORM pg_notify('{CHANNEL}', CASE WHEN TG_OP = 'DELETE' THEN OLD.layer_id ELSE NEW.layer_id END);
          ELSE
            PERFORM pg_notify('{CHANNEL}', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
          END IF;
          RETURN NULL;
        END $$""")
    for table, short in (("tangerang_satupeta_layer", "layer"), ("tangerang_satupeta_import", "import")):
        op.execute(f"CREATE TRIGGER tangerang_satupeta_{short}_state AFTER INSERT OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tangerang_satupeta_state_changed()")
        op.execute(f"CREATE TRIGGER tangerang_satupeta_{short}_emptied AFTER TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tangerang_satupeta_state_changed()")
    # progress is written many times per import, the status a few
    op.execute("CREATE TRIGGER tangerang_satupeta_import_status AFTER UPDATE OF status "
               "ON tangerang_satupeta_import FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) "
               "EXECUTE FUNCTION tangerang_satupeta_state_changed()")


def downgrade():
    for table, short in (("tangerang_satupeta_layer", "layer"), ("tangerang_satupeta_import", "import")):
        op.execute(f"DROP TRIGGER tangerang_satupeta_{short}_state ON {table}")
        op.execute(f"DROP TRIGGER tangerang_satupeta_{short}_emptied ON {table}")
    op.execute("DROP TRIGGER tangerang_satupeta_import_status ON tangerang_satupeta_import")
    op.execute("DROP FUNCTION tangerang_satupeta_state_changed()")
