"""What every app shares: regions, the person registry, users and roles, audit, jobs, idempotency."""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import idnumber, pii
from .regions_source import level_of, prefix_of
from .roles import CIVIL_STAFF, Role  # noqa: F401 - Role is re-exported


class Region(models.Model):
    """A GB/T 2260 division. Descendants of a region are the codes sharing its prefix."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        PREFECTURE = 2, _("地级")
        COUNTY = 3, _("县级")

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    longitude = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return prefix_of(self.code)

    @property
    def code_range(self) -> tuple[str, str]:
        """Inclusive range of codes of this region and everything below it (btree-friendly)."""
        return code_range(self.code)

    @property
    def full_name(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


def code_range(code: str) -> tuple[str, str]:
    prefix = prefix_of(code)
    pad = 6 - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


def region_level(code: str) -> int:
    return level_of(code)


class Locality(models.Model):
    """Below a county (GB/T 2260 ends there): a street or township (街道/乡镇, 9-digit code) and a community
    or village (社区/村, 12-digit code), coded as GB/T 10114 does: the county's six digits, then three for
    the street, then three for the community, so a code's prefix names everything above it. Loaded by the
    region bureau (admin or a data migration), not typed per household."""

    class Kind(models.TextChoices):
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="localities")
    parent = models.ForeignKey("self", verbose_name=_("所属街道"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")

    class Meta:
        verbose_name = _("街道社区")
        verbose_name_plural = _("街道社区")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="street") & Q(parent__isnull=True) & Q(code__regex=r"^[0-9]{9}$"))
                | (Q(kind="community") & Q(parent__isnull=False) & Q(code__regex=r"^[0-9]{12}$")),
                name="locality_code_by_kind",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_id = self.code[:6]
        if self.kind == self.Kind.COMMUNITY:
            self.parent_id = self.code[:9]
        super().save(*args, **kwargs)


class Person(models.Model):
    """One person, one record: keyed by the resident ID number; every app points here."""

    # encrypted at rest (portal/pii.py): the column holds the HMAC (exact lookups, uniqueness); the
    # ciphertext, the masked form and the last four characters (indexed search) follow
    id_number = pii.SealedField(_("身份证号码"), kind=pii.ID, unique=True, validators=[idnumber.validate_id_number])
    id_number_enc = models.BinaryField(editable=False, default=b"")
    id_number_masked = models.CharField(max_length=18, editable=False, default="")
    id_last4 = models.CharField(_("身份证后四位"), max_length=4, editable=False, default="")
    name = models.CharField(_("姓名"), max_length=64, blank=True, db_index=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=128, blank=True, db_index=True)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    phone = pii.SealedField(_("联系电话"), kind=pii.PHONE, blank=True, default="", db_default="")
    phone_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    phone_masked = models.CharField(max_length=20, editable=False, blank=True, default="", db_default="")
    deceased_on = models.DateField(_("死亡日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员登记")
        indexes = [models.Index(fields=["name", "birth_date"], name="person_name_birth_idx"),
                   models.Index(fields=["id_last4"], name="person_id_last4_idx")]

    def __str__(self):
        return f"{self.name or _('（未登记姓名）')} {self.masked_id}"

    @property
    def masked_id(self) -> str:
        """The stored masked form (no decryption); for a value assigned but not yet saved, its mask."""
        value = self.__dict__.get("id_number")
        if value is not None and not isinstance(value, pii.Sealed):
            return pii.mask(pii.ID, value)
        return self.id_number_masked

    @property
    def masked_phone(self) -> str:
        value = self.__dict__.get("phone")
        if value is not None and not isinstance(value, pii.Sealed):
            return pii.mask(pii.PHONE, value)
        return self.phone_masked


CIVIL_AFFAIRS_ROLES = CIVIL_STAFF  # the name older code uses


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.CASEWORKER)
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("对应人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    institution_code = models.CharField(_("机构编码"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_portal_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    def has_role(self, *roles) -> bool:
        return self.is_authenticated and (self.role in roles or self.is_portal_admin)


class AuditEvent(models.Model):
    """Who did what, when, before/after. Written in the same transaction as the change.

    Rows form keyed hash chains, one per province (`chain`: the first two digits of the event's region; ""
    for events without a region and for every row written before the chains were split): each row's hash
    is an HMAC-SHA256 (key: settings.AUDIT_CHAIN_KEY, which the database does not hold) of its content, its
    chain and the previous row's hash in that chain, so an edited, inserted, deleted or moved row is
    detected by `manage.py verify_audit_chain` and cannot be re-hashed without the key. Each chain has its
    own lock, so audited writes of different provinces do not wait for each other (`portal.services.audit`).
    Rows written before the key existed carry hash_version 1 (plain SHA-256) and still verify; no version-1
    row may follow a version-2 row. Every chain's head is anchored outside the database (portal.audit_chain).
    """

    HASH_PLAIN = 1  # SHA-256 of the content (rows written before the keyed chain)
    HASH_HMAC = 2  # HMAC-SHA256 with AUDIT_CHAIN_KEY

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    region_code = models.CharField(_("区域"), max_length=6, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    hash_version = models.PositiveSmallIntegerField(default=HASH_HMAC)
    # db_default: rows inserted by code that does not know the column (a node not yet upgraded) land in ""
    chain = models.CharField(_("审计链"), max_length=2, blank=True, default="", db_default="", editable=False)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # a chain's head (`WHERE chain = … ORDER BY chain DESC, id DESC LIMIT 1`) and its walk in order
            models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    @staticmethod
    def chain_for(region_code: str) -> str:
        """The chain an event of this region starts: its province (the first two digits), or "" without one."""
        code = (region_code or "")[:2]
        return code if len(code) == 2 and code.isdigit() else ""

    def _payload(self) -> bytes:
        fields = [
            self.prev_hash,
            self.actor_id,
            self.action,
            self.object_type,
            self.object_id,
            self.region_code,
            self.before,
            self.after,
            self.note,
            self.at.isoformat() if self.at else None,
        ]
        if self.hash_version != self.HASH_PLAIN:
            fields.append(self.hash_version)  # the version is bound into the keyed hash
            if self.chain:  # and so is the chain (rows of the one chain before the split have none)
                fields.append(self.chain)
        return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()

    def compute_hash(self, key: bytes | None = None) -> str:
        """The row's hash by its version; `key` defaults to settings.AUDIT_CHAIN_KEY."""
        if self.hash_version == self.HASH_PLAIN:
            return hashlib.sha256(self._payload()).hexdigest()
        if self.hash_version != self.HASH_HMAC:
            return ""
        key = key if key is not None else settings.AUDIT_CHAIN_KEY.encode()
        return hmac.new(key, self._payload(), hashlib.sha256).hexdigest()


class Job(models.Model):
    """A long-running background job whose progress people watch (batch build, payout, clearing)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=64, db_index=True)
    # The Celery task (by name) that does the work, called with the job id; the resume job sends it
    # again when the job's worker was lost.
    task = models.CharField(_("任务"), max_length=128, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.BigIntegerField(_("总量"), default=0)
    done = models.BigIntegerField(_("已处理"), default=0)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=128, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.kind}#{self.pk} {self.status}"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(self.done * 100 / self.total))


class IdempotencyRecord(models.Model):
    """Stripe-style idempotency for money-moving requests: (user, key) -> first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")]

    def __str__(self):
        return f"{self.key} {self.method} {self.path}"


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`). Only the SHA-256 digest of the random key is stored, so
    the table cannot be replayed; each token expires (PORTAL_API_TOKEN_TTL_SECONDS) and is deleted when
    revoked (web logout of its user, or an admin deleting it). See portal.tokens."""

    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"), db_index=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user_id})"
