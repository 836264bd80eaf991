"""A per-(region, area) count of households, kept by statement-level triggers with transition tables.

PostgreSQL only: each INSERT, DELETE or UPDATE statement on assistance_household adds its net change
per (region, area) in ONE upsert with the keys in sorted order, inside the writing transaction. The
tally is exact, a bulk load of a million households costs one grouped upsert per statement rather than
a row trigger per row, and two writers take the tally rows' locks in the same order, so they cannot
deadlock on them. Negative changes go through the upsert too, hence no CHECK (PostgreSQL tests a CHECK
on the proposed row before ON CONFLICT). An UPDATE that moves no household between regions or areas
touches nothing. Other databases keep no tally and the household list counts its rows (see
assistance.selectors.household_count).
"""

import django.db.models.deletion
from django.db import migrations, models


TALLY = "assistance_householdtally"
UPSERT = f"ON CONFLICT (region_id, area) DO UPDATE SET households = {TALLY}.households + EXCLUDED.households"

CREATE = f"""
CREATE FUNCTION assistance_household_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TALLY} (region_id, area, households)
        SELECT region_id, area, COUNT(*) FROM new_rows GROUP BY region_id, area ORDER BY region_id, area
        {UPSERT};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {TALLY} (region_id, area, households)
        SELECT region_id, area, -COUNT(*) FROM old_rows GROUP BY region_id, area ORDER BY region_id, area
        {UPSERT};
    ELSE
        INSERT INTO {TALLY} (region_id, area, households)
        SELECT d.region_id, d.area, SUM(d.n) FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.region_id, n.area, 1), (o.region_id, o.area, -1)) AS d (region_id, area, n)
        WHERE (o.region_id, o.area) IS DISTINCT FROM (n.region_id, n.area)
        GROUP BY d.region_id, d.area HAVING SUM(d.n) <> 0 ORDER BY d.region_id, d.area
        {UPSERT};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER household_tally_insert AFTER INSERT ON assistance_household
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assistance_household_tally();
CREATE TRIGGER household_tally_delete AFTER DELETE ON assistance_household
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assistance_household_tally();
CREATE TRIGGER household_tally_update AFTER UPDATE ON assistance_household
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION assistance_household_tally();
CREATE FUNCTION assistance_household_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TALLY};
    RETURN NULL;
END $$;
CREATE TRIGGER household_tally_truncate AFTER TRUNCATE ON assistance_household
    FOR EACH STATEMENT EXECUTE FUNCTION assistance_household_tally_truncate();
INSERT INTO {TALLY} (region_id, area, households)
    SELECT region_id, area, COUNT(*) FROM assistance_household GROUP BY region_id, area;
"""

DROP = """
DROP TRIGGER IF EXISTS household_tally_insert ON assistance_household;
DROP TRIGGER IF EXISTS household_tally_delete ON assistance_household;
DROP TRIGGER IF EXISTS household_tally_update ON assistance_household;
DROP TRIGGER IF EXISTS household_tally_truncate ON assistance_household;
DROP FUNCTION IF EXISTS assistance_household_tally();
DROP FUNCTION IF EXISTS assistance_household_tally_truncate();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0005_resume_stalled_schedule'),
        ('portal', '0004_resume_stalled_jobs_schedule'),
    ]

    operations = [
        migrations.CreateModel(
            name='HouseholdTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('area', models.CharField(choices=[('urban', '城市'), ('rural', '农村')], max_length=8)),
                ('households', models.BigIntegerField(default=0)),
                ('region', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.region')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('region', 'area'), name='household_tally_region_area')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
