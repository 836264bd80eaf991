"""Fill the portal with the seed's programmes and people. Each app contributes `<app>.demo.seed(stdout)`."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.demo import DEMO_OTP_ROLES, DEMO_OTP_SECRET
from portal.demo import seed as seed_portal


class Command(BaseCommand):
    help = "Load demo data: regions' users, the seed's programmes, households, insured people, trainees."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo12345", help="password for every demo login")

    def handle(self, *args, **opts):
        with transaction.atomic():
            logins = seed_portal(self.stdout, password=opts["password"])
        for config in apps.get_app_configs():
            if config.name == "portal":
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。登录账号（密码均为 {opts['password']}）："))
        for username, role, where in logins:
            mark = " *" if role in DEMO_OTP_ROLES else ""
            self.stdout.write(f"  {username:<14} {role:<20} {where}{mark}")
        self.stdout.write(f"* 须两步验证：在验证器应用中添加 TOTP 密钥 {DEMO_OTP_SECRET}（SHA-1，6 位，30 秒），"
                          "登录时输入其当前验证码；API 取令牌时以 otp 字段提交。")
