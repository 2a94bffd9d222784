from odoo import api, models


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        self._customer_file_teams_changed()
        return members

    def write(self, vals):
        result = super().write(vals)
        self._customer_file_teams_changed()
        return result

    def unlink(self):
        result = super().unlink()
        self._customer_file_teams_changed()
        return result

    @api.model
    def _customer_file_teams_changed(self):
        """The customer file's record rules show a user the customers of their teams
        (res.users.customer_file_owner_ids), and Odoo caches rule domains per user: a change
        of membership or leader clears that cache."""
        self.env.registry.clear_cache()
        self.env["res.users"].invalidate_model(["customer_file_owner_ids"])
