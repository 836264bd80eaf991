"""Both sides agree, payment codes, closed clearing months.

- Relation: status `pending` (a request waiting for the beneficiary's consent; the new default), who
  accepted and when; one pending-or-active relation per pair (was: one active).
- PaymentCode: one-time codes, only their keyed hash stored.
- ClearingMonth: open / clearing / closed per month; months whose settlement run succeeded start closed.
- Spend.clearing_month, backfilled set-based as the month of occurred_at in Beijing time; a spend recorded
  after its month's successful run (it was never in those statements) moves to the first month still
  open after it. Spend.refund_of: a refund is a negative row in an open month.
- SettlementLine.amount may be negative (a month's refunds of earlier spends).

Existing relations stay `active` (they were set up under the old one-sided rule); reversing drops the new
columns and tables (pending relations would then violate nothing but read as a status the old code
does not know: run it only before anyone has made a request).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


SPEND = "medical_pooling_spend"
TRIGGER = "medical_pooling_spend_append_only"  # 0005: spends are append-only; a one-off backfill lifts it


def close_cleared_months(apps, schema_editor):
    SettlementRun = apps.get_model("medical_pooling", "SettlementRun")
    ClearingMonth = apps.get_model("medical_pooling", "ClearingMonth")
    ClearingMonth.objects.bulk_create(
        [ClearingMonth(month=run.month, status="closed", closed_at=run.run_at)
         for run in SettlementRun.objects.filter(status="done")], ignore_conflicts=True)


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + (mon == 12):04d}-{1 if mon == 12 else mon + 1:02d}"


def backfill_clearing_month(apps, schema_editor):
    SettlementRun = apps.get_model("medical_pooling", "SettlementRun")
    ClearingMonth = apps.get_model("medical_pooling", "ClearingMonth")
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cur:
        if postgres:
            cur.execute(f"ALTER TABLE {SPEND} DISABLE TRIGGER {TRIGGER}")
            cur.execute(f"UPDATE {SPEND} SET clearing_month = "
                        f"to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")
        else:  # the embedded SQLite file: times are stored in UTC
            cur.execute(f"UPDATE {SPEND} SET clearing_month = strftime('%Y-%m', occurred_at, '+8 hours')")
        closed = set(ClearingMonth.objects.filter(status="closed").values_list("month", flat=True))
        for run in SettlementRun.objects.filter(status="done", run_at__isnull=False):
            target = run.month
            while target in closed:
                target = _next_month(target)
            ClearingMonth.objects.get_or_create(month=target)
            cur.execute(f"UPDATE {SPEND} SET clearing_month = %s WHERE clearing_month = %s AND created_at > %s",
                        [target, run.month, run.run_at])
        if postgres:
            cur.execute(f"ALTER TABLE {SPEND} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):

    dependencies = [
        ('medical_pooling', '0006_task_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClearingMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.CharField(max_length=7, unique=True, verbose_name='清算月份')),
                ('status', models.CharField(choices=[('open', '未清算'), ('clearing', '清算中'), ('closed', '已清算')], default='open', max_length=16, verbose_name='状态')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='关账时间')),
            ],
            options={
                'verbose_name': '清算月份',
                'verbose_name_plural': '清算月份',
                'ordering': ['-month'],
            },
        ),
        migrations.CreateModel(
            name='PaymentCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True, verbose_name='付款码摘要')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='生成时间')),
                ('expires_at', models.DateTimeField(verbose_name='失效时间')),
                ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='使用时间')),
            ],
            options={
                'verbose_name': '共济付款码',
                'verbose_name_plural': '共济付款码',
                'ordering': ['-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='relation',
            name='mp_relation_one_active_per_pair',
        ),
        migrations.RemoveConstraint(
            model_name='settlementline',
            name='mp_settlement_line_gte_0',
        ),
        migrations.RemoveConstraint(
            model_name='spend',
            name='mp_spend_amount_gt_0',
        ),
        migrations.AddField(
            model_name='relation',
            name='accepted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='确认时间'),
        ),
        migrations.AddField(
            model_name='relation',
            name='accepted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人'),
        ),
        migrations.AddField(
            model_name='spend',
            name='clearing_month',
            field=models.CharField(db_index=True, default='', max_length=7, verbose_name='清算月份'),
            preserve_default=False,
        ),
        migrations.RunPython(close_cleared_months, migrations.RunPython.noop),
        migrations.RunPython(backfill_clearing_month, migrations.RunPython.noop),
        migrations.AddField(
            model_name='spend',
            name='refund_of',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refund_row', to='medical_pooling.spend', verbose_name='退款对应支付'),
        ),
        migrations.AlterField(
            model_name='relation',
            name='status',
            field=models.CharField(choices=[('pending', '待对方确认'), ('active', '生效'), ('dissolved', '已解除')], default='pending', max_length=16, verbose_name='状态'),
        ),
        migrations.AddConstraint(
            model_name='relation',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['pending', 'active'])), fields=('pooler', 'beneficiary'), name='mp_relation_one_open_per_pair'),
        ),
        migrations.AddConstraint(
            model_name='settlementline',
            constraint=models.CheckConstraint(condition=models.Q(('count__gte', 0)), name='mp_settlement_line_count_gte_0'),
        ),
        migrations.AddConstraint(
            model_name='spend',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('amount__gt', 0), ('refund_of__isnull', True)), models.Q(('amount__lt', 0), ('refund_of__isnull', False)), _connector='OR'), name='mp_spend_amount_sign'),
        ),
        migrations.AddField(
            model_name='paymentcode',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='paymentcode',
            name='relation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_codes', to='medical_pooling.relation', verbose_name='共济关系'),
        ),
        migrations.AddField(
            model_name='paymentcode',
            name='spend',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment_code', to='medical_pooling.spend', verbose_name='共济支付'),
        ),
        migrations.AddConstraint(
            model_name='paymentcode',
            constraint=models.CheckConstraint(condition=models.Q(('used_at__isnull', True), ('spend__isnull', False), _connector='OR'), name='mp_payment_code_used_has_spend'),
        ),
    ]
