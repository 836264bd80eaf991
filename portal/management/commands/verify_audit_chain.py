from django.core.management.base import BaseCommand, CommandError

from portal.audit_chain import anchor_path, verify, write_anchor


class Command(BaseCommand):
    help = ("Check every audit row's keyed hash (HMAC with AUDIT_CHAIN_KEY) and link within its chain (one per "
            "province), and that every anchored chain head still exists with its hash; then anchor the verified "
            "heads (unless --no-anchor).")

    def add_arguments(self, parser):
        parser.add_argument("--no-anchor", action="store_true", help="do not write a new anchor after checking")
        parser.add_argument("--chain", help="check one chain only: a province's two digits, '' for the one without "
                                             "a region (no anchor is written)")

    def handle(self, *args, **opts):
        if opts["chain"] is not None and not (opts["chain"] == "" or (len(opts["chain"]) == 2 and opts["chain"].isdigit())):
            raise CommandError("--chain 应为两位省级代码（如 61），或空字符串表示无区域的审计链")
        report = verify(opts["chain"])
        if not report.ok:
            raise CommandError(f"审计链校验失败：{'；'.join(report.problems)}（共 {report.rows} 条）")
        anchored = None if opts["no_anchor"] or opts["chain"] is not None else write_anchor()
        self.stdout.write(f"审计链完整：{len(report.chains)} 条链，{report.rows} 条记录，核对锚点 {report.anchors} 个")
        if anchored:
            self.stdout.write(f"已写入锚点：编号 {anchored['id']} → {anchor_path()}")
