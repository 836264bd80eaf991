import pytest

from portal.models import Region


@pytest.mark.django_db
def test_regions_loaded_by_migration():
    assert Region.objects.filter(level=1).count() == 34
    assert Region.objects.count() > 3000
    assert Region.objects.get(code="610112").parent_id == "610100"
