"""Load streets (街道/乡镇, 9-digit codes) and communities (社区/村, 12-digit codes) below the counties, from a
CSV or XLSX of two columns, code and name (a header row is skipped), as a region bureau publishes them:

    python manage.py load_localities localities.xlsx

Existing codes get the new name; a code whose county (first six digits) or street (first nine) is unknown
is refused and nothing is loaded."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Locality, Region
from portal.tabular import read_table


class Command(BaseCommand):
    help = "载入街道/乡镇和社区/村（代码, 名称）"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        rows = [r for r in read_table(Path(path).read_bytes(), path) if len(r) >= 2 and r[0].strip().isdigit()]
        rows.sort(key=lambda r: len(r[0].strip()))  # streets before their communities
        counties = set(Region.objects.values_list("code", flat=True))
        with transaction.atomic():
            for code, name, *_rest in rows:
                code, name = code.strip(), name.strip()
                if len(code) not in (9, 12) or code[:6] not in counties:
                    raise CommandError(f"{code}: 代码应为9位（街道）或12位（社区），且前6位为已知区县")
                if len(code) == 12 and not Locality.objects.filter(code=code[:9]).exists():
                    raise CommandError(f"{code}: 所属街道 {code[:9]} 未登记")
                Locality.objects.update_or_create(
                    code=code, defaults={"name": name, "kind": "street" if len(code) == 9 else "community"})
        self.stdout.write(f"{len(rows)}")
