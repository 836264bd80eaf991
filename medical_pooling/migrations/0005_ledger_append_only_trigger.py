"""On PostgreSQL the ledger and the spends are append-only in the database itself: UPDATE and DELETE
of a row raise. (TRUNCATE, used by test teardown, is not a row operation.) SQLite, the demo-only
embedded mode, relies on the model's save()/delete() guards."""

from django.db import migrations

FUNC = """
CREATE OR REPLACE FUNCTION medical_pooling_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""
TABLES = ["medical_pooling_ledgerentry", "medical_pooling_spend"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNC)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION medical_pooling_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS medical_pooling_append_only()")


class Migration(migrations.Migration):
    dependencies = [("medical_pooling", "0004_seed_fraud_rules")]

    operations = [migrations.RunPython(forwards, backwards)]
