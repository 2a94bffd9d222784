from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerRfmConfig(models.Model):
    _inherit = "customer.rfm.config"

    satisfaction_drop_points = fields.Float(
        string="Satisfaction Drop From (points)",
        default=15.0,
        help="Average satisfaction (0-100) of the feedback of the last 90 days this many "
        "points below the average of the 365 days before.",
    )

    @api.constrains("satisfaction_drop_points")
    def _check_satisfaction_drop_points(self):
        for config in self:
            if not 0 < config.satisfaction_drop_points <= 100:
                raise ValidationError(self.env._(
                    "The satisfaction drop is between 1 and 100 points of the 0-100 "
                    "satisfaction score."
                ))
