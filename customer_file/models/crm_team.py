from odoo import models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def write(self, vals):
        result = super().write(vals)
        if "user_id" in vals:
            self.env["crm.team.member"]._customer_file_teams_changed()
        return result
