from odoo import api, fields, models

# Changing one of these changes the repair order's service record.
SYNC_FIELDS = {"state", "partner_id", "product_id", "lot_id", "user_id", "company_id"}


class RepairOrder(models.Model):
    _inherit = "repair.order"

    customer_service_record_id = fields.Many2one(
        "customer.service.record", string="Service Record",
        compute="_compute_customer_service_record_id",
        groups="customer_file.group_customer_file_user",
        help="The customer file's after-sales service record of this repair.",
    )

    @api.depends_context("uid")
    def _compute_customer_service_record_id(self):
        # As the user: a record of a customer they may not see stays hidden.
        records = self.env["customer.service.record"].search(
            [("repair_id", "in", self.ids)]
        ) if self.ids else []
        by_repair = {record.repair_id.id: record.id for record in records}
        for repair in self:
            repair.customer_service_record_id = by_repair.get(repair.id, False)

    @api.model_create_multi
    def create(self, vals_list):
        repairs = super().create(vals_list)
        self.env["customer.service.record"]._sync_repairs(repairs)
        return repairs

    def write(self, vals):
        result = super().write(vals)
        if SYNC_FIELDS.intersection(vals):
            self.env["customer.service.record"]._sync_repairs(self)
        return result
