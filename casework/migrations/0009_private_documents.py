"""Application documents move out of MEDIA_ROOT into PRIVATE_ROOT (served only through the checked,
audited download view). Files already uploaded are moved under the same relative name; a missing file is
left as it is (nothing to move), so the migration can run again safely."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import casework.models
import portal.storage


def move_documents(apps, schema_editor):
    Document = apps.get_model("casework", "ApplicationDocument")
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)
    for name in Document.objects.values_list("file", flat=True).iterator():
        source, target = media / name, private / name
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0008_notices"),
    ]

    operations = [
        migrations.AlterField(
            model_name="applicationdocument",
            name="file",
            field=models.FileField(max_length=200, storage=portal.storage.private_storage,
                                   upload_to=casework.models.document_path, verbose_name="文件"),
        ),
        migrations.RunPython(move_documents, migrations.RunPython.noop, elidable=True),
    ]
