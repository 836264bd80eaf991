"""The payment channels of the non-bank payment forms, registered with `assistance.channels` when the app
loads. A batch of a voucher scheme issues vouchers in its payout chunks (answered `paid`: the value is now
the recipient's); goods and waivers are added in their own steps."""

from assistance.channels import PaymentChannel


class VoucherChannel(PaymentChannel):
    name = "voucher"

    def submit(self, *, batch, rows):
        from . import services

        return services.vouchers_issue(batch=batch, rows=rows)


class InKindChannel(PaymentChannel):
    """Goods: each payment goes onto the batch's distribution list (`sent`) and is paid when handed over."""

    name = "in_kind"

    def submit(self, *, batch, rows):
        from . import services

        return services.distribution_list_add(batch=batch, rows=rows)


class FeeWaiverChannel(PaymentChannel):
    """Heating-fee waivers: each household goes onto its company's list (`sent`), paid when the company
    confirms the reduced bill."""

    name = "fee_waiver"

    def submit(self, *, batch, rows):
        from . import services

        return services.waiver_list_add(batch=batch, rows=rows)


ALL = [VoucherChannel, InKindChannel, FeeWaiverChannel]
