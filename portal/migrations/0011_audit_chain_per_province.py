"""The audit trail becomes one hash chain per province (and one for events without a region).

Every existing row stays where it was: in the chain without a region (`chain = ''`), whose links and hashes
are unchanged (an empty chain is not part of a row's keyed payload), and the anchors already written name
rows of that chain. New events start their province's chain.

Adding the column with a constant default is a catalogue change on PostgreSQL; the (chain, id) index is
built CONCURRENTLY, so the audit table keeps taking writes while it is built (hence `atomic = False`).
Switch every node at once: a node still on the earlier code reads the newest row of the whole table as its
chain head, which once province chains exist may belong to another chain.
"""

from django.db import migrations, models

from portal.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0010_person_personal_data_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(blank=True, default="", editable=False, max_length=2, verbose_name="审计链"),
        ),
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ),
    ]
