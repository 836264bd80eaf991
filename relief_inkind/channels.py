"""The payment channels of the non-bank payment forms, registered with `assistance.channels` when the app
loads. A batch of a voucher scheme issues vouchers in its payout chunks (answered `paid`: the value is now
the recipient's); goods and waivers are added in their own steps."""

from assistance.channels import PaymentChannel


class VoucherChannel(PaymentChannel):
    name = "voucher"

    def submit(self, *, batch, rows):
        from . import services

        return services.vouchers_issue(batch=batch, rows=rows)


ALL = [VoucherChannel]
