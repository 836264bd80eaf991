"""Herbal-cuisine maker (药膳制作师) certification: the standard as data, training, assessment, certificates.

The occupational standard, its levels, weight tables and entry conditions are rows (seeded by the
migration `0002_seed_standard`, editable in the admin); the rules that read them live in
`services.standard.eligibility_check` and `services.assessments.assessment_record`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import pii
from portal.models import Role
from portal.scoping import Scope

STAFF_ROLES = frozenset({Role.TRAINING_STAFF})


class Diploma(models.IntegerChoices):
    """Ranked: a higher diploma satisfies a rule asking for a lower one."""

    NONE = 0, _("无相关学历")
    VOCATIONAL = 1, _("技工学校/中等职业学校相关专业毕业")
    HIGHER_VOCATIONAL = 2, _("高级技工学校/技师学院/高职相关专业毕业")
    BACHELOR = 3, _("本科及以上相关专业毕业")


class Title(models.IntegerChoices):
    """Professional titles (专业技术职称), ranked."""

    NONE = 0, _("无职称")
    ASSISTANT = 1, _("初级职称")
    INTERMEDIATE = 2, _("中级职称")
    SENIOR = 3, _("高级职称")


class RuleTemplate(models.TextChoices):
    T2019 = "2019", _("2019版申报条件")
    T2023 = "2023", _("2023版申报条件")


class Standard(models.Model):
    code = models.CharField(_("职业编码"), max_length=16, unique=True)
    name = models.CharField(_("标准名称"), max_length=128)
    occupation = models.CharField(_("职业(工种)"), max_length=64)
    issued = models.CharField(_("颁布时间"), max_length=7, help_text=_("如 2025-03"))
    default_template = models.CharField(
        _("默认申报条件版本"), max_length=4, choices=RuleTemplate.choices, default=RuleTemplate.T2023
    )
    active = models.BooleanField(_("现行"), default=True)

    class Meta:
        verbose_name = _("职业标准")
        verbose_name_plural = _("职业标准")

    def __str__(self):
        return self.name


class Level(models.Model):
    """One of the five levels; `theory_weights`/`skills_weights` map a module to its % (sum 100)."""

    standard = models.ForeignKey(Standard, verbose_name=_("职业标准"), on_delete=models.PROTECT, related_name="levels")
    number = models.PositiveSmallIntegerField(_("等级"), help_text=_("5=五级/初级工 … 1=一级/高级技师"))
    name = models.CharField(_("等级名称"), max_length=16)
    title = models.CharField(_("对应称谓"), max_length=16)
    theory_weights = models.JSONField(_("理论知识权重表"), default=dict)
    skills_weights = models.JSONField(_("操作技能权重表"), default=dict)
    requires_review = models.BooleanField(_("需综合评审"), default=False)

    class Meta:
        verbose_name = _("职业等级")
        verbose_name_plural = _("职业等级")
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="training_level_uniq"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=5), name="training_level_1_5"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name}/{self.title}"

    def clean(self):
        errors = {}
        for field in ("theory_weights", "skills_weights"):
            table = getattr(self, field) or {}
            if sum(int(v) for v in table.values()) != 100:
                errors[field] = _("权重合计必须为100。")
        if errors:
            raise ValidationError(errors)


class EntryRule(models.Model):
    """One alternative entry condition ("any one of") for a level under a rule template.

    Rows of one (template, level) are OR-ed; the non-empty columns within a row are AND-ed.
    """

    template = models.CharField(_("申报条件版本"), max_length=4, choices=RuleTemplate.choices)
    level = models.ForeignKey(Level, verbose_name=_("申报等级"), on_delete=models.CASCADE, related_name="entry_rules")
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    description = models.CharField(_("条件表述"), max_length=255)
    min_years = models.DecimalField(_("最低从业年限"), max_digits=4, decimal_places=1, null=True, blank=True)
    cert_level = models.PositiveSmallIntegerField(
        _("须持有证书等级"), null=True, blank=True, help_text=_("持有该等级或更高等级（数字更小）证书")
    )
    min_diploma = models.PositiveSmallIntegerField(_("最低学历"), choices=Diploma.choices, null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    min_title = models.PositiveSmallIntegerField(_("最低职称"), choices=Title.choices, null=True, blank=True)
    training_completed = models.BooleanField(_("须完成本等级培训"), default=False)

    class Meta:
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        ordering = ["template", "level__number", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(cert_level__isnull=True) | Q(cert_level__gte=1, cert_level__lte=5),
                                   name="training_entry_cert_level_1_5"),
        ]

    def __str__(self):
        return f"{self.get_template_display()} {self.level} ({self.position}) {self.description}"


class TrainingInstitution(models.Model):
    """A school / evaluation organisation. With an `evaluator_code` it may issue certificates."""

    class EvaluatorType(models.TextChoices):
        SOCIAL = "S", _("S 社会培训评价组织")
        EMPLOYER = "Y", _("Y 用人单位")

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=128)
    region = models.ForeignKey("portal.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    evaluator_code = models.CharField(_("评价机构代码(6位)"), max_length=6, blank=True)
    evaluator_type = models.CharField(_("评价机构类型"), max_length=1, choices=EvaluatorType.choices,
                                      default=EvaluatorType.SOCIAL)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("培训评价机构")
        verbose_name_plural = _("培训评价机构")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(evaluator_code="") | Q(evaluator_code__regex=r"^\d{6}$"),
                                   name="training_inst_evaluator_6_digits"),
        ]

    def __str__(self):
        return self.name


class TrainingClass(models.Model):
    institution = models.ForeignKey(TrainingInstitution, verbose_name=_("培训机构"), on_delete=models.PROTECT,
                                    related_name="classes")
    name = models.CharField(_("班级名称"), max_length=128)
    level = models.ForeignKey(Level, verbose_name=_("培训等级"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    teacher = models.CharField(_("授课教师"), max_length=128)
    capacity = models.PositiveIntegerField(_("容量"), default=40)
    sessions = models.PositiveIntegerField(_("课时数"), default=40)

    scope = Scope(region="institution__region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_class_dates"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_class_capacity"),
        ]

    def __str__(self):
        return self.name


class ClassEnrolment(models.Model):
    training_class = models.ForeignKey(TrainingClass, verbose_name=_("培训班"), on_delete=models.PROTECT,
                                       related_name="enrolments")
    person = models.ForeignKey("portal.Person", verbose_name=_("学员"), on_delete=models.PROTECT, related_name="+")
    attendance = models.PositiveIntegerField(_("出勤课时"), default=0)
    completed = models.BooleanField(_("已结业"), default=False)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="training_class__institution__region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("培训报名")
        verbose_name_plural = _("培训报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="training_enrolment_uniq"),
        ]

    def __str__(self):
        return f"{self.training_class} · {self.person}"


class Sitting(models.Model):
    """An examination sitting: theory needs >= 1 invigilator per 15 candidates; practical an odd number >= 3
    of assessors, whose independent scores make each candidate's practical mark."""

    CANDIDATES_PER_INVIGILATOR = 15

    region = models.ForeignKey("portal.Region", verbose_name=_("评价区域"), on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(TrainingInstitution, verbose_name=_("评价机构/考点"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="sittings")
    level = models.ForeignKey(Level, verbose_name=_("等级"), on_delete=models.PROTECT, related_name="+")
    sat_on = models.DateField(_("考试日期"))
    site_code = models.CharField(_("考点编号"), max_length=3, default="001")
    invigilators = models.JSONField(_("理论监考人员"), default=list)
    assessors = models.JSONField(_("技能考评员"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    # a sitting's results as a whole: imported, published for a notice period (公示), then certificates issued
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    results_published_at = models.DateTimeField(_("成绩公示时间"), null=True, blank=True)
    notice_until = models.DateField(_("公示截止日期"), null=True, blank=True)
    certificates_issued_at = models.DateTimeField(_("证书颁发时间"), null=True, blank=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("考试场次")
        verbose_name_plural = _("考试场次")
        ordering = ["-sat_on", "-id"]

    def __str__(self):
        return f"{self.sat_on} {self.level}（{self.institution or self.region_id}）"

    @property
    def capacity(self) -> int:
        return len(self.invigilators) * self.CANDIDATES_PER_INVIGILATOR


class Assessor(models.Model):
    """考评员名册: an assessor with their qualification (certificate number, the levels they may assess, until
    when). A sitting's practical panel names assessors from the register."""

    name = models.CharField(_("姓名"), max_length=64)
    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    region = models.ForeignKey("portal.Region", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(TrainingInstitution, verbose_name=_("所属机构"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="assessor_register")
    qualification_no = models.CharField(_("考评员证书编号"), max_length=32)
    levels = models.JSONField(_("可考评等级"), default=list, help_text=_("如 [5, 4, 3]"))
    valid_until = models.DateField(_("资格有效期至"))
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("考评员")
        verbose_name_plural = _("考评员名册")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def may_assess(self, level: int, on) -> bool:
        return self.active and level in (self.levels or []) and self.valid_until >= on


class SittingCandidate(models.Model):
    """A candidate admitted to a sitting, with the admission ticket (准考证) number printed for them."""

    sitting = models.ForeignKey(Sitting, verbose_name=_("考试场次"), on_delete=models.PROTECT, related_name="candidates")
    person = models.ForeignKey("portal.Person", verbose_name=_("考生"), on_delete=models.PROTECT, related_name="+")
    ticket_no = models.CharField(_("准考证号"), max_length=20, unique=True)
    seat = models.PositiveSmallIntegerField(_("座位号"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="sitting__region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        ordering = ["sitting", "seat"]
        constraints = [models.UniqueConstraint(fields=["sitting", "person"], name="st_sitting_candidate_once")]

    def __str__(self):
        return self.ticket_no


class Assessment(models.Model):
    """One sitting of one candidate. Scores are Decimal (0–100, two places); practical = mean of assessors."""

    candidate = models.ForeignKey("portal.Person", verbose_name=_("考生"), on_delete=models.PROTECT, related_name="+")
    candidate_name = models.CharField(_("考生姓名"), max_length=64)
    level = models.ForeignKey(Level, verbose_name=_("申报等级"), on_delete=models.PROTECT, related_name="+")
    rule_template = models.CharField(_("申报条件版本"), max_length=4, choices=RuleTemplate.choices)
    region = models.ForeignKey("portal.Region", verbose_name=_("评价区域"), on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(TrainingInstitution, verbose_name=_("评价机构/考点"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="assessments")
    site_code = models.CharField(_("考点编号"), max_length=3, default="001")
    sitting = models.ForeignKey(Sitting, verbose_name=_("考试场次"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="assessments")
    years_in_trade = models.DecimalField(_("从业年限"), max_digits=4, decimal_places=1)
    theory_score = models.DecimalField(_("理论知识成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    practical_score = models.DecimalField(_("操作技能成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_score = models.DecimalField(_("综合评审成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    theory_passed = models.BooleanField(_("理论合格"), default=False)
    practical_passed = models.BooleanField(_("技能合格"), default=False)
    review_passed = models.BooleanField(_("评审合格"), null=True, blank=True)
    theory_carried_from = models.ForeignKey("self", verbose_name=_("理论成绩沿用自"), null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    practical_carried_from = models.ForeignKey("self", verbose_name=_("技能成绩沿用自"), null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("通过"), default=False)
    sat_on = models.DateField(_("考试日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("技能评价")
        verbose_name_plural = _("技能评价")
        ordering = ["-sat_on", "-id"]
        indexes = [models.Index(fields=["candidate", "level", "sat_on"], name="training_assess_cand_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(theory_score__isnull=True) | Q(theory_score__gte=0, theory_score__lte=100),
                                   name="training_theory_0_100"),
            models.CheckConstraint(
                condition=Q(practical_score__isnull=True) | Q(practical_score__gte=0, practical_score__lte=100),
                name="training_practical_0_100"),
            models.CheckConstraint(condition=Q(review_score__isnull=True) | Q(review_score__gte=0, review_score__lte=100),
                                   name="training_review_0_100"),
        ]

    def __str__(self):
        return f"{self.candidate_name} {self.level} {self.sat_on}"


class AssessorScore(models.Model):
    assessment = models.ForeignKey(Assessment, verbose_name=_("技能评价"), on_delete=models.CASCADE,
                                   related_name="assessor_scores")
    position = models.PositiveSmallIntegerField(_("考评员序号"))
    assessor = models.CharField(_("考评员"), max_length=64, blank=True)
    assessor_ref = models.ForeignKey("Assessor", verbose_name=_("考评员（名册）"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("考评员评分")
        verbose_name_plural = _("考评员评分")
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "position"], name="training_assessor_score_uniq"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="training_assessor_score_0_100"),
        ]

    def __str__(self):
        return f"{self.assessor or self.position}: {self.score}"


class Certificate(models.Model):
    """技能等级证书. Number layout: see `services.certificate_number`."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    number = models.CharField(_("证书编号"), max_length=22)
    holder = models.ForeignKey("portal.Person", verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=16, default="居民身份证")
    # encrypted at rest (portal/pii.py): HMAC column, ciphertext, masked form; decrypted only to print
    id_number = pii.SealedField(_("证件号码"), kind=pii.ID, blank=True, default="", db_default="")
    id_number_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    id_number_masked = models.CharField(max_length=18, editable=False, blank=True, default="", db_default="")
    occupation = models.CharField(_("职业(工种)"), max_length=64)
    occupation_code = models.CharField(_("职业编码"), max_length=16)
    level = models.ForeignKey(Level, verbose_name=_("等级"), on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(TrainingInstitution, verbose_name=_("评价机构"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="certificates")
    evaluator_name = models.CharField(_("评价机构名称"), max_length=128)
    evaluator_code = models.CharField(_("评价机构代码"), max_length=6)
    region = models.ForeignKey("portal.Region", verbose_name=_("发证区域"), on_delete=models.PROTECT, related_name="+")
    assessment = models.OneToOneField(Assessment, verbose_name=_("技能评价"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="certificate")
    issued_on = models.DateField(_("发证日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=255, blank=True)
    reissue_count = models.PositiveSmallIntegerField(_("补发次数"), default=0)
    reissue_note = models.CharField(_("补发说明"), max_length=255, blank=True)
    source = models.CharField(_("取得方式"), max_length=16, default="assessment",
                              choices=[("assessment", _("技能评价")), ("competition", _("技能竞赛晋升"))])
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("技能等级证书")
        verbose_name_plural = _("技能等级证书")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="training_certificate_number_uniq"),
            models.CheckConstraint(condition=Q(number__regex=r"^[A-Z][0-9]{21}$"), name="training_certificate_format"),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True) | Q(status="revoked", revoked_at__isnull=False),
                name="training_certificate_revoked_at"),
        ]
        indexes = [models.Index(fields=["holder_name"], name="training_cert_name_idx")]

    def __str__(self):
        return self.number


class Objection(models.Model):
    """An objection (异议) to a candidate's published result during the notice period: while open it holds
    that candidate's certificate; upheld, the certificate is not issued."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    assessment = models.ForeignKey("Assessment", verbose_name=_("技能评价"), on_delete=models.PROTECT,
                                   related_name="objections")
    raised_by = models.CharField(_("提出人"), max_length=64)
    reason = models.CharField(_("异议内容"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.CharField(_("处理意见"), max_length=500, blank=True)

    scope = Scope(region="assessment__region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("成绩异议")
        verbose_name_plural = _("成绩异议")
        ordering = ["-raised_at", "-id"]

    def __str__(self):
        return f"{_('成绩异议')} #{self.pk}"


class CertificateSerial(models.Model):
    """The next serial per (evaluator, year, level); locked with SELECT … FOR UPDATE while issuing."""

    evaluator_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证书流水号")
        verbose_name_plural = _("证书流水号")
        constraints = [
            models.UniqueConstraint(fields=["evaluator_code", "year", "level"], name="training_serial_uniq"),
        ]

    def __str__(self):
        return f"{self.evaluator_code}/{self.year}/{self.level}: {self.last_serial}"


class Award(models.TextChoices):
    GOLD = "gold", _("金奖")
    SILVER = "silver", _("银奖")
    BRONZE = "bronze", _("铜奖")
    EXCELLENCE = "excellence", _("优胜奖")
    NONE = "none", _("未获奖")


class CompetitionTier(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")


class Competition(models.Model):
    """One edition of a skills competition (技能大赛)."""

    name = models.CharField(_("赛事名称"), max_length=128)
    edition = models.PositiveSmallIntegerField(_("届次"))
    tier = models.CharField(_("赛事级别"), max_length=16, choices=CompetitionTier.choices)
    region = models.ForeignKey("portal.Region", verbose_name=_("举办地"), on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(TrainingInstitution, verbose_name=_("承办/评价机构"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="competitions")
    held_on = models.DateField(_("比赛日期"))

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("技能大赛")
        verbose_name_plural = _("技能大赛")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.name}（第{self.edition}届）"


class CompetitionEntry(models.Model):
    competition = models.ForeignKey(Competition, verbose_name=_("赛事"), on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey("portal.Person", verbose_name=_("选手"), on_delete=models.PROTECT, related_name="+")
    dish_name = models.CharField(_("参赛作品(菜品)"), max_length=64)
    final_score = models.DecimalField(_("最终得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    award = models.CharField(_("奖项"), max_length=16, choices=Award.choices, default=Award.NONE)
    certificate = models.OneToOneField(Certificate, verbose_name=_("晋升证书"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="competition_entry")

    scope = Scope(region="competition__region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("参赛作品")
        verbose_name_plural = _("参赛作品")
        ordering = ["competition", "-final_score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "person"], name="training_entry_person_uniq"),
            models.CheckConstraint(condition=Q(final_score__isnull=True) | Q(final_score__gte=0, final_score__lte=100),
                                   name="training_entry_score_0_100"),
        ]

    def __str__(self):
        return f"{self.dish_name}"


class JudgeScore(models.Model):
    entry = models.ForeignKey(CompetitionEntry, verbose_name=_("参赛作品"), on_delete=models.CASCADE,
                              related_name="judge_scores")
    judge = models.CharField(_("评委"), max_length=64)
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("评委评分")
        verbose_name_plural = _("评委评分")
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge"], name="training_judge_score_uniq"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="training_judge_score_0_100"),
        ]

    def __str__(self):
        return f"{self.judge}: {self.score}"


class PromotionRule(models.Model):
    """Regional rule (data): an award at a competition of a tier held in `region` (or below) raises the
    winner's level by `levels_up` (to `grant_level` when they hold no certificate), never above `highest_level`."""

    region = models.ForeignKey("portal.Region", verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("赛事级别"), max_length=16, choices=CompetitionTier.choices)
    award = models.CharField(_("奖项"), max_length=16, choices=Award.choices)
    levels_up = models.PositiveSmallIntegerField(_("晋升级数"), default=1)
    grant_level = models.PositiveSmallIntegerField(_("无证者授予等级"), default=4)
    highest_level = models.PositiveSmallIntegerField(_("最高可晋升至"), default=2, help_text=_("1=一级 … 5=五级"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("竞赛晋升规则")
        verbose_name_plural = _("竞赛晋升规则")
        ordering = ["region", "tier", "award"]
        constraints = [
            models.UniqueConstraint(fields=["region", "tier", "award"], name="training_promotion_rule_uniq"),
            models.CheckConstraint(condition=Q(grant_level__gte=1, grant_level__lte=5, highest_level__gte=1,
                                                highest_level__lte=5), name="training_promotion_levels_1_5"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.get_tier_display()} {self.get_award_display()} +{self.levels_up}"


class EmploymentFollowUp(models.Model):
    """Six months after certification: what the holder does now. Income in integer fen (per month)."""

    class Outcome(models.TextChoices):
        EMPLOYED = "employed", _("企业就业")
        RESTAURANT = "restaurant", _("自主创业：药膳餐馆")
        TEA_SHOP = "tea_shop", _("自主创业：养生茶饮店")
        MASSAGE_SHOP = "massage_shop", _("自主创业：养生推拿店")
        NOT_WORKING = "not_working", _("未就业")

    class Brand(models.TextChoices):
        CUISINE = "cuisine", _("养生药膳")
        TEA = "tea", _("养生茶饮")
        MASSAGE = "massage", _("养生推拿")

    certificate = models.ForeignKey(Certificate, verbose_name=_("证书"), on_delete=models.PROTECT,
                                    related_name="followups")
    person = models.ForeignKey("portal.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("portal.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    followed_on = models.DateField(_("回访日期"))
    outcome = models.CharField(_("就业情况"), max_length=16, choices=Outcome.choices)
    brand = models.CharField(_("劳务品牌方向"), max_length=16, choices=Brand.choices, default=Brand.CUISINE)
    employer = models.CharField(_("就业单位/店名"), max_length=128, blank=True)
    income_before = models.BigIntegerField(_("培训前月收入(分)"), default=0)
    income_after = models.BigIntegerField(_("回访时月收入(分)"), default=0)
    jobs_created = models.PositiveIntegerField(_("带动就业人数"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("就业回访")
        verbose_name_plural = _("就业回访")
        ordering = ["-followed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(income_before__gte=0, income_after__gte=0),
                                   name="training_followup_income_nonneg"),
            models.UniqueConstraint(fields=["certificate", "followed_on"], name="training_followup_uniq"),
        ]

    def __str__(self):
        return f"{self.certificate_id} {self.followed_on} {self.get_outcome_display()}"


class Referral(models.Model):
    """就业帮扶: a caseworker refers a member of an assisted household to training. The referring side
    (caseworkers of that region) then sees the person's training, certificate and employment outcome,
    because new income matters to the household's next re-verification."""

    person = models.ForeignKey("portal.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("portal.Region", verbose_name=_("转介区域"), on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("转介人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    level_wanted = models.PositiveSmallIntegerField(_("拟培训等级"), default=5)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("转介时间"), auto_now_add=True)

    scope = Scope(region="region", roles=frozenset({Role.TRAINING_STAFF, Role.CASEWORKER, Role.APPROVER}))

    class Meta:
        verbose_name = _("就业帮扶转介")
        verbose_name_plural = _("就业帮扶转介")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "region"], name="training_referral_uniq"),
            models.CheckConstraint(condition=Q(level_wanted__gte=1, level_wanted__lte=5), name="training_referral_level"),
        ]

    def __str__(self):
        return f"{self.person} ← {self.region_id}"


# ---------------------------------------------------------------- the labour brand (劳务品牌 "亳州养生")

BRAND_NAME = "亳州养生"


class BrandTrade(models.Model):
    """A trade of the labour brand (药膳, 药茶, 推拿 …) as data, with its occupational standard where one exists.
    `code` is the follow-ups' brand direction (EmploymentFollowUp.brand), so the dashboard joins them."""

    code = models.SlugField(_("板块代码"), max_length=32, unique=True)
    name = models.CharField(_("板块名称"), max_length=64)
    occupation = models.CharField(_("对应职业(工种)"), max_length=64, blank=True)
    region = models.ForeignKey("portal.Region", verbose_name=_("品牌所在地区"), on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(Standard, verbose_name=_("国家职业标准"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="brand_trades")
    standard_note = models.CharField(_("标准说明"), max_length=255, blank=True,
                                     help_text=_("没有国家职业标准时写明依据，如地方团体标准"))
    description = models.CharField(_("简介"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("劳务品牌板块")
        verbose_name_plural = _("劳务品牌板块")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class BrandEvent(models.Model):
    """A brand event: a forum, an expo, a job fair … with its date, place and what it brought."""

    class Kind(models.TextChoices):
        FORUM = "forum", _("学术论坛")
        EXPO = "expo", _("产品展销会")
        JOB_FAIR = "job_fair", _("专场招聘会")
        PROMOTION = "promotion", _("品牌推介会")

    kind = models.CharField(_("活动类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("活动名称"), max_length=128)
    held_on = models.DateField(_("举办日期"))
    place = models.CharField(_("举办地点"), max_length=128)
    region = models.ForeignKey("portal.Region", verbose_name=_("举办地区"), on_delete=models.PROTECT, related_name="+")
    trades = models.ManyToManyField(BrandTrade, verbose_name=_("涉及板块"), blank=True, related_name="events")
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    deals_signed = models.PositiveIntegerField(_("签约项目数"), default=0)
    deal_amount = models.BigIntegerField(_("签约金额（分）"), default=0)
    jobs_offered = models.PositiveIntegerField(_("提供岗位数"), default=0)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("劳务品牌活动")
        verbose_name_plural = _("劳务品牌活动")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(deal_amount__gte=0), name="training_brand_event_amount_gte_0"),
        ]
        indexes = [models.Index(fields=["region", "held_on"], name="training_brand_event_region")]

    def __str__(self):
        return self.name


class PilotRegion(models.Model):
    """标准先行试点地区: a region approved to pilot an occupational standard first."""

    region = models.ForeignKey("portal.Region", verbose_name=_("试点地区"), on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(Standard, verbose_name=_("职业标准"), on_delete=models.PROTECT,
                                 related_name="pilot_regions")
    approved_by = models.CharField(_("批准部门"), max_length=64)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="region", roles=STAFF_ROLES)

    class Meta:
        verbose_name = _("标准先行试点地区")
        verbose_name_plural = _("标准先行试点地区")
        ordering = ["region_id"]
        constraints = [models.UniqueConstraint(fields=["region", "standard"], name="training_pilot_region_uniq")]

    def __str__(self):
        return f"{self.region_id} {self.standard}"
