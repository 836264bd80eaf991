"""The audit trail becomes one hash chain per province (and one for events without a region).

Every existing row stays where it was: in the chain without a region (`chain = ''`), whose links and hashes
are unchanged (an empty chain is not part of a row's keyed payload), and the anchors already written name
rows of that chain. New events start their province's chain.

The column keeps a database default of '' (`db_default`), so a node still on the earlier code goes on
writing correct rows of that chain while this and the next migration (the index, built concurrently) run.
Adding it is a catalogue change on PostgreSQL; `lock_timeout` makes it give up, rather than queue every
audited write behind it, if a long transaction holds the table. Once both migrations have run, switch every
node at once: a node on the earlier code reads the newest row of the whole table as its chain head, which
after the first province event may belong to another chain.
"""

from django.db import migrations, models


def _lock_timeout(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL lock_timeout = '10s'")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0010_person_personal_data_encrypted"),
    ]

    operations = [
        migrations.RunPython(_lock_timeout, migrations.RunPython.noop),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=2,
                                   verbose_name="审计链"),
        ),
    ]
