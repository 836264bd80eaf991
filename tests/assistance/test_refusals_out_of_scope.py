"""A caseworker typing an ID number whose person lives outside their regions learns nothing about that
person from the refusal: not the registered name, not that they belong to another household, not their
temporary-aid total this year. Within their own regions the refusal still says why."""

import pytest
from django.core.exceptions import ValidationError

from assistance import services
from assistance.models import Household, Member
from casework import services as casework
from portal.models import Person

from .factories import household, new_id

pytestmark = pytest.mark.django_db

XIAN_NAME = "西安登记人"


def _xian_person(caseworker):
    hh = services.household_create(region="610112", area="urban", address="雁塔路1号", actor=caseworker,
                                   members=[{"name": XIAN_NAME, "id_number": new_id("610112"), "relation": "head"}])
    return hh.head


def _refusal(actor, **member):
    member.setdefault("relation", "head")
    with pytest.raises(ValidationError) as exc:
        services.household_create(region="120101", area="urban", address="和平路1号", actor=actor,
                                  members=[member])
    return exc.value.message_dict


def test_a_tianjin_caseworker_gets_one_answer_for_another_name_and_another_household(caseworker, outsider):
    person = _xian_person(caseworker)
    households = Household.objects.count()
    wrong_name = _refusal(outsider, name="不对的名字", id_number=person.id_number)
    right_name = _refusal(outsider, name=XIAN_NAME, id_number=person.id_number)
    no_name = _refusal(outsider, name="", id_number=person.id_number)
    assert wrong_name == right_name == no_name
    text = str(wrong_name)
    assert XIAN_NAME not in text and "另一家庭" not in text and "不一致" not in text
    assert person.id_number not in text  # masked only
    assert Household.objects.count() == households and Member.objects.count() == 1


def test_within_the_region_the_refusal_still_says_why(caseworker):
    person = _xian_person(caseworker)
    with pytest.raises(ValidationError) as exc:
        services.household_create(region="610112", area="urban", address="长安路2号", actor=caseworker,
                                  members=[{"name": "", "id_number": person.id_number, "relation": "head"}])
    assert "另一家庭" in str(exc.value) and XIAN_NAME in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.household_create(region="610112", area="urban", address="长安路2号", actor=caseworker,
                                  members=[{"name": "不对的名字", "id_number": person.id_number, "relation": "head"}])
    assert "不一致" in str(exc.value)


def test_a_person_in_no_household_is_registered_by_anyone_in_their_own_name(outsider):
    number = new_id("610112")
    Person.objects.create(id_number=number, name="只登记过", birth_date="1980-01-01", sex="M")
    hh = services.household_create(region="120101", area="urban", address="和平路3号", actor=outsider,
                                   members=[{"name": "只登记过", "id_number": number, "relation": "head"}])
    assert hh.head.id_number == number
    # under another name the registered one is not disclosed
    other = new_id("610112")
    Person.objects.create(id_number=other, name="另有其名", birth_date="1980-01-01", sex="M")
    text = str(_refusal(outsider, name="随便", id_number=other))
    assert "另有其名" not in text and "不一致" not in text


def test_roster_import_row_for_a_person_outside_the_region_says_nothing_more(caseworker, outsider):
    from assistance.roster import _check

    person = _xian_person(caseworker)
    row = {"_line": 2, "key": "1", "region": "120101", "area": "城市", "address": "和平路4号",
           "name": "某人", "id_number": person.id_number, "relation": "户主"}
    _, errors = _check([row], outsider)
    text = " ".join(str(m) for _, m in errors)
    assert "另一家庭" not in text and "暂不能在本地登记" in text
    _, errors = _check([{**row, "region": "610112"}], caseworker)
    assert "另一家庭" in " ".join(str(m) for _, m in errors)


def test_temporary_aid_over_the_cap_for_a_person_from_elsewhere_gives_no_totals(caseworker, approver, outsider,
                                                                                 make_user):
    tianjin_approver = make_user("approver", "120000", username="ap_tianjin")
    casework.policy_set(region="120000", small_aid_threshold=100000, yearly_cap=150000, actor=tianjin_approver)
    casework.policy_set(region="610100", small_aid_threshold=100000, yearly_cap=150000, actor=approver)
    hh = household(caseworker, region="610112")
    head = hh.head
    casework.temporary_aid_create(id_number=head.id_number, name=head.name, region="610112", kind="emergency",
                                  amount=100000, reason="火灾", actor=caseworker)
    with pytest.raises(ValidationError) as exc:  # in Tianjin, where the emergency happened
        casework.temporary_aid_create(id_number=head.id_number, name=head.name, region="120101",
                                      kind="emergency", amount=60000, reason="急难", actor=outsider)
    text = str(exc.value)
    assert "年度上限" in text and "1000" not in text and "已救助" not in text
    with pytest.raises(ValidationError) as exc:  # at home the caseworker sees the totals
        casework.temporary_aid_create(id_number=head.id_number, name=head.name, region="610112",
                                      kind="emergency", amount=60000, reason="急难", actor=caseworker)
    assert "已救助 1000.00 元" in str(exc.value)
