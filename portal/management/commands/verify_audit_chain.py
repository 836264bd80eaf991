from django.core.management.base import BaseCommand, CommandError

from portal.models import AuditEvent
from portal.services import verify_audit_chain


class Command(BaseCommand):
    help = "Check that no audit row was edited, removed or inserted out of chain."

    def handle(self, *args, **opts):
        broken = verify_audit_chain()
        total = AuditEvent.objects.count()
        if broken:
            raise CommandError(f"审计链校验失败：{len(broken)} 条记录异常，首个编号 {broken[0]}（共 {total} 条）")
        self.stdout.write(f"审计链完整：{total} 条记录")
