from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import twofactor
from portal.models import Region, Role, User
from portal.services import audit, person_get_or_create
from portal.signals import portal_user_saved

STAFF_ROLES_NEEDING_REGION = {Role.CASEWORKER, Role.APPROVER, Role.TRAINING_STAFF}


class Command(BaseCommand):
    help = "Create or update a portal user with a role (idempotent: run again, it updates the user)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--region", help="GB/T 2260 code: the user sees this region and below")
        parser.add_argument("--id-number", dest="id_number", help="resident ID number (insured citizens)")
        parser.add_argument("--institution", help="national medical-insurance code of the institution; for a merchant or "
                                                 "heating company user, its registered code")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--otp-secret", dest="otp_secret",
            help="base32 TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s): the user gets a confirmed device with it "
                 "(run again, the secret is replaced)",
        )

    @transaction.atomic
    def handle(self, *args, **opts):
        role = Role(opts["role"])
        region = None
        if opts.get("region"):
            region = Region.objects.filter(code=opts["region"]).first()
            if region is None:
                raise CommandError(f"未知的行政区划代码：{opts['region']}")
        elif role in STAFF_ROLES_NEEDING_REGION:
            raise CommandError(f"角色 {role.value} 需要 --region")
        person = None
        if opts.get("id_number"):
            try:
                person = person_get_or_create(id_number=opts["id_number"], name=opts.get("name", ""))
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        elif role == Role.INSURED:
            raise CommandError("角色 insured 需要 --id-number")
        if opts.get("otp_secret"):
            try:
                twofactor.parse_base32(opts["otp_secret"])
            except ValueError as exc:
                raise CommandError(f"--otp-secret 不是有效的 base32 密钥：{exc}") from None
        institution = (opts.get("institution") or "").strip().upper()
        if role in (Role.INSTITUTION, Role.MERCHANT, Role.HEATING_COMPANY) and not institution:
            raise CommandError(f"角色 {role.value} 需要 --institution")

        user, created = User.objects.get_or_create(username=opts["username"])
        before = None if created else {"role": user.role, "region": user.region_id, "institution": user.institution_code}
        user.role = role
        user.region = region
        user.person = person
        user.institution_code = institution
        user.first_name = opts.get("name") or user.first_name
        user.email = opts.get("email") or user.email
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.is_active = True
        user.set_password(opts["password"])
        user.save()
        if opts.get("otp_secret"):
            twofactor.set_totp_secret(user, opts["otp_secret"])
        portal_user_saved.send(sender=User, user=user, options=opts)
        after = {"role": user.role, "region": user.region_id, "institution": user.institution_code}
        if opts.get("otp_secret"):
            after["otp_device"] = "totp"
        audit(actor=None, action="user.created" if created else "user.updated", obj=user,
              region_code=region.code if region else "", before=before, after=after,
              note="create_portal_user")
        self.stdout.write(f"{'created' if created else 'updated'} {user.username} ({role.value})")
