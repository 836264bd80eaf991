# API tokens stored as SHA-256 digests with an expiry (portal.tokens). DRF's authtoken app is no longer
# installed: its table held every token in clear and never expired, so it is dropped here (those tokens
# stop working; API clients sign in again). No other migration refers to it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_resume_stalled_jobs_schedule'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('prefix', models.CharField(max_length=8, verbose_name='令牌前缀')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='签发时间')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='到期时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': 'API 令牌',
                'verbose_name_plural': 'API 令牌',
            },
        ),
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
