from odoo import api, models


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    @api.model_create_multi
    def create(self, vals_list):
        """A new complaint whose priority is not given (portal, e-mail, imports) takes the
        complaint priority of its customer's membership level in the complaint's company."""
        default_type = self.env.context.get("default_feedback_type")
        complaints = [vals for vals in vals_list
                      if vals.get("feedback_type", default_type) == "complaint"
                      and "priority" not in vals and vals.get("partner_id")]
        if complaints:
            priorities = self._membership_priorities(
                self.env["res.partner"].browse({vals["partner_id"] for vals in complaints})
            )
            for vals in complaints:
                company_id = vals.get("company_id") or self.env.company.id
                priority = priorities.get((vals["partner_id"], company_id))
                if priority:
                    vals["priority"] = priority
        return super().create(vals_list)

    @api.onchange("partner_id", "feedback_type")
    def _onchange_membership_priority(self):
        """In the form, the priority follows the customer's level until the user sets it."""
        if self.feedback_type == "complaint" and self.partner_id:
            company = self.company_id or self.env.company
            priority = self._membership_priorities(self.partner_id).get(
                (self.partner_id.id, company.id))
            if priority:
                self.priority = priority

    @api.model
    def _membership_priorities(self, partners):
        """{(partner id, company id): complaint priority of the partner's level there}."""
        partners = partners.sudo()
        memberships = self.env["customer.membership"].sudo().search(
            [("partner_id", "in", partners.commercial_partner_id.ids)]
        )
        by_customer = {(membership.partner_id, membership.company_id.id):
                       membership.level_id.complaint_priority
                       for membership in memberships if membership.level_id.complaint_priority}
        return {(partner.id, company_id): priority
                for partner in partners
                for (customer, company_id), priority in by_customer.items()
                if customer == partner.commercial_partner_id}
