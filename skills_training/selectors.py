"""Reads. Staff reads start from `portal.scoping.restrict`; the public verification reads are public by design."""

from django.core import signing
from django.db.models import Count, Q

from portal.scoping import restrict

from .models import Assessment, Certificate, ClassEnrolment, TrainingClass, TrainingInstitution

QR_SALT = "skills_training.certificate-qr"


def certificate_list(user):
    return restrict(Certificate.objects.select_related("level", "region"), user)


def assessment_list(user):
    return restrict(Assessment.objects.select_related("level", "institution", "certificate"), user)


def institution_list(user):
    return restrict(TrainingInstitution.objects.select_related("region"), user).annotate(
        class_count=Count("classes", distinct=True)).order_by("code")


def class_list(user):
    return restrict(TrainingClass.objects.select_related("institution", "level"), user).annotate(
        enrolled=Count("enrolments", distinct=True),
        completed_count=Count("enrolments", filter=Q(enrolments__completed=True), distinct=True)
    ).order_by("-starts_on", "id")


def enrolment_list(user):
    return restrict(ClassEnrolment.objects.select_related("person", "training_class"), user)


# --- public verification (no login): only number + name, or number + a signed QR token, find a row.

def certificate_verify(number: str, name: str) -> Certificate | None:
    """The certificate whose number AND holder name both match, else None (the caller answers 404)."""
    number = (number or "").strip().upper()
    name = (name or "").strip()
    if not number or not name:
        return None
    return Certificate.objects.select_related("level").filter(number=number, holder_name=name).first()


def qr_token(number: str) -> str:
    """HMAC of the number (django.core.signing, keyed by SECRET_KEY): the QR link proves possession
    of the printed certificate without putting the holder's name in the URL."""
    return signing.Signer(salt=QR_SALT).signature(number)


def certificate_by_qr(number: str, token: str) -> Certificate | None:
    number = (number or "").strip().upper()
    expected = qr_token(number)
    if not token or not signing.constant_time_compare(expected, token):
        return None
    return Certificate.objects.select_related("level").filter(number=number).first()
