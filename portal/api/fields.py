"""Serializer fields for the portal's shared value types."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import idnumber
from portal.money import to_fen, yuan_str


@extend_schema_field({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "800.00"})
class MoneyField(serializers.Field):
    """Yuan as a string with two decimals on the wire; integer fen inside."""

    default_error_messages = {"invalid": "请输入有效的金额，例如 800.00。"}

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return to_fen(data, allow_negative=self.allow_negative)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None

    def to_representation(self, value):
        return yuan_str(value)


@extend_schema_field({"type": "string", "minLength": 18, "maxLength": 18, "example": "610102199001010015"})
class IdNumberField(serializers.CharField):
    """Resident ID number in: validated with its check digit."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return idnumber.validate_id_number(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None


@extend_schema_field(OpenApiTypes.STR)
class MaskedIdNumberField(serializers.Field):
    """Resident ID number out: masked."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return idnumber.mask(value)


class RegionCodeField(serializers.CharField):
    """A GB/T 2260 code that the portal knows."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from portal.models import Region

        code = super().to_internal_value(data)
        if not (len(code) == 6 and code.isascii() and code.isdigit()) or not Region.objects.filter(code=code).exists():
            raise serializers.ValidationError("未知的行政区划代码。")
        return code
