from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class MembershipCustomerPortal(CustomerPortal):

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if not counters:
            # The page itself, not the counters' request: the customer's own level.
            partner = request.env.user.partner_id.commercial_partner_id
            values["membership"] = request.env["customer.membership"].sudo().search([
                ("partner_id", "=", partner.id), ("company_id", "=", request.env.company.id),
            ], limit=1)
        return values
