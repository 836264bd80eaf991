from django.core.management.base import BaseCommand, CommandError

from portal.audit_chain import anchor_path, verify, write_anchor


class Command(BaseCommand):
    help = ("Check every audit row's keyed hash (HMAC with AUDIT_CHAIN_KEY) and link, and that every anchored "
            "chain head still exists with its hash; then anchor the verified head (unless --no-anchor).")

    def add_arguments(self, parser):
        parser.add_argument("--no-anchor", action="store_true", help="do not write a new anchor after checking")

    def handle(self, *args, **opts):
        report = verify()
        if not report.ok:
            raise CommandError(f"审计链校验失败：{'；'.join(report.problems)}（共 {report.rows} 条）")
        anchored = None if opts["no_anchor"] else write_anchor()
        self.stdout.write(f"审计链完整：{report.rows} 条记录，核对锚点 {report.anchors} 个")
        if anchored:
            self.stdout.write(f"已写入锚点：编号 {anchored['id']} → {anchor_path()}")
