from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize

CONSENT_CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("phone", "Phone"),
    ("wechat", "WeChat"),
    ("post", "Post"),
]
LEGAL_BASES = [
    ("consent", "Consent"),
    ("contract", "Contract"),
    ("legal_obligation", "Legal Obligation"),
    ("vital_interest", "Vital Interest"),
    ("public_task", "Public Task"),
    ("legitimate_interest", "Legitimate Interest"),
]
CONSENT_ACTIONS = [("granted", "Granted"), ("withdrawn", "Withdrawn")]
CONSENT_SOURCES = [
    ("form", "Form"),
    ("portal", "Portal"),
    ("email_link", "Email Link"),
    ("phone", "Phone"),
    ("import", "Import"),
    ("store", "Store"),
    ("system", "System"),
]
# The contact points whose opt-in mirrors the marketing consent of a channel.
CHANNEL_POINTS = {
    "email": [("kind", "=", "email")],
    "phone": [("kind", "=", "phone")],
    "wechat": [("kind", "=", "social"), ("social_network", "=", "wechat")],
}


class CustomerConsentEvent(models.Model):
    """One grant or withdrawal of a customer's consent to a purpose on a channel, with its
    evidence. The log is append-only for everybody: a change of mind is a new event, and
    the current consent (``customer.consent.status``) is the latest event of each
    customer, company, purpose and channel.

    Marketing consent is obeyed by Odoo's own channels: a withdrawal on email or SMS/phone
    blacklists the address or number (``mail.blacklist``, ``phone.blacklist``), a grant
    takes it off the blacklist, and the opt-in of the matching contact points follows.
    """

    _name = "customer.consent.event"
    _description = "Consent Event"
    _inherit = ["customer.file.record"]
    _order = "event_date desc, id desc"
    _rec_name = "purpose_id"

    # Evidence outlives a deleted contact: deleting a partner with consent events is
    # refused (archive it, or erase its personal data with a data-subject request).
    partner_id = fields.Many2one(ondelete="restrict")
    purpose_id = fields.Many2one(
        "customer.consent.purpose", required=True, ondelete="restrict"
    )
    channel = fields.Selection(CONSENT_CHANNELS, required=True, default="email")
    legal_basis = fields.Selection(LEGAL_BASES, required=True, default="consent")
    action = fields.Selection(CONSENT_ACTIONS, required=True, default="granted")
    event_date = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    source = fields.Selection(CONSENT_SOURCES, required=True, default="form")
    contact_value = fields.Char(
        string="Address or Number",
        help="The email address, phone number or account the consent is about; empty when "
        "it is about every address of the customer on this channel.",
    )
    evidence = fields.Binary(
        attachment=True, help="The signed form, recording or message proving the consent."
    )
    evidence_filename = fields.Char()
    ip_address = fields.Char(string="IP Address")
    user_agent = fields.Char()
    recorded_by_id = fields.Many2one(
        "res.users", readonly=True, ondelete="restrict",
        default=lambda self: self.env.user,
    )
    note = fields.Text()

    _latest_index = models.Index(
        "(commercial_partner_id, purpose_id, channel, company_id, event_date DESC, id DESC)"
    )

    # ------------------------------------------------------------------ append-only

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su or not vals.get("recorded_by_id"):
                vals["recorded_by_id"] = self.env.uid
            value = (vals.get("contact_value") or "").strip()
            if value and vals.get("channel", "email") == "email":
                normalized = email_normalize(value)
                if not normalized:
                    raise ValidationError(self.env._(
                        "%(value)s is not a valid email address.", value=value
                    ))
                value = normalized
            vals["contact_value"] = value or False
        events = super().create(vals_list)
        events._log_consent_change()
        events._sync_blacklists()
        events._sync_contact_points()
        return events

    def write(self, vals):
        if self:
            raise UserError(self.env._(
                "The consent log is append-only: record a new event instead of changing one."
            ))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(self.env._(
                "The consent log is append-only: its events cannot be deleted."
            ))
        return super().unlink()

    def _log_consent_change(self):
        by_partner = defaultdict(lambda: self.browse())
        for event in self:
            by_partner[event.commercial_partner_id] |= event
        Log = self.env["customer.access.log"]
        channels = dict(self._fields["channel"]._description_selection(self.env))
        actions = dict(self._fields["action"]._description_selection(self.env))
        for partner, events in by_partner.items():
            reason = "\n".join(
                f"{event.purpose_id.sudo().name} / {channels[event.channel]}: "
                f"{actions[event.action]}"
                for event in events
            )
            Log._log("consent_change", events, partner=partner, reason=reason)

    # ------------------------------------------------------------------ Odoo's channels

    def _addresses(self):
        """The normalized email addresses or phone numbers the event is about: its contact
        value, else every address of the customer on the event's channel."""
        self.ensure_one()
        if self.contact_value:
            return [self.contact_value]
        customer = self.commercial_partner_id.sudo()
        partners = (self.partner_id | customer).sudo()
        points = self.env["customer.contact.point"].sudo().search([
            ("commercial_partner_id", "=", customer.id),
            ("kind", "=", "email" if self.channel == "email" else "phone"),
        ])
        if self.channel == "email":
            values = points.mapped("value_normalized") + partners.mapped("email_normalized")
        else:
            values = points.mapped("value_normalized") + partners.mapped("phone_sanitized")
        return list(dict.fromkeys(value for value in values if value))

    def _sync_blacklists(self):
        """Marketing withdrawals blacklist the addresses, grants take them off."""
        marketing = self.filtered(
            lambda event: event.purpose_id.sudo().code == "marketing"
            and event.channel in ("email", "sms", "phone")
        )
        for event in marketing:
            withdrawn = event.action == "withdrawn"
            message = (
                self.env._("Marketing consent withdrawn (consent log, %(customer)s).",
                           customer=event.commercial_partner_id.sudo().display_name)
                if withdrawn else
                self.env._("Marketing consent granted (consent log, %(customer)s).",
                           customer=event.commercial_partner_id.sudo().display_name)
            )
            addresses = event._addresses()
            if not addresses:
                continue
            if event.channel == "email":
                blacklist = self.env["mail.blacklist"].sudo().with_context(
                    customer_consent_sync=True
                )
                for address in addresses:
                    if withdrawn:
                        blacklist._add(address, message=message)
                    else:
                        blacklist._remove(address, message=message)
            elif "phone.blacklist" in self.env:
                blacklist = self.env["phone.blacklist"].sudo().with_context(
                    customer_consent_sync=True
                )
                if withdrawn:
                    blacklist._add(addresses, message=message)
                else:
                    blacklist._remove(addresses, message=message)

    def _sync_contact_points(self):
        """The opt-in of the customer's contact points follows its marketing consent."""
        if self.env.context.get("customer_consent_from_point"):
            return
        Point = self.env["customer.contact.point"].sudo().with_context(
            customer_consent_from_event=True
        )
        for event in self:
            if event.purpose_id.sudo().code != "marketing" or event.channel not in CHANNEL_POINTS:
                continue
            domain = [
                ("commercial_partner_id", "=", event.commercial_partner_id.id),
                ("company_id", "in", [event.company_id.id, False]),
                ("opt_in", "!=", event.action == "granted"),
                *CHANNEL_POINTS[event.channel],
            ]
            if event.contact_value:
                domain.append(("value_normalized", "=", event.contact_value))
            Point.search(domain).write({"opt_in": event.action == "granted"})

    # ------------------------------------------------------------------ current status

    @api.model
    def _purpose(self, code):
        purpose = self.env["customer.consent.purpose"].sudo().with_context(
            active_test=False
        ).search([("code", "=", code)], limit=1)
        if not purpose:
            raise UserError(self.env._("There is no consent purpose with the code %s.", code))
        return purpose

    @api.model
    def _granted_sql(self, customer_id, purpose_code, channel, company):
        """SQL condition: the customer whose id is the SQL expression ``customer_id`` (a
        commercial partner) has granted ``purpose_code`` on ``channel`` in ``company`` and
        not withdrawn it since (its latest event is a grant)."""
        self.flush_model([
            "commercial_partner_id", "company_id", "purpose_id", "channel", "action",
            "event_date",
        ])
        return SQL(
            """
            EXISTS (
                SELECT 1 FROM (
                    SELECT latest.action
                      FROM customer_consent_event latest
                     WHERE latest.commercial_partner_id = %(customer)s
                       AND latest.purpose_id = %(purpose)s
                       AND latest.channel = %(channel)s
                       AND latest.company_id = %(company)s
                     ORDER BY latest.event_date DESC, latest.id DESC
                     LIMIT 1
                ) latest_event
                 WHERE latest_event.action = 'granted'
            )
            """,
            customer=customer_id, purpose=self._purpose(purpose_code).id, channel=channel,
            company=company.id,
        )

    @api.model
    def _consenting(self, partners, purpose_code, channel, company=None):
        """The ``partners`` whose customer (commercial partner) currently grants
        ``purpose_code`` on ``channel`` in ``company`` (the current company by default),
        in one query."""
        if not partners:
            return partners
        company = company or self.env.company
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(SQL(
            "SELECT partner.id FROM res_partner partner WHERE partner.id = ANY(%s) AND %s",
            list(partners.ids),
            self._granted_sql(
                SQL("partner.commercial_partner_id"), purpose_code, channel, company
            ),
        ))
        granted = {row[0] for row in rows}
        return partners.filtered(lambda partner: partner.id in granted)

    @api.model
    def _record(self, partners, purpose_code, channel, action, **vals):
        """Record one ``action`` event of ``purpose_code`` on ``channel`` for each of
        ``partners``; ``vals`` completes them (source, contact_value, ip_address...)."""
        purpose = self._purpose(purpose_code)
        return self.create([{
            "partner_id": partner.id, "purpose_id": purpose.id, "channel": channel,
            "action": action, **vals,
        } for partner in partners])
