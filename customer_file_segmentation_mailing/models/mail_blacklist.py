from odoo import models
from odoo.http import request
from odoo.tools import email_normalize


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    def _add(self, email, message=None):
        """An address blacklisted by an Email Marketing unsubscribe (or any other
        ``_add``) withdraws the marketing consent of the customers whose email contact
        point it is, in the consent log; blacklistings made by the consent log itself are
        not recorded twice."""
        record = super()._add(email, message=message)
        if not self.env.context.get("customer_consent_sync"):
            self._record_marketing_withdrawals(email_normalize(email))
        return record

    def _record_marketing_withdrawals(self, email):
        if not email:
            return
        points = self.env["customer.contact.point"].sudo().search(
            [("kind", "=", "email"), ("value_normalized", "=", email)]
        )
        if not points:
            return
        Event = self.env["customer.consent.event"].sudo()
        purpose = Event._purpose("marketing")
        Event.flush_model()
        withdrawn = {
            (status.commercial_partner_id.id, status.company_id.id)
            for status in self.env["customer.consent.status"].sudo().search([
                ("commercial_partner_id", "in", points.commercial_partner_id.ids),
                ("purpose_id", "=", purpose.id), ("channel", "=", "email"),
                ("action", "=", "withdrawn"),
            ])
        }
        evidence = {"source": "system"}
        if request and request.httprequest.path.startswith("/mailing"):
            evidence = {
                "source": "email_link",
                "ip_address": request.httprequest.remote_addr,
                "user_agent": (request.httprequest.user_agent.string or "")[:1000] or False,
            }
        vals_list, done = [], set()
        for point in points:
            company = point.company_id or self.env.company
            key = (point.commercial_partner_id.id, company.id)
            if key in withdrawn or key in done:
                continue
            done.add(key)
            vals_list.append({
                "partner_id": point.partner_id.id, "company_id": company.id,
                "purpose_id": purpose.id, "channel": "email", "action": "withdrawn",
                "contact_value": email,
                "note": self.env._("Email Marketing blacklisted %(email)s.", email=email),
                **evidence,
            })
        Event.create(vals_list)
