from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    customer_file_owner_ids = fields.Many2many(
        "res.users",
        string="Customers Shared With",
        compute="_compute_customer_file_owner_ids",
        help="The salespeople whose customers a Customer File user works with: the user, "
        "the members of the user's sales teams and of the teams the user leads.",
    )

    @api.depends("crm_team_member_ids.crm_team_id.member_ids")
    def _compute_customer_file_owner_ids(self):
        teams = self.env["crm.team"].sudo()
        for user in self:
            mine = user.sudo().crm_team_ids | teams.search([("user_id", "=", user.id)])
            user.customer_file_owner_ids = user | mine.member_ids
