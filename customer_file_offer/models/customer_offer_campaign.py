import math
import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from odoo.addons.customer_file.models.customer_consent_event import CONSENT_CHANNELS
from odoo.addons.customer_file.tools.access import check_group
from odoo.addons.customer_file.tools.job_fields import check_job_fields

OFFICER = "customer_file.group_customer_file_officer"
# Below this many customers in either group the results carry no confidence interval.
MIN_GROUP_SIZE = 30
# Two-sided 95 % interval of a normal approximation.
Z_95 = 1.96
# Loyalty's codes carry 32 random bits: among 100,000 new coupons a collision with another
# code is likely, and the unique index refuses it. The few coupons refused are drawn again.
MAX_CODE_DRAWS = 10
# Coupon emails the background job renders and queues per commit.
COUPON_MAIL_BATCH = 500
JOB_FIELDS = frozenset({
    "state", "audience_count", "no_consent_count", "blacklisted_count", "no_email_count",
    "treated_count", "control_count", "date_launched", "date_measured", "coupon_mail_count",
})
# What a launched campaign still lets users change.
EDITABLE_WHEN_LAUNCHED = frozenset({"name", "message_follower_ids", "message_main_attachment_id"})


class CustomerOfferCampaign(models.Model):
    """A targeted offer: customers chosen by a rule on the customer file get coupons of a
    loyalty program or join a mailing list, except a randomized control group that gets
    nothing, so that the purchases of both groups over the measurement window show what the
    offer achieved (the uplift)."""

    _name = "customer.offer.campaign"
    _description = "Offer Campaign"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft", required=True, readonly=True, tracking=True, copy=False,
    )
    channel = fields.Selection(
        [("coupons", "Coupons"), ("mailing_list", "Mailing List")],
        required=True, default="coupons", tracking=True,
        help="Coupons: each treated customer gets a coupon of the loyalty program, reserved "
        "for them. Mailing list: treated customers are subscribed to the list.",
    )
    program_id = fields.Many2one(
        "loyalty.program", string="Coupon Program", domain=[("program_type", "=", "coupons")],
        tracking=True,
    )
    coupon_points = fields.Float(
        string="Points per Coupon", default=1.0,
        help="The points each coupon carries: a reward of the program that costs one point "
        "can be claimed once.",
    )
    coupon_expiration_date = fields.Date(string="Coupons Valid Until")
    coupon_mail_pdf = fields.Boolean(
        string="Attach the Coupon PDF",
        help="Attach to the coupon email the reports of the program's template (Odoo's "
        "coupon email attaches a PDF of the coupon). Each PDF takes about two seconds to "
        "render on a small server: over two days for 100,000 coupons. Without it the email "
        "still carries the coupon code.",
    )
    mailing_list_id = fields.Many2one("mailing.list", tracking=True)
    audience_domain = fields.Char(
        string="Audience Rule", default="[('customer_rank', '>', 0)]",
        help="Which customers the offer is for: segment, value tier, lifecycle stage, "
        "preferences or any other field of the customer.",
    )
    min_repairs = fields.Integer(
        string="Minimum Repairs",
        help="Only customers with at least this many repairs (service records of method "
        "Repair, not cancelled) received in the months before the start date; 0 ignores "
        "the service history.",
    )
    repair_months = fields.Integer(string="Repairs Within (Months)", default=24)
    owned_categ_id = fields.Many2one(
        "product.category", string="Owns a Product of",
        help="Only customers who own a product in use of this product line (or of its "
        "sub-lines).",
    )
    consent_channel = fields.Selection(
        CONSENT_CHANNELS, required=True, default="email",
        help="Only customers whose current consent to marketing on this channel is granted "
        "get the offer or belong to the control group. A mailing list needs email.",
    )
    control_percent = fields.Float(
        string="Control Group (%)", default=10.0,
        help="The share of the eligible customers held out: they get nothing, and their "
        "purchases show what the treated customers would have bought anyway.",
    )
    random_seed = fields.Integer(
        default=lambda self: random.randint(1, 2**31 - 1), copy=False,
        help="Draws the control group: the same seed and audience give the same groups.",
    )
    date_start = fields.Date(string="Start Date", required=True,
                             default=fields.Date.context_today, tracking=True)
    window_days = fields.Integer(
        string="Measurement Window (Days)", default=30,
        help="Purchases and coupon use from the start date over this many days are measured.",
    )
    date_end = fields.Date(string="Measured Until", compute="_compute_date_end", store=True)

    audience_count = fields.Integer(string="Audience", readonly=True, copy=False)
    no_consent_count = fields.Integer(
        string="Left Out: No Consent", readonly=True, copy=False,
        help="Customers of the audience without a current consent to marketing on the "
        "consent channel.",
    )
    blacklisted_count = fields.Integer(
        string="Left Out: Blacklisted", readonly=True, copy=False,
        help="Consenting customers whose email address is on the blacklist.",
    )
    no_email_count = fields.Integer(
        string="Left Out: No Email", readonly=True, copy=False,
        help="Consenting customers without an email address, for a mailing list.",
    )
    treated_count = fields.Integer(string="Treated", readonly=True, copy=False)
    coupon_mail_count = fields.Integer(
        string="Coupon Emails", readonly=True, copy=False,
        help="Treated customers who get the program's coupon email: those with a current "
        "consent to marketing by email, an address and not blacklisted, when the program "
        "sends an email at coupon creation. A background job prepares the emails after the "
        "launch and leaves them in the outgoing mail queue.",
    )
    control_count = fields.Integer(string="Control", readonly=True, copy=False)
    date_launched = fields.Datetime(string="Launched On", readonly=True, copy=False)
    date_measured = fields.Datetime(string="Measured On", readonly=True, copy=False)
    member_ids = fields.One2many("customer.offer.member", "campaign_id", string="Members")

    treated_redeemed_percent = fields.Float(
        string="Treated: Coupons Redeemed (%)", compute="_compute_results", digits=(16, 1)
    )
    treated_buyer_percent = fields.Float(
        string="Treated: Buyers (%)", compute="_compute_results", digits=(16, 1)
    )
    control_buyer_percent = fields.Float(
        string="Control: Buyers (%)", compute="_compute_results", digits=(16, 1)
    )
    treated_spend = fields.Monetary(
        string="Treated: Spend per Customer", compute="_compute_results",
        currency_field="currency_id",
    )
    control_spend = fields.Monetary(
        string="Control: Spend per Customer", compute="_compute_results",
        currency_field="currency_id",
    )
    spend_uplift = fields.Monetary(
        string="Uplift: Spend per Customer", compute="_compute_results",
        currency_field="currency_id",
        help="Spend per treated customer minus spend per control customer in the window.",
    )
    buyer_uplift = fields.Float(
        string="Uplift: Buyers (Points)", compute="_compute_results", digits=(16, 1),
        help="Share of buyers among treated customers minus among control customers, in "
        "percentage points.",
    )
    result_summary = fields.Text(string="Result", compute="_compute_results")

    _control_percent_range = models.Constraint(
        "CHECK(control_percent >= 0 AND control_percent < 100)",
        "The control group is a share of 0 % or more and less than 100 % of the customers.",
    )
    _window_positive = models.Constraint(
        "CHECK(window_days > 0)", "The measurement window lasts at least one day."
    )
    _repairs_positive = models.Constraint(
        "CHECK(min_repairs >= 0 AND repair_months > 0)",
        "The minimum number of repairs cannot be negative and the months are at least one.",
    )

    @api.depends("date_start", "window_days")
    def _compute_date_end(self):
        for campaign in self:
            campaign.date_end = campaign.date_start and campaign.date_start + timedelta(
                days=max(campaign.window_days, 1) - 1
            )

    @api.constrains("channel", "consent_channel")
    def _check_mailing_consent(self):
        for campaign in self:
            if campaign.channel == "mailing_list" and campaign.consent_channel != "email":
                raise ValidationError(self.env._(
                    "Campaign %s adds customers to a mailing list: its consent channel must "
                    "be Email.", campaign.name,
                ))

    @api.onchange("channel")
    def _onchange_channel(self):
        if self.channel == "mailing_list":
            self.consent_channel = "email"

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        if not self.env.su and set(vals) - EDITABLE_WHEN_LAUNCHED and any(
            campaign.state != "draft" for campaign in self
        ):
            changed = self.filtered(lambda campaign: campaign.state != "draft")
            raise UserError(self.env._(
                "Campaign %s is launched: its audience, offer and measurement cannot change "
                "any more. Duplicate it to run another.", changed[0].name,
            ))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_launched(self):
        launched = self.filtered(lambda campaign: campaign.state != "draft")
        if launched:
            raise UserError(self.env._(
                "Campaign %s is launched: its members and results are kept. Only draft "
                "campaigns can be deleted.", launched[0].name,
            ))

    # Audience

    def _audience_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(self.audience_domain or "[]", {
                "uid": self.env.uid, "datetime": safe_datetime, "relativedelta": relativedelta,
                "context_today": lambda: fields.Date.context_today(self),
            })
            domain = Domain(domain)
        except Exception as error:  # any error reading the rule is the rule's
            raise UserError(self.env._(
                "The audience rule of campaign %(campaign)s cannot be read: %(error)s",
                campaign=self.name, error=error,
            )) from error
        return domain & Domain("company_id", "in", [False, self.company_id.id])

    def _customers_sql(self, with_repairs=True, with_owned=True):
        """SQL selecting the ids of the customers (commercial entities) the audience rule
        and the service-history criteria select, in one query over the customers: each
        service criterion is one pass over its table, grouped by customer (a subquery per
        customer would probe those tables a million times)."""
        Partner = self.env["res.partner"].sudo().with_company(self.company_id).with_context(
            active_test=True
        )
        query = Partner._search(self._audience_domain())
        customer = SQL.identifier(query.table, "id")
        query.add_where(SQL("%s = %s", customer,
                            SQL.identifier(query.table, "commercial_partner_id")))
        if with_repairs and self.min_repairs > 0:
            self.env["customer.service.record"].flush_model(
                ["commercial_partner_id", "company_id", "method", "state", "received_date"]
            )
            query.add_where(SQL(
                """%(customer)s IN (
                       SELECT service.commercial_partner_id
                         FROM customer_service_record service
                        WHERE service.company_id = %(company)s
                          AND service.method = 'repair' AND service.state != 'cancelled'
                          AND service.received_date > %(since)s
                          AND service.received_date <= %(start)s
                        GROUP BY service.commercial_partner_id
                       HAVING count(*) >= %(min)s)""",
                customer=customer, company=self.company_id.id, min=self.min_repairs,
                start=self.date_start,
                since=self.date_start - relativedelta(months=self.repair_months),
            ))
        if with_owned and self.owned_categ_id:
            self.env["customer.owned.product"].flush_model(
                ["commercial_partner_id", "company_id", "product_categ_id", "state"]
            )
            query.add_where(SQL(
                """%(customer)s IN (
                       SELECT owned.commercial_partner_id
                         FROM customer_owned_product owned
                         JOIN product_category line ON line.id = owned.product_categ_id
                        WHERE owned.company_id = %(company)s AND owned.state = 'in_use'
                          AND line.parent_path LIKE %(path)s)""",
                customer=customer, company=self.company_id.id,
                path=f"{self.owned_categ_id.parent_path}%",
            ))
        return query.select(customer)

    def _resolve_audience(self):
        """Insert the members: the consenting customers of the audience, each treated or in
        the control group by a hash of the seed and the customer (the same seed gives the
        same groups). Treated customers who may get the program's coupon email (a current
        consent to marketing by email, whatever the campaign's channel, an address, not
        blacklisted) are marked for it. Returns the counts of the audience, of each reason
        to leave a customer out and of the coupon emails."""
        self.ensure_one()
        self.env["res.partner"].flush_model(["email_normalized", "commercial_partner_id"])
        self.env["mail.blacklist"].flush_model(["email", "active"])
        needs_email = self.channel == "mailing_list"
        on_email = self.consent_channel == "email"
        mails = self.channel == "coupons" and bool(self._coupon_mail_templates())
        Event = self.env["customer.consent.event"]
        now = self.env.cr.now()
        row = self.env.execute_query(SQL(
            """
            WITH audience AS (
                SELECT partner.id, partner.email_normalized IS NOT NULL AS has_email,
                       %(consenting)s AS consenting,
                       (%(on_email)s OR %(mails)s) AND EXISTS (
                           SELECT 1 FROM mail_blacklist blacklist
                            WHERE blacklist.email = partner.email_normalized
                              AND blacklist.active
                       ) AS on_blacklist
                  FROM res_partner partner
                 WHERE partner.id IN (%(customers)s)
            ), inserted AS (
                INSERT INTO customer_offer_member
                       (campaign_id, partner_id, commercial_partner_id, company_id, cohort,
                        coupon_mail, spend, order_count, buyer, buyer_percent,
                        redeemed_percent, create_uid, create_date, write_uid, write_date)
                SELECT %(campaign)s, drawn.id, drawn.id, %(company)s, drawn.cohort,
                       CASE WHEN drawn.cohort = 'treated' AND drawn.mailable
                            THEN 'pending' END,
                       0, 0, FALSE, 0, 0, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (
                       SELECT audience.id,
                              CASE WHEN ('x' || substr(md5(%(seed)s || '-' || audience.id),
                                                       1, 8))::bit(32)::bigint * 100.0
                                        / 4294967296 < %(control)s
                                   THEN 'control' ELSE 'treated' END AS cohort,
                              %(mails)s AND audience.has_email AND NOT audience.on_blacklist
                                  AND %(email_consenting)s AS mailable
                         FROM audience
                        WHERE audience.consenting
                          AND NOT (%(on_email)s AND audience.on_blacklist)
                          AND (audience.has_email OR NOT %(needs_email)s)
                  ) drawn
             RETURNING cohort, coupon_mail
            )
            SELECT (SELECT count(*) FROM audience),
                   (SELECT count(*) FROM audience WHERE NOT consenting),
                   (SELECT count(*) FROM audience
                     WHERE consenting AND %(on_email)s AND on_blacklist),
                   (SELECT count(*) FROM audience
                     WHERE consenting AND NOT (%(on_email)s AND on_blacklist)
                       AND NOT has_email AND %(needs_email)s),
                   (SELECT count(*) FROM inserted WHERE cohort = 'treated'),
                   (SELECT count(*) FROM inserted WHERE cohort = 'control'),
                   (SELECT count(*) FROM inserted WHERE coupon_mail = 'pending')
            """,
            consenting=Event._granted_sql(
                SQL("partner.id"), "marketing", self.consent_channel, self.company_id
            ),
            # Members consent on the campaign's channel: by email, nothing more to check.
            email_consenting=SQL("TRUE") if on_email or not mails else Event._granted_sql(
                SQL("audience.id"), "marketing", "email", self.company_id
            ),
            customers=self._customers_sql(), campaign=self.id, company=self.company_id.id,
            seed=str(self.random_seed), control=self.control_percent, uid=self.env.uid,
            now=now, needs_email=needs_email, on_email=on_email, mails=mails,
        ))[0]
        self.env["customer.offer.member"].invalidate_model()
        return dict(zip(
            ("audience_count", "no_consent_count", "blacklisted_count", "no_email_count",
             "treated_count", "control_count", "coupon_mail_count"), row, strict=True,
        ))

    def _explain_empty_audience(self):
        """Which criterion leaves nobody: the rule alone, then with each service-history
        criterion."""
        self.ensure_one()

        def count(**kwargs):
            return self.env.execute_query(SQL(
                "SELECT count(*) FROM (%s) customers", self._customers_sql(**kwargs)
            ))[0][0]

        if not count(with_repairs=False, with_owned=False):
            return self.env._(
                "No customer of %(company)s matches the audience rule %(rule)s.",
                company=self.company_id.name, rule=self.audience_domain or "[]",
            )
        if self.min_repairs > 0 and not count(with_owned=False):
            return self.env._(
                "Customers match the audience rule, but none had %(repairs)s or more repairs "
                "in the %(months)s months before %(start)s.",
                repairs=self.min_repairs, months=self.repair_months, start=self.date_start,
            )
        return self.env._(
            "Customers match the audience rule and the repairs, but none owns a product in "
            "use of %(line)s.", line=self.owned_categ_id.display_name,
        )

    # Launch

    def action_launch(self):
        """Resolve the audience, draw the control group and give the treated customers the
        offer, in one transaction: an error loses nothing."""
        check_group(self.env, OFFICER)
        for campaign in self:
            campaign._check_launchable()
            counts = campaign._resolve_audience()
            if not counts["audience_count"]:
                raise UserError(self.env._(
                    "Campaign %(campaign)s has an empty audience. %(reason)s",
                    campaign=campaign.name, reason=campaign._explain_empty_audience(),
                ))
            if not counts["treated_count"] + counts["control_count"]:
                raise UserError(campaign._explain_nobody_eligible(counts))
            if not counts["treated_count"]:
                raise UserError(self.env._(
                    "Every one of the %(count)s eligible customers of campaign %(campaign)s "
                    "fell in the control group: lower its share or widen the audience.",
                    count=counts["control_count"], campaign=campaign.name,
                ))
            if campaign.channel == "coupons":
                campaign._issue_coupons()
            else:
                campaign._subscribe_to_list()
            if counts["coupon_mail_count"]:
                # Rendering 100,000 emails takes longer than a launch may: a job does it.
                self.env.ref("customer_file_offer.ir_cron_customer_offer_coupon_mail")._trigger()
            campaign.sudo().write({
                **counts, "state": "running", "date_launched": fields.Datetime.now(),
            })
            summary = self.env._(
                "Launched: %(audience)s customers in the audience, %(treated)s treated, "
                "%(control)s in the control group, %(left_out)s left out.",
                audience=counts["audience_count"], treated=counts["treated_count"],
                control=counts["control_count"],
                left_out=counts["no_consent_count"] + counts["blacklisted_count"]
                + counts["no_email_count"],
            )
            if counts["coupon_mail_count"]:
                summary += " " + self.env._(
                    "The coupon email of the program is being prepared for %s of them.",
                    counts["coupon_mail_count"],
                )
            campaign.message_post(body=summary)
        return True

    def _check_launchable(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Campaign %s is already launched.", self.name))
        if self.channel == "coupons" and not self.program_id:
            raise UserError(self.env._(
                "Choose the coupon program of campaign %s.", self.name
            ))
        if self.channel == "coupons" and self.program_id.sudo().program_type != "coupons":
            raise UserError(self.env._(
                "The program %(program)s of campaign %(campaign)s is not a coupon program.",
                program=self.program_id.sudo().name, campaign=self.name,
            ))
        if self.channel == "coupons" and self.coupon_points <= 0:
            raise UserError(self.env._(
                "The coupons of campaign %s must carry points.", self.name
            ))
        if self.channel == "mailing_list" and not self.mailing_list_id:
            raise UserError(self.env._(
                "Choose the mailing list of campaign %s.", self.name
            ))

    def _explain_nobody_eligible(self, counts):
        channel = dict(self._fields["consent_channel"]._description_selection(self.env))[
            self.consent_channel
        ]
        return self.env._(
            "None of the %(audience)s customers of campaign %(campaign)s may get the offer: "
            "%(no_consent)s have no current consent to marketing by %(channel)s, "
            "%(blacklisted)s are blacklisted and %(no_email)s have no email address. Record "
            "their consent on the Consent page of the customer.",
            audience=counts["audience_count"], campaign=self.name,
            no_consent=counts["no_consent_count"], channel=channel,
            blacklisted=counts["blacklisted_count"], no_email=counts["no_email_count"],
        )

    def _issue_coupons(self):
        """One coupon of the program per treated member, reserved for the customer, with the
        issue recorded in the coupon's history as Odoo's coupon generator does, set-based.
        Codes are drawn like loyalty's (``044`` and part of a random UUID)."""
        self.ensure_one()
        program = self.program_id.sudo()
        now = self.env.cr.now()
        params = {
            "campaign": self.id, "program": program.id, "company": program.company_id.id,
            "points": self.coupon_points, "expiration": self.coupon_expiration_date or None,
            "uid": self.env.uid, "now": now,
            "description": self.env._("Offer campaign %s", self.name),
        }
        self.env["loyalty.card"].flush_model()
        for _draw in range(MAX_CODE_DRAWS):
            self.env.cr.execute(SQL(
                """
                WITH cards AS (
                    INSERT INTO loyalty_card
                           (program_id, company_id, partner_id, points, code,
                            expiration_date, active, create_uid, create_date, write_uid,
                            write_date)
                    SELECT %(program)s, %(company)s, member.partner_id, %(points)s,
                           '044' || substr(gen_random_uuid()::text, 8, 11), %(expiration)s,
                           TRUE, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM customer_offer_member member
                     WHERE member.campaign_id = %(campaign)s AND member.cohort = 'treated'
                       AND member.coupon_id IS NULL
                        ON CONFLICT (code) DO NOTHING
                 RETURNING id, partner_id
                ), linked AS (
                    UPDATE customer_offer_member member
                       SET coupon_id = cards.id
                      FROM cards
                     WHERE member.campaign_id = %(campaign)s
                       AND member.partner_id = cards.partner_id
                 RETURNING cards.id
                )
                INSERT INTO loyalty_history
                       (card_id, description, issued, used, create_uid, create_date,
                        write_uid, write_date)
                SELECT linked.id, %(description)s, %(points)s, 0, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM linked
                """, **params,
            ))
            missing = self.env.execute_query(SQL(
                """SELECT count(*) FROM customer_offer_member
                    WHERE campaign_id = %s AND cohort = 'treated' AND coupon_id IS NULL""",
                self.id,
            ))[0][0]
            if not missing:
                break
        else:
            raise UserError(self.env._(
                "Campaign %s could not draw unique coupon codes; launch it again.", self.name
            ))
        self.env["loyalty.card"].invalidate_model()
        self.env["loyalty.history"].invalidate_model()
        self.env["customer.offer.member"].invalidate_model(["coupon_id"])

    def _coupon_mail_templates(self):
        """The templates of the program's "At Creation" communications, which loyalty sends
        when a coupon is created."""
        self.ensure_one()
        return self.program_id.sudo().communication_plan_ids.filtered(
            lambda plan: plan.trigger == "create"
        ).mail_template_id

    @api.model
    def _cron_send_coupon_mails(self, batch_size=COUPON_MAIL_BATCH):
        """Prepare the pending coupon emails into the outgoing mail queue, committing after
        every batch when run by the scheduler; the mail queue sends them."""
        Member = self.env["customer.offer.member"].sudo()
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        pending = [("coupon_mail", "=", "pending")]
        remaining = Member.search_count(pending)
        while members := Member.search(pending, order="id", limit=batch_size):
            for campaign in members.campaign_id:
                campaign._send_coupon_mails(
                    members.filtered(lambda member, c=campaign: member.campaign_id == c)
                )
            remaining = max(remaining - len(members), 0)
            if in_cron and self.env["ir.cron"]._commit_progress(
                len(members), remaining=remaining
            ) <= 0:
                return

    def _send_coupon_mails(self, members):
        """Render the coupon email of ``members`` as loyalty does when it creates a coupon
        (each "At Creation" template of the program on the coupon, in the light notification
        layout, from the company when the template names no sender), in batches, as queued
        mails; the template's reports only if the campaign attaches the coupon PDF."""
        self.ensure_one()
        members = members.sudo()
        templates = self._coupon_mail_templates()
        mailed = members.filtered("coupon_id") if templates else members.browse()
        for template in templates:
            email_values = {}
            if not template.email_from:
                author = self.company_id.partner_id
                email_values = {"author_id": author.id, "email_from": author.email_formatted}
            template.sudo().with_context(
                customer_offer_without_reports=not self.coupon_mail_pdf
            ).send_mail_batch(
                mailed.coupon_id.ids, email_layout_xmlid="mail.mail_notification_light",
                email_values=email_values,
            )
        mailed.write({"coupon_mail": "queued"})
        (members - mailed).write({"coupon_mail": False})

    def _subscribe_to_list(self):
        """Subscribe the treated members to the mailing list, matched on their normalised
        email as the segment wizard does: an existing mailing contact is subscribed rather
        than duplicated, and a contact who opted out of the list stays out."""
        self.ensure_one()
        self.env["mailing.contact"].flush_model()
        self.env["mailing.subscription"].flush_model()
        now = self.env.cr.now()
        params = {"campaign": self.id, "list": self.mailing_list_id.id, "uid": self.env.uid,
                  "now": now}
        self.env.cr.execute(SQL(
            """
            INSERT INTO mailing_contact
                   (name, email, email_normalized, company_name, country_id,
                    message_bounce, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (partner.email_normalized)
                   partner.name, partner.email, partner.email_normalized,
                   partner.commercial_company_name, partner.country_id, 0,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM customer_offer_member member
              JOIN res_partner partner ON partner.id = member.partner_id
             WHERE member.campaign_id = %(campaign)s AND member.cohort = 'treated'
               AND NOT EXISTS (SELECT 1 FROM mailing_contact contact
                                WHERE contact.email_normalized = partner.email_normalized)
             ORDER BY partner.email_normalized, partner.id
            """, **params,
        ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO mailing_subscription
                   (contact_id, list_id, opt_out, create_uid, create_date, write_uid,
                    write_date)
            SELECT DISTINCT ON (contact.email_normalized)
                   contact.id, %(list)s, FALSE, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM customer_offer_member member
              JOIN res_partner partner ON partner.id = member.partner_id
              JOIN mailing_contact contact
                ON contact.email_normalized = partner.email_normalized
             WHERE member.campaign_id = %(campaign)s AND member.cohort = 'treated'
             ORDER BY contact.email_normalized, contact.id
                ON CONFLICT (contact_id, list_id) DO NOTHING
            """, **params,
        ))
        self.env["mailing.contact"].invalidate_model()
        self.env["mailing.subscription"].invalidate_model()
        self.env["mailing.list"].invalidate_model()

    # Measurement

    def action_measure(self):
        check_group(self.env, OFFICER)
        for campaign in self:
            if campaign.state == "draft":
                raise UserError(self.env._(
                    "Campaign %s is not launched: there is nothing to measure yet.",
                    campaign.name,
                ))
            campaign._measure()
        return True

    def action_close(self):
        """Measure a last time and close the campaign."""
        check_group(self.env, OFFICER)
        self.filtered(lambda campaign: campaign.state == "running")._close()
        return True

    def _close(self):
        for campaign in self:
            campaign._measure()
            campaign.sudo().write({"state": "done"})
            campaign.message_post(body=campaign.result_summary)

    def _measure(self):
        """Write on every member, in one statement, when their coupon was first used and
        what they bought in the measurement window (purchases net of refunds)."""
        self.ensure_one()
        self.env["customer.purchase.line"].flush_model(
            ["commercial_partner_id", "company_id", "date", "amount", "is_refund",
             "document_ref"]
        )
        self.env["loyalty.history"].flush_model(["card_id", "used"])
        self.env.cr.execute(SQL(
            """
            UPDATE customer_offer_member member
               SET redeemed_date = redeemed.date,
                   spend = COALESCE(bought.spend, 0),
                   order_count = COALESCE(bought.orders, 0),
                   buyer = COALESCE(bought.orders, 0) > 0,
                   buyer_percent = CASE WHEN bought.orders > 0 THEN 100 ELSE 0 END,
                   redeemed_percent = CASE WHEN redeemed.date IS NULL THEN 0 ELSE 100 END,
                   write_date = %(now)s
              FROM customer_offer_member measured
              LEFT JOIN LATERAL (
                   SELECT min(history.create_date)::date AS date
                     FROM loyalty_history history
                    WHERE history.card_id = measured.coupon_id AND history.used > 0
              ) redeemed ON TRUE
              LEFT JOIN LATERAL (
                   SELECT sum(line.amount) AS spend,
                          count(DISTINCT line.document_ref)
                              FILTER (WHERE line.is_refund IS NOT TRUE) AS orders
                     FROM customer_purchase_line line
                    WHERE line.commercial_partner_id = measured.partner_id
                      AND line.company_id = %(company)s
                      AND line.date BETWEEN %(start)s AND %(end)s
              ) bought ON TRUE
             WHERE member.id = measured.id AND measured.campaign_id = %(campaign)s
            """,
            campaign=self.id, company=self.company_id.id, start=self.date_start,
            end=self.date_end, now=self.env.cr.now(),
        ))
        self.env["customer.offer.member"].invalidate_model(
            ["redeemed_date", "spend", "order_count", "buyer", "buyer_percent",
             "redeemed_percent"]
        )
        self.sudo().write({"date_measured": fields.Datetime.now()})

    @api.model
    def _cron_measure(self):
        """Measure the running campaigns; close those whose window has ended."""
        today = fields.Date.context_today(self)
        running = self.search([("state", "=", "running")])
        ended = running.filtered(lambda campaign: campaign.date_end < today)
        ended._close()
        for campaign in running - ended:
            campaign._measure()

    def _group_figures(self):
        """Per group: customers, coupons redeemed, buyers, spend mean and variance."""
        self.ensure_one()
        self.env["customer.offer.member"].flush_model()
        rows = self.env.execute_query(SQL(
            """SELECT cohort, count(*), count(redeemed_date), count(*) FILTER (WHERE buyer),
                      COALESCE(avg(spend), 0), COALESCE(var_samp(spend), 0)
                 FROM customer_offer_member
                WHERE campaign_id = %s
                GROUP BY cohort""",
            self.id,
        ))
        figures = {"treated": (0, 0, 0, 0.0, 0.0), "control": (0, 0, 0, 0.0, 0.0)}
        figures.update({row[0]: tuple(row[1:]) for row in rows})
        return figures

    @api.depends("member_ids", "date_measured")
    def _compute_results(self):
        for campaign in self:
            figures = campaign._group_figures() if campaign.id and campaign.state != "draft" \
                else None
            if not figures:
                campaign.update({
                    "treated_redeemed_percent": 0, "treated_buyer_percent": 0,
                    "control_buyer_percent": 0, "treated_spend": 0, "control_spend": 0,
                    "spend_uplift": 0, "buyer_uplift": 0, "result_summary": False,
                })
                continue
            t_count, t_redeemed, t_buyers, t_spend, t_var = figures["treated"]
            c_count, _c_redeemed, c_buyers, c_spend, c_var = figures["control"]
            t_rate = t_buyers / t_count if t_count else 0.0
            c_rate = c_buyers / c_count if c_count else 0.0
            campaign.update({
                "treated_redeemed_percent": 100.0 * t_redeemed / t_count if t_count else 0,
                "treated_buyer_percent": 100.0 * t_rate,
                "control_buyer_percent": 100.0 * c_rate,
                "treated_spend": t_spend,
                "control_spend": c_spend,
                "spend_uplift": t_spend - c_spend,
                "buyer_uplift": 100.0 * (t_rate - c_rate),
            })
            campaign.result_summary = campaign._summary(
                t_count, c_count, float(t_spend) - float(c_spend),
                math.sqrt(float(t_var) / t_count + float(c_var) / c_count)
                if t_count and c_count else 0.0,
                t_rate - c_rate,
                math.sqrt(t_rate * (1 - t_rate) / t_count + c_rate * (1 - c_rate) / c_count)
                if t_count and c_count else 0.0,
            )

    def _summary(self, t_count, c_count, spend_diff, spend_se, rate_diff, rate_se):
        """A plain statement of the uplift with its 95 % interval, or why there is none."""
        currency = self.currency_id
        if min(t_count, c_count) < MIN_GROUP_SIZE:
            return self.env._(
                "%(treated)s treated and %(control)s control customers: too few (under "
                "%(minimum)s in a group) for a confidence interval. Spend per treated "
                "customer differs by %(diff)s from the control group; read it as an "
                "indication only.",
                treated=t_count, control=c_count, minimum=MIN_GROUP_SIZE,
                diff=currency.format(spend_diff) if currency else round(spend_diff, 2),
            )
        low, high = spend_diff - Z_95 * spend_se, spend_diff + Z_95 * spend_se
        if low > 0:
            verdict = self.env._("the offer raised spending.")
        elif high < 0:
            verdict = self.env._("treated customers spent less than the control group.")
        else:
            verdict = self.env._("the interval includes zero: no effect on spending is shown.")
        return self.env._(
            "Spend per customer of the %(treated)s treated minus that of the %(control)s "
            "control customers: %(diff)s (95%% interval %(low)s to %(high)s): %(verdict)s "
            "Buyers: %(rate)s points (95%% interval %(rate_low)s to %(rate_high)s).",
            diff=currency.format(spend_diff), treated=t_count, control=c_count,
            low=currency.format(low), high=currency.format(high), verdict=verdict,
            rate=f"{100 * rate_diff:+.1f}", rate_low=f"{100 * (rate_diff - Z_95 * rate_se):+.1f}",
            rate_high=f"{100 * (rate_diff + Z_95 * rate_se):+.1f}",
        )

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file_offer.action_customer_offer_member"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id}
        return action
