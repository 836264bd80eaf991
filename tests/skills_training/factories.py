import datetime as dt

import factory

from skills_training.models import TrainingInstitution
from tests.factories import id_number_for

ASSESS = "/api/v1/training/assessments/"
VERIFY = "/api/v1/training/certificates/verify/"
BOZHOU = "341600"
QIAOCHENG = "341602"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingInstitution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BZ{n:04d}")
    name = factory.Sequence(lambda n: f"亳州市药膳职业培训学校{n}")
    region_id = QIAOCHENG
    evaluator_code = factory.Sequence(lambda n: f"{341600 + n:06d}"[-6:])
    evaluator_type = "S"


def candidate_id(seq: int, region: str = QIAOCHENG, birth: str = "19900101") -> str:
    return id_number_for(region, seq=seq, birth=birth)


def body(seq: int = 1, **over) -> dict:
    data = {
        "candidate_id_number": candidate_id(seq),
        "candidate_name": "王建国",
        "level": 5,
        "years_in_trade": 2,
        "theory_score": 80,
        "practical_scores": [70, 75, 80],
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not ...}


def years_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()
