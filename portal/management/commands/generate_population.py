"""`manage.py generate_population --people N [--seed S]`: synthetic data at scale for benchmarks."""

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from portal.population import generate_people


class Command(BaseCommand):
    help = "Generate N synthetic people (valid IDs over the real county list) and each app's records for them."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--chunk", type=int, default=100_000)
        parser.add_argument("--only", nargs="*", help="apps to generate for (default: all)")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("generate_population needs PostgreSQL (set DATABASE_URL)")
        if opts["people"] <= 0:
            raise CommandError("--people must be positive")
        t0 = time.perf_counter()
        with transaction.atomic():
            ctx = generate_people(
                people=opts["people"], seed=opts["seed"], chunk=opts["chunk"],
                progress=lambda n: self.stdout.write(f"  people: {n:,}", ending="\r"),
            )
        self.stdout.write(f"people: {ctx.people:,} in {time.perf_counter() - t0:.1f}s")
        for config in apps.get_app_configs():
            if config.name == "portal" or (opts["only"] and config.name not in opts["only"]):
                continue
            try:
                module = importlib.import_module(f"{config.name}.population")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.population":
                    raise
                continue
            t1 = time.perf_counter()
            with transaction.atomic():
                summary = module.generate(ctx, self.stdout)
            self.stdout.write(f"{config.name}: {summary} in {time.perf_counter() - t1:.1f}s")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - t0:.1f}s"))
