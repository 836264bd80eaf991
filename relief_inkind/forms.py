"""Forms: parse and show Chinese errors under the field; the rules are the services'."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.money import to_fen


class YuanField(forms.CharField):
    def __init__(self, *, blank_is_none=False, **kwargs):
        kwargs.setdefault("help_text", _("单位：元，例如 100.00"))
        self.blank_is_none = blank_is_none
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None if self.blank_is_none else 0
        try:
            return to_fen(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class MerchantForm(forms.Form):
    code = forms.CharField(label=_("商户编码"), max_length=20, help_text=_("6至20位大写字母或数字"))
    name = forms.CharField(label=_("商户名称"), max_length=128)
    region = forms.CharField(label=_("所在区域代码"), max_length=6, min_length=6)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)


class VoucherTermsForm(forms.Form):
    face_value = YuanField(label=_("单张面额（元）"), required=False,
                           help_text=_("留空或 0：每人（户）一张，面额为应发金额"))
    valid_days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=731, initial=90,
                                    error_messages={"invalid": _("请输入整数天数。"),
                                                    "min_value": _("有效天数应在1到731之间。"),
                                                    "max_value": _("有效天数应在1到731之间。")})
    allow_partial = forms.BooleanField(label=_("允许部分核销"), required=False)


class RedeemForm(forms.Form):
    code = forms.CharField(label=_("券码"), max_length=64, help_text=_("扫描二维码或输入16位券码"))
    amount = YuanField(label=_("核销金额（元）"), required=False, blank_is_none=True,
                       help_text=_("留空：按面额全额核销"))


class StatementForm(forms.Form):
    merchant = forms.ChoiceField(label=_("商户"))

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [("", "—")] + [(m.pk, str(m)) for m in merchants]


class SettleForm(forms.Form):
    reference = forms.CharField(label=_("支付凭证号"), max_length=64)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("物资名称"), max_length=64)
    unit = forms.CharField(label=_("计量单位"), max_length=8, help_text=_("如 床、件、公斤、袋"))


class PointForm(forms.Form):
    name = forms.CharField(label=_("发放点名称"), max_length=128)
    region = forms.CharField(label=_("所在区域代码"), max_length=6, min_length=6)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)


class _ItemChoice(forms.Form):
    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {str(i.pk): i for i in items}
        for name in [n for n in self.fields if n.startswith("item")]:
            self.fields[name].choices = [("", "—")] + [(k, str(i)) for k, i in self.items.items()]


class StockReceiveForm(_ItemChoice):
    item = forms.ChoiceField(label=_("物资"))
    quantity = forms.IntegerField(label=_("入库数量"), error_messages={"invalid": _("请输入整数数量。")})
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class PackageForm(_ItemChoice):
    item1 = forms.ChoiceField(label=_("物资一"))
    quantity1 = forms.IntegerField(label=_("每份数量"), error_messages={"invalid": _("请输入整数数量。")})
    item2 = forms.ChoiceField(label=_("物资二"), required=False)
    quantity2 = forms.IntegerField(label=_("每份数量"), required=False, error_messages={"invalid": _("请输入整数数量。")})
    item3 = forms.ChoiceField(label=_("物资三"), required=False)
    quantity3 = forms.IntegerField(label=_("每份数量"), required=False, error_messages={"invalid": _("请输入整数数量。")})

    def lines(self):
        out = []
        for n in (1, 2, 3):
            key = self.cleaned_data.get(f"item{n}")
            if key:
                out.append((self.items[key], self.cleaned_data.get(f"quantity{n}")))
        return out


class HandoverForm(forms.Form):
    point = forms.ChoiceField(label=_("发放点"))
    scan = forms.FileField(label=_("签收单扫描件（PDF/JPG/PNG）"), required=False)
    tablet_png = forms.CharField(widget=forms.HiddenInput, required=False)
    proxy_name = forms.CharField(label=_("代领人姓名（本人领取不填）"), max_length=64, required=False)
    proxy_id_number = forms.CharField(label=_("代领人身份证号码"), max_length=18, required=False)

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.points = {str(p.pk): p for p in points}
        self.fields["point"].choices = [("", "—")] + [(k, str(p)) for k, p in self.points.items()]


class CompanyForm(forms.Form):
    code = forms.CharField(label=_("单位编码"), max_length=20, help_text=_("6至20位大写字母或数字"))
    name = forms.CharField(label=_("单位名称"), max_length=128)
    region = forms.CharField(label=_("所在区域代码"), max_length=6, min_length=6)
    contact = forms.CharField(label=_("联系人"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)


class HeatingAccountForm(forms.Form):
    household = forms.IntegerField(label=_("家庭编号"), error_messages={"invalid": _("请输入家庭编号。")})
    company = forms.ChoiceField(label=_("供热单位"))
    customer_number = forms.CharField(label=_("供热用户号"), max_length=32)

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.companies = {str(c.pk): c for c in companies}
        self.fields["company"].choices = [("", "—")] + [(k, str(c)) for k, c in self.companies.items()]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("供热单位回执文件（CSV/XLSX）"))
