from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_UNITS_PER_LINE = 100


class CustomerOwnedProduct(models.Model):
    """A product unit a customer owns: what, which serial, since when, under which warranty,
    and which earlier unit it replaced."""

    _name = "customer.owned.product"
    _description = "Owned Product"
    _inherit = ["customer.file.record", "mail.thread"]
    _order = "purchase_date desc, id desc"
    _rec_names_search = ["product_id", "serial_number"]

    partner_id = fields.Many2one(tracking=True)
    product_id = fields.Many2one("product.product", required=True, index=True, tracking=True)
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", store=True, string="Product Line"
    )
    product_model = fields.Char(
        string="Model", compute="_compute_from_product", store=True, readonly=False
    )
    configuration = fields.Char(
        string="Colour / Configuration", compute="_compute_from_product", store=True,
        readonly=False,
    )
    serial_number = fields.Char(string="Serial / IMEI", index="btree_not_null", tracking=True)
    purchase_date = fields.Date(default=fields.Date.context_today, tracking=True)
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Source Order Line", index="btree_not_null", readonly=True
    )
    warranty_end_date = fields.Date(
        compute="_compute_warranty_end_date", store=True, readonly=False
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", search="_search_under_warranty"
    )
    state = fields.Selection(
        [("in_use", "In Use"), ("replaced", "Replaced"), ("returned", "Returned"),
         ("lost", "Lost")],
        required=True, default="in_use", tracking=True,
    )
    replaces_id = fields.Many2one(
        "customer.owned.product", index="btree_not_null",
        help="The owned product this one replaced (upgrade or exchange).",
    )
    replaced_by_ids = fields.One2many("customer.owned.product", "replaces_id")
    service_record_ids = fields.One2many("customer.service.record", "owned_product_id")
    notes = fields.Text()

    _serial_unique = models.UniqueIndex(
        "(product_id, company_id, serial_number) WHERE serial_number IS NOT NULL",
        "This serial number is already registered for this product.",
    )

    @api.depends("product_id")
    def _compute_display_name(self):
        for owned in self:
            name = owned.product_id.display_name or ""
            owned.display_name = f"{name} ({owned.serial_number})" if owned.serial_number else name

    @api.depends("product_id")
    def _compute_from_product(self):
        for owned in self:
            product = owned.product_id
            owned.product_model = product.default_code or product.name
            owned.configuration = ", ".join(
                product.product_template_attribute_value_ids.mapped("name")
            ) or False

    @api.depends("purchase_date", "product_id.warranty_months")
    def _compute_warranty_end_date(self):
        for owned in self:
            months = owned.product_id.warranty_months
            owned.warranty_end_date = (
                owned.purchase_date + relativedelta(months=months)
                if owned.purchase_date and months else False
            )

    def _compute_under_warranty(self):
        today = fields.Date.context_today(self)
        for owned in self:
            end = owned.warranty_end_date
            owned.under_warranty = bool(end and end >= today)

    def _search_under_warranty(self, operator, value):
        if operator != "in":
            return NotImplemented
        today = fields.Date.context_today(self)
        if True in value:
            return [("warranty_end_date", ">=", today)]
        return ["|", ("warranty_end_date", "=", False), ("warranty_end_date", "<", today)]

    @api.constrains("replaces_id")
    def _check_replacement_chain(self):
        for owned in self:
            seen = owned
            previous = owned.replaces_id
            while previous:
                if previous in seen:
                    raise ValidationError(self.env._(
                        "%(product)s cannot replace itself, directly or through other "
                        "replacements.", product=owned.display_name,
                    ))
                seen |= previous
                previous = previous.replaces_id

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._mark_replaced()
        return records

    def write(self, vals):
        result = super().write(vals)
        if vals.get("replaces_id"):
            self._mark_replaced()
        return result

    def _mark_replaced(self):
        self.replaces_id.filtered(lambda old: old.state == "in_use").write({"state": "replaced"})

    @api.model
    def _create_from_sale_orders(self, orders):
        """One owned product per unit sold of tracked products, never twice for a line."""
        lines = orders.order_line.filtered(
            lambda line: line.product_id.customer_file_track_owned
            and not line.display_type and line.product_uom_qty >= 1
        )
        if not lines:
            return self.browse()
        already = set(self.search([("sale_line_id", "in", lines.ids)]).sale_line_id.ids)
        vals_list = []
        for line in lines.filtered(lambda line: line.id not in already):
            order = line.order_id
            units = min(int(line.product_uom_qty), MAX_UNITS_PER_LINE)
            vals_list += [{
                "partner_id": order.partner_id.id,
                "company_id": order.company_id.id,
                "product_id": line.product_id.id,
                "purchase_date": fields.Date.context_today(self, order.date_order),
                "sale_line_id": line.id,
            }] * units
        return self.create(vals_list)
