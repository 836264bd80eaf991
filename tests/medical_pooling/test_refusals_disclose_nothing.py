"""A citizen setting up a pooling relation learns nothing about an ID number outside their scope: "not
insured", "another name" and "not contributing" are one answer. An officer of the beneficiary's region
still gets the specific reason."""

import pytest
from django.core.exceptions import ValidationError

from medical_pooling import services
from tests.factories import PersonFactory, plain_id

from .factories import citizen_user, insured, officer

pytestmark = pytest.mark.django_db


def _refusal(actor, pooler, id_number, name):
    with pytest.raises(ValidationError) as exc:
        services.relation_create(actor=actor, pooler=pooler, beneficiary_id_number=id_number,
                                 beneficiary_name=name, kinship="parent", quota=1000)
    return exc.value.message_dict


def test_a_citizen_gets_one_answer_for_not_insured_wrong_name_and_not_contributing():
    pooler = insured(scheme="employee", balance=50_000)
    me = citizen_user(pooler)
    other = insured(scheme="resident")
    stopped = insured(scheme="resident", status="terminated")
    stranger = PersonFactory()  # in the registry, never insured
    answers = [
        _refusal(me, None, stranger.id_number, stranger.name),  # not insured
        _refusal(me, None, plain_id(other.person), "不对的名字"),  # insured under another name
        _refusal(me, None, plain_id(stopped.person), stopped.person.name),  # insured, not contributing
    ]
    assert answers[0] == answers[1] == answers[2]
    text = str(answers)
    assert "未参加" not in text and "不一致" not in text and "已终止" not in text
    assert other.person.name not in text and stopped.person.name not in text


def test_an_officer_of_the_beneficiarys_region_gets_the_reason():
    pooler = insured(scheme="employee", balance=50_000, region="610100")
    other = insured(scheme="resident", region="610100")
    stopped = insured(scheme="resident", region="610100", status="terminated")
    local = officer(region="610100")
    assert "不一致" in str(_refusal(local, pooler, plain_id(other.person), "不对的名字"))
    assert "已终止" in str(_refusal(local, pooler, plain_id(stopped.person), stopped.person.name))
    # an officer of another region serving this pooler at the counter learns nothing about the beneficiary
    far = insured(scheme="resident", region="120100")
    answer = _refusal(local, pooler, plain_id(far.person), "不对的名字")
    assert "不一致" not in str(answer) and "未找到" in str(answer)
