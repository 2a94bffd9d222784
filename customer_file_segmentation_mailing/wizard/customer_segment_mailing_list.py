from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerSegmentMailingList(models.TransientModel):
    """Subscribe the customers of RFM segments (or chosen scores) to a mailing list.

    Only customers whose current marketing consent by email (the consent log of the
    customer file) is granted, and whose address is not blacklisted, are added. Contacts are
    matched on their normalised email: a customer already on the list is not added twice,
    and an existing mailing contact is subscribed rather than duplicated. The blacklist and
    opt-outs of Email Marketing still apply when mailings are sent.
    """

    _name = "customer.segment.mailing.list"
    _description = "Add Segment Customers to a Mailing List"

    segment_ids = fields.Many2many("customer.rfm.segment", string="Segments")
    score_ids = fields.Many2many("customer.rfm.score", string="Selected Customers")
    company_id = fields.Many2one("res.company", required=True,
                                 default=lambda self: self.env.company)
    mailing_list_id = fields.Many2one("mailing.list")
    new_list_name = fields.Char(string="New Mailing List")
    customer_count = fields.Integer(compute="_compute_customer_count", string="Customers")
    email_count = fields.Integer(compute="_compute_customer_count", string="With an Email")
    consenting_count = fields.Integer(
        compute="_compute_customer_count", string="To Be Added",
        help="Customers with an email address that is not blacklisted and a current consent "
        "to marketing by email.",
    )
    left_out_count = fields.Integer(
        compute="_compute_customer_count", string="Left Out",
        help="Customers with an email address but without a current consent to marketing by "
        "email, or whose address is blacklisted.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids")
        if model == "customer.rfm.segment" and ids:
            values["segment_ids"] = [fields.Command.set(ids)]
            values.setdefault("new_list_name", ", ".join(
                self.env["customer.rfm.segment"].browse(ids).mapped("name")
            ))
        elif model == "customer.rfm.score" and ids:
            values["score_ids"] = [fields.Command.set(ids)]
        return values

    @api.depends("segment_ids", "score_ids", "company_id")
    def _compute_customer_count(self):
        for wizard in self:
            partners = wizard._partners()
            with_email = partners.filtered("email_normalized")
            consenting = wizard._consenting(partners)
            wizard.customer_count = len(partners)
            wizard.email_count = len(with_email)
            wizard.consenting_count = len(consenting)
            wizard.left_out_count = len(with_email) - len(consenting)

    def _partners(self):
        self.ensure_one()
        partners = self.score_ids.partner_id
        if self.segment_ids:
            partners |= self.env["customer.rfm.score"].search([
                ("segment_id", "in", self.segment_ids.ids),
                ("company_id", "=", self.company_id.id),
            ]).partner_id
        return partners

    def _consenting(self, partners):
        """The ``partners`` with an email address that is not blacklisted and a current
        consent to marketing by email in the wizard's company."""
        self.ensure_one()
        partners = partners.filtered("email_normalized")
        blacklisted = set(self.env["mail.blacklist"].sudo().search(
            [("email", "in", partners.mapped("email_normalized"))]
        ).mapped("email"))
        partners = partners.filtered(lambda partner: partner.email_normalized not in blacklisted)
        return self.env["customer.consent.event"]._consenting(
            partners, "marketing", "email", company=self.company_id
        )

    def action_add_to_list(self):
        self.ensure_one()
        if not self.mailing_list_id and not self.new_list_name:
            raise UserError(self.env._("Choose a mailing list or name a new one."))
        partners = self._consenting(self._partners())
        if not partners:
            raise UserError(self.env._(
                "None of these customers has an email address that is not blacklisted and a "
                "current consent to marketing by email. Record their consent on the Consent "
                "page of the customer."
            ))
        mailing_list = self.mailing_list_id or self.env["mailing.list"].create(
            {"name": self.new_list_name}
        )
        Contact = self.env["mailing.contact"]
        emails = set(partners.mapped("email_normalized"))
        existing = {
            contact.email_normalized: contact
            for contact in Contact.search([("email_normalized", "in", list(emails))])
        }
        to_create = {}
        for partner in partners:
            email = partner.email_normalized
            if email not in existing and email not in to_create:
                to_create[email] = {
                    "name": partner.name,
                    "email": partner.email,
                    "company_name": partner.commercial_company_name or False,
                    "country_id": partner.country_id.id,
                    "list_ids": [fields.Command.link(mailing_list.id)],
                }
        Contact.create(list(to_create.values()))
        mailing_list.contact_ids = [
            fields.Command.link(contact.id) for contact in existing.values()
        ]
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.list",
            "res_id": mailing_list.id,
            "view_mode": "form",
            "target": "current",
        }
