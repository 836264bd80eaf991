"""A per-(region, area) count of households, kept by statement-level triggers with transition tables.

PostgreSQL only: each INSERT, DELETE or UPDATE statement on assistance_household adds its net change
per (region, area) in one upsert, inside the writing transaction, so the tally is exact and a bulk
load of a million households costs one grouped upsert per statement, not a row trigger per row. An
UPDATE that moves no household between regions or areas touches nothing. Other databases keep no
tally and the household list counts its rows (see assistance.selectors.household_count).
"""

import django.db.models.deletion
from django.db import migrations, models


TALLY = "assistance_householdtally"

CREATE = f"""
CREATE FUNCTION assistance_household_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- additions go through an upsert, removals through an UPDATE (a CHECK is tested before ON CONFLICT,
    -- so a negative upsert would be refused); an UPDATE counts only households it moved
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TALLY} (region_id, area, households)
        SELECT region_id, area, COUNT(*) FROM new_rows GROUP BY region_id, area ORDER BY region_id, area
        ON CONFLICT (region_id, area) DO UPDATE SET households = {TALLY}.households + EXCLUDED.households;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE {TALLY} t SET households = t.households - o.n
        FROM (SELECT region_id, area, COUNT(*) AS n FROM old_rows GROUP BY region_id, area) o
        WHERE t.region_id = o.region_id AND t.area = o.area;
    ELSE
        INSERT INTO {TALLY} (region_id, area, households)
        SELECT n.region_id, n.area, COUNT(*) FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (o.region_id, o.area) IS DISTINCT FROM (n.region_id, n.area)
        GROUP BY n.region_id, n.area ORDER BY n.region_id, n.area
        ON CONFLICT (region_id, area) DO UPDATE SET households = {TALLY}.households + EXCLUDED.households;
        UPDATE {TALLY} t SET households = t.households - m.n
        FROM (SELECT o.region_id, o.area, COUNT(*) AS n FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.region_id, o.area) IS DISTINCT FROM (n.region_id, n.area) GROUP BY o.region_id, o.area) m
        WHERE t.region_id = m.region_id AND t.area = m.area;
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
                'constraints': [models.UniqueConstraint(fields=('region', 'area'), name='household_tally_region_area'), models.CheckConstraint(condition=models.Q(('households__gte', 0)), name='household_tally_not_negative')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
