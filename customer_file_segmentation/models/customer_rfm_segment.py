import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.customer_file.tools.access import check_group

CELL_PATTERN = re.compile(r"^[1-5][1-5]$")


class CustomerRfmSegment(models.Model):
    """A named region of the R×FM grid (R and the rounded mean of F and M, 1 to 5 each)."""

    _name = "customer.rfm.segment"
    _description = "RFM Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    cells = fields.Char(
        string="R×FM Cells",
        required=True,
        help="Comma-separated cells of the R×FM grid that belong to this segment, recency "
        "first: '55, 54, 45'. Each of the 25 cells belongs to at most one segment.",
    )
    description = fields.Text(translate=True)
    recommended_action = fields.Text(translate=True)
    customer_count = fields.Integer(compute="_compute_customer_count")

    @api.constrains("cells")
    def _check_cells(self):
        for segment in self:
            codes = segment._cell_codes()
            invalid = [code for code in codes if not CELL_PATTERN.match(code)]
            if invalid or not codes:
                raise ValidationError(self.env._(
                    "Cells of segment %(segment)s must be two digits from 1 to 5, recency "
                    "first, separated by commas (not: %(invalid)s).",
                    segment=segment.name, invalid=", ".join(invalid) or segment.cells,
                ))
        taken = {}
        for segment in self.search([]):
            for code in segment._cell_codes():
                if code in taken and taken[code] != segment:
                    raise ValidationError(self.env._(
                        "Cell %(cell)s is in both %(first)s and %(second)s.",
                        cell=code, first=taken[code].name, second=segment.name,
                    ))
                taken[code] = segment

    def _cell_codes(self):
        self.ensure_one()
        return [code.strip() for code in (self.cells or "").split(",") if code.strip()]

    @api.model
    def _cell_map(self):
        """(recency score, FM score, segment id) for every mapped cell."""
        return [
            (int(code[0]), int(code[1]), segment.id)
            for segment in self.sudo().search([])
            for code in segment._cell_codes()
        ]

    def _compute_customer_count(self):
        counts = dict(self.env["customer.rfm.score"]._read_group(
            [("segment_id", "in", self.ids), ("company_id", "=", self.env.company.id)],
            ["segment_id"], ["__count"],
        ))
        for segment in self:
            segment.customer_count = counts.get(segment, 0)

    def action_open_customers(self):
        self.ensure_one()
        check_group(self.env, "customer_file.group_customer_file_user")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file_segmentation.action_customer_rfm_score"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        return action
