"""One pass (or a loop) of the bank exchange: apply the result files in the inbox, ask the bank about
payments it has not answered, reconcile what changed. In production the beat jobs do this; the demo, which
has no worker, runs `manage.py bank_exchange --every 5` beside the server."""

import time

from django.core.management.base import BaseCommand

from assistance import services


class Command(BaseCommand):
    help = "银行代发文件交换：获取回盘、查询未回盘交易、对账（--every N 每 N 秒一次）"

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds (0: once)")
        parser.add_argument("--query-after", type=int, default=None,
                            help="ask about payments unanswered for this many seconds (default: the setting)")

    def handle(self, *args, **opts):
        while True:
            applied = services.bank_results_fetch()
            for record in applied:  # each touched batch is reconciled by the fetch itself
                self.stdout.write(f"{record.name}: {record.get_status_display()}")
            try:
                counts = services.bank_query_unanswered(older_than=opts["query_after"])
                if counts["asked"]:
                    self.stdout.write(f"status query: {counts}")
            except OSError as exc:
                self.stderr.write(f"bank status query unavailable: {exc}")
            if not opts["every"]:
                return
            time.sleep(opts["every"])
