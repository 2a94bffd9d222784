from odoo import api, fields, models
from odoo.tools import SQL


class CustomerChurnSignal(models.Model):
    """One signal that fired for a warning, with the value that made it fire."""

    _name = "customer.churn.signal"
    _description = "Churn Signal"
    _order = "points desc, id"
    # Written only by the runs, thousands at a time: who and when is the run's, and each
    # of the four log columns' foreign key checks would cost more than the row itself.
    _log_access = False

    warning_id = fields.Many2one("customer.churn.warning", required=True, index=True,
                                 ondelete="cascade")
    type_id = fields.Many2one("customer.churn.signal.type", string="Signal", required=True,
                              ondelete="cascade")
    # Double precision, rounded to 2 decimals by the runs that compare and rewrite it.
    value = fields.Float(string="Raw Value")
    points = fields.Integer()
    value_display = fields.Char(string="Value", compute="_compute_value_display")

    def init(self):
        # Every run rewrites the values that moved: room on each page keeps the new version
        # of a row on its page, without touching the indexes (HOT updates).
        self.env.cr.execute(SQL("ALTER TABLE customer_churn_signal SET (fillfactor = 50)"))

    @api.depends("value", "type_id.unit")
    def _compute_value_display(self):
        units = dict(self.env["customer.churn.signal.type"]._fields["unit"]
                     ._description_selection(self.env))
        for signal in self:
            unit = signal.type_id.unit
            if unit == "ratio":
                signal.value_display = f"{signal.value:.1f} {units['ratio']}"
            elif unit == "percent":
                signal.value_display = f"-{signal.value:.0f}%"
            elif unit == "probability":
                signal.value_display = f"{signal.value:.0%}"
            else:
                signal.value_display = f"{signal.value:g}"
