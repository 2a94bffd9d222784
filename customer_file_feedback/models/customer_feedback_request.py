import re
import secrets
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, plaintext2html, split_every

from odoo.addons.customer_file.tools.job_fields import check_job_fields

SCORE_RANGES = {"csat": range(1, 6), "nps": range(11)}
MAIL_TEMPLATES = {
    "csat": "customer_file_feedback.mail_template_survey_csat",
    "nps": "customer_file_feedback.mail_template_survey_nps",
}
MAX_COMMENT_LENGTH = 5000
# Set when the request is sent, answered, expired or cancelled, never by hand.
JOB_FIELDS = {
    "email", "access_token", "state", "sent_date", "expiry_date", "answered_date", "feedback_id",
}


class CustomerFeedbackRequest(models.Model):
    """A CSAT or NPS question sent to one customer by email, answered on a public page
    reached with its token."""

    _name = "customer.feedback.request"
    _description = "Satisfaction Survey Request"
    _inherit = ["customer.file.record"]
    _order = "create_date desc, id desc"
    _rec_name = "partner_id"

    survey_type = fields.Selection(
        [("csat", "CSAT"), ("nps", "NPS")], string="Question", required=True, default="csat"
    )
    trigger = fields.Selection(
        [("sale_order", "Sale Order"), ("service_record", "Service Record"),
         ("periodic", "Periodic NPS"), ("manual", "Manual")],
        required=True, default="manual",
    )
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="set null")
    service_record_id = fields.Many2one(
        "customer.service.record", index="btree_not_null", ondelete="set null"
    )
    email = fields.Char(
        readonly=True, help="The address the request went to, of a customer who consented to "
        "surveys by email.",
    )
    access_token = fields.Char(
        readonly=True, copy=False, groups="base.group_system",
        default=lambda self: secrets.token_urlsafe(32),
    )
    state = fields.Selection(
        [("sent", "Sent"), ("answered", "Answered"), ("expired", "Expired"),
         ("cancelled", "Cancelled")],
        required=True, default="sent", readonly=True, index=True,
    )
    sent_date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    expiry_date = fields.Datetime(readonly=True)
    answered_date = fields.Datetime(readonly=True)
    feedback_id = fields.Many2one("customer.feedback", readonly=True, ondelete="set null")

    _token_unique = models.UniqueIndex(
        "(access_token) WHERE access_token IS NOT NULL", "Survey tokens are unique."
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        configs = {}
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.setdefault("sent_date", now)
            if not vals.get("expiry_date"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                if company not in configs:
                    configs[company] = self.env["customer.feedback.config"]._for_company(company)
                vals["expiry_date"] = fields.Datetime.to_datetime(vals["sent_date"]) + timedelta(
                    days=configs[company].survey_expiry_days
                )
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)

    def action_cancel(self):
        self.check_access("write")
        if self.filtered(lambda survey: survey.state != "sent"):
            raise UserError(self.env._(
                "Only requests waiting for an answer can be cancelled; answered and expired "
                "ones stay as they are."
            ))
        self.sudo().write({"state": "cancelled"})

    # ------------------------------------------------------------------ consent and throttle

    @api.model
    def _consented_emails(self, partners, company=None):
        """{partner id: address} of the partners that may get a survey by email: their
        customer (commercial partner) currently grants the "surveys" purpose on email in
        ``company`` (the consent log, see ``customer.consent.event``; the marketing opt-in
        of contact points does not count), and an email contact point of the contact itself
        or else of its commercial partner is not blacklisted; the contact's own and primary
        addresses first. Archived partners get nothing."""
        if not partners:
            return {}
        company = company or self.env.company
        self.env["customer.contact.point"].flush_model(
            ["partner_id", "kind", "value_normalized", "is_primary"]
        )
        self.env["mail.blacklist"].flush_model(["email", "active"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "active"])
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT ON (partner.id) partner.id, point.value_normalized
              FROM res_partner partner
              JOIN customer_contact_point point
                ON point.partner_id IN (partner.id, partner.commercial_partner_id)
             WHERE partner.id = ANY(%s)
               AND partner.active
               AND %s
               AND point.kind = 'email'
               AND point.value_normalized IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM mail_blacklist blacklist
                     WHERE blacklist.active AND blacklist.email = point.value_normalized)
             ORDER BY partner.id, point.partner_id = partner.id DESC,
                      point.is_primary IS TRUE DESC,
                      point.id
            """,
            list(partners.ids),
            self.env["customer.consent.event"]._granted_sql(
                SQL("partner.commercial_partner_id"), "surveys", "email", company
            ),
        ))
        return dict(rows)

    @api.model
    def _last_request_dates(self, commercial_partners, company):
        """{commercial partner id: last sent date} of the customers asked within the
        throttle period of ``company``, whatever the request's company and state."""
        config = self.env["customer.feedback.config"]._for_company(company)
        since = fields.Datetime.now() - timedelta(days=config.survey_throttle_days)
        groups = self.sudo()._read_group(
            [("commercial_partner_id", "in", commercial_partners.ids), ("sent_date", ">=", since)],
            ["commercial_partner_id"], ["sent_date:max"],
        )
        return {partner.id: last_sent for partner, last_sent in groups}

    # ------------------------------------------------------------------ candidates

    def _sale_order_candidates(self, company, since):
        self.env["sale.order"].flush_model(
            ["state", "company_id", "date_order", "invoice_status", "partner_id"]
        )
        self.env["sale.order.line"].flush_model(
            ["order_id", "display_type", "qty_delivered", "product_uom_qty"]
        )
        self.flush_model(["sale_order_id"])
        return self.env.execute_query(SQL(
            """
            SELECT sale.partner_id, sale.id
              FROM sale_order sale
             WHERE sale.state = 'sale'
               AND sale.company_id = %(company)s
               AND sale.date_order >= %(since)s
               AND (sale.invoice_status = 'invoiced'
                    OR (EXISTS (SELECT 1 FROM sale_order_line line
                                 WHERE line.order_id = sale.id AND line.display_type IS NULL)
                        AND NOT EXISTS (
                            SELECT 1 FROM sale_order_line line
                             WHERE line.order_id = sale.id AND line.display_type IS NULL
                               AND line.qty_delivered < line.product_uom_qty)))
               AND NOT EXISTS (SELECT 1 FROM customer_feedback_request survey
                                WHERE survey.sale_order_id = sale.id)
             ORDER BY sale.date_order, sale.id
            """,
            company=company.id, since=since,
        ))

    def _service_record_candidates(self, company, since):
        self.env["customer.service.record"].flush_model(
            ["state", "company_id", "returned_date", "partner_id"]
        )
        self.flush_model(["service_record_id"])
        return self.env.execute_query(SQL(
            """
            SELECT service.partner_id, service.id
              FROM customer_service_record service
             WHERE service.state = 'done'
               AND service.company_id = %(company)s
               AND service.returned_date >= %(since)s
               AND NOT EXISTS (SELECT 1 FROM customer_feedback_request survey
                                WHERE survey.service_record_id = service.id)
             ORDER BY service.returned_date, service.id
            """,
            company=company.id, since=since.date(),
        ))

    def _periodic_nps_candidates(self, company, config, now):
        """Active customers not asked for an NPS within the interval, spread over it: each
        day asks the share of active customers that covers them all once per interval,
        those never or longest ago asked first (a new setup would otherwise mail every
        customer on its first day). Only customers with a consented address (see
        ``_consented_emails``) take a place in the day's share: the others are never asked,
        so they would stay first in line and fill it every day."""
        self.flush_model(["commercial_partner_id", "company_id", "survey_type", "sent_date"])
        self.env["customer.contact.point"].flush_model(["partner_id", "kind", "value_normalized"])
        self.env["mail.blacklist"].flush_model(["email", "active"])
        self.env["res.partner"].flush_model(["commercial_partner_id", "active"])
        return self.env.execute_query(SQL(
            """
            WITH active AS (
                SELECT commercial_partner_id
                  FROM customer_purchase_day
                 WHERE company_id = %(company)s AND date >= %(active_since)s
                 GROUP BY commercial_partner_id
            ), asked AS (
                SELECT commercial_partner_id, MAX(sent_date) AS last_sent
                  FROM customer_feedback_request
                 WHERE company_id = %(company)s AND survey_type = 'nps'
                 GROUP BY commercial_partner_id
            )
            SELECT active.commercial_partner_id, NULL
              FROM active
              LEFT JOIN asked ON asked.commercial_partner_id = active.commercial_partner_id
             WHERE (asked.last_sent IS NULL OR asked.last_sent < %(asked_since)s)
               AND EXISTS (
                    SELECT 1
                      FROM res_partner partner
                      JOIN customer_contact_point point
                        ON point.partner_id IN (partner.id, partner.commercial_partner_id)
                     WHERE partner.id = active.commercial_partner_id
                       AND partner.active
                       AND %(consented)s
                       AND point.kind = 'email'
                       AND point.value_normalized IS NOT NULL
                       AND NOT EXISTS (
                            SELECT 1 FROM mail_blacklist blacklist
                             WHERE blacklist.active
                               AND blacklist.email = point.value_normalized))
             ORDER BY asked.last_sent NULLS FIRST, active.commercial_partner_id
             LIMIT (SELECT CEIL(COUNT(*) / %(interval)s::float) FROM active)
            """,
            company=company.id,
            active_since=(now - timedelta(days=config.nps_active_days)).date(),
            asked_since=now - timedelta(days=config.nps_interval_days),
            interval=config.nps_interval_days,
            consented=self.env["customer.consent.event"]._granted_sql(
                SQL("partner.commercial_partner_id"), "surveys", "email", company
            ),
        ))

    @api.model
    def _survey_candidates(self, company):
        """Request values for ``company``, grouped by commercial partner id in order of
        precedence (order and service CSAT before periodic NPS, oldest first), before
        consent and throttle."""
        config = self.env["customer.feedback.config"]._for_company(company)
        now = fields.Datetime.now()
        since = now - timedelta(days=config.survey_lookback_days)
        rows = []
        if config.survey_after_sale:
            rows += [("csat", "sale_order", partner_id, {"sale_order_id": order_id})
                     for partner_id, order_id in self._sale_order_candidates(company, since)]
        if config.survey_after_service:
            rows += [
                ("csat", "service_record", partner_id, {"service_record_id": service_id})
                for partner_id, service_id in self._service_record_candidates(company, since)
            ]
        if config.survey_periodic_nps:
            rows += [("nps", "periodic", partner_id, {})
                     for partner_id, _none in self._periodic_nps_candidates(company, config, now)]
        partners = self.env["res.partner"].browse({row[2] for row in rows})
        commercial_ids = {partner.id: partner.commercial_partner_id.id for partner in partners}
        candidates = defaultdict(list)
        for survey_type, trigger, partner_id, links in rows:
            candidates[commercial_ids[partner_id]].append({
                "survey_type": survey_type, "trigger": trigger, "partner_id": partner_id,
                "company_id": company.id, **links,
            })
        return candidates

    # ------------------------------------------------------------------ sending

    @api.model
    def _create_and_send(self, candidates, company):
        """Create and email at most one request per commercial partner of ``candidates``
        ({commercial partner id: [request values in order of precedence]}), skipping
        throttled customers and candidates without consent.

        :return: (requests, {commercial partner id: reason it was skipped})
        """
        commercial_partners = self.env["res.partner"].browse(list(candidates))
        asked = self._last_request_dates(commercial_partners, company)
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for values in candidates.values() for vals in values}
        )
        emails = self._consented_emails(partners, company)
        vals_list, skipped = [], {}
        for commercial_id, values in candidates.items():
            if commercial_id in asked:
                skipped[commercial_id] = self.env._(
                    "already asked on %(date)s",
                    date=format_date(self.env, asked[commercial_id]),
                )
                continue
            vals = next((vals for vals in values if vals["partner_id"] in emails), None)
            if not vals:
                skipped[commercial_id] = self.env._("no email address with consent to surveys")
                continue
            vals_list.append({**vals, "email": emails[vals["partner_id"]]})
        self.check_access("create")
        requests = self.sudo().create(vals_list).with_env(self.env)
        requests._send_survey_mail()
        return requests, skipped

    def _send_survey_mail(self):
        for survey_type, xmlid in MAIL_TEMPLATES.items():
            requests = self.filtered(lambda survey, kind=survey_type: survey.survey_type == kind)
            if requests:
                # Sudo: the body holds the token; the mail is not attached to the request so
                # that users who read requests cannot read the token in its message.
                self.env.ref(xmlid).sudo().send_mail_batch(
                    requests.ids, email_values={"model": False, "res_id": False},
                )

    @api.model
    def _cron_send_surveys(self, batch_size=200):
        """Expire overdue requests, then ask each company's candidates, committing after
        every batch when run by the scheduler. Restarting is safe: orders and services
        that have a request, and customers asked recently, are no longer candidates."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        expired_domain = [("state", "=", "sent"), ("expiry_date", "<", fields.Datetime.now())]
        while requests := self.search(expired_domain, limit=batch_size):
            requests.sudo().write({"state": "expired"})
            if in_cron and self.env["ir.cron"]._commit_progress(len(requests)) <= 0:
                return
        work = [
            (company, dict(batch))
            for company in self.env["res.company"].search([])
            for batch in split_every(batch_size, self._survey_candidates(company).items())
        ]
        remaining = sum(len(batch) for _company, batch in work)
        for company, batch in work:
            self._create_and_send(batch, company)
            remaining -= len(batch)
            if in_cron and self.env["ir.cron"]._commit_progress(
                len(batch), remaining=remaining
            ) <= 0:
                return

    @api.model
    def _action_send_manual(self, partners, survey_type):
        """Ask ``partners`` (their commercial partners once each) a ``survey_type`` question
        now, with the same consent and throttle rules as the scheduled requests."""
        company = self.env.company
        candidates = defaultdict(list)
        for partner in partners:
            candidates[partner.commercial_partner_id.id].append({
                "survey_type": survey_type, "trigger": "manual", "partner_id": partner.id,
                "company_id": company.id,
            })
        requests, skipped = self._create_and_send(candidates, company)
        names = self.env["res.partner"].browse(list(skipped))
        skipped_lines = "\n".join(
            f"- {partner.display_name}: {skipped[partner.id]}" for partner in names
        )
        if not requests:
            raise UserError(self.env._(
                "No survey was sent:\n%(skipped)s\n\nRecord an email address on the "
                "customer's contact points and the customer's consent to surveys by email "
                "(Consent page), or wait until the period between two requests "
                "(Feedback Settings) has passed.",
                skipped=skipped_lines,
            ))
        message = self.env._(
            "Survey sent to %(customers)s.", customers=", ".join(requests.mapped("partner_id.name"))
        )
        if skipped:
            message += "\n" + self.env._("Skipped:\n%s", skipped_lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if skipped else "success",
                "message": message,
                "sticky": bool(skipped),
            },
        }

    # ------------------------------------------------------------------ public page

    def _score_range(self):
        self.ensure_one()
        return SCORE_RANGES[self.survey_type]

    def _parse_score(self, value):
        """The score ``value`` (a string) stands for, or None when it is not a valid score
        of this request's question."""
        self.ensure_one()
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,2}", value):
            return None
        score = int(value)
        return score if score in self._score_range() else None

    def _unsubscribe_url(self):
        """The page where the customer withdraws the consent to surveys by email."""
        self.ensure_one()
        lang = self.env["res.lang"]._get_frontend().get(self.partner_id.lang)
        lang_prefix = f"/{lang.url_code}" if lang else ""
        return (f"{self.get_base_url()}{lang_prefix}/customer-feedback/unsubscribe/"
                f"{self.sudo().access_token}")

    def _unsubscribe(self, ip_address=None, user_agent=None):
        """Record the customer's withdrawal of the consent to surveys by email, from the
        link of this request's mail (with the browser's address and user agent as
        evidence), unless it is already withdrawn."""
        self.ensure_one()
        Event = self.env["customer.consent.event"].sudo()
        partner = self.partner_id.sudo()
        Event.flush_model()
        current = self.env["customer.consent.status"].sudo().search([
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("purpose_id", "=", Event._purpose("surveys").id),
            ("channel", "=", "email"),
        ], limit=1)
        if current.action == "withdrawn":
            return Event
        return Event._record(
            partner, "surveys", "email", "withdrawn",
            company_id=self.company_id.id, source="email_link", contact_value=self.email,
            ip_address=ip_address, user_agent=(user_agent or "")[:1000] or False,
            note=self.env._("Unsubscribe link of the survey request %(id)s", id=self.id),
        )

    def _survey_url(self, score=None):
        """The answer page in the customer's language, when that language is active."""
        self.ensure_one()
        lang = self.env["res.lang"]._get_frontend().get(self.partner_id.lang)
        lang_prefix = f"/{lang.url_code}" if lang else ""
        url = (f"{self.get_base_url()}{lang_prefix}/customer-feedback/survey/"
               f"{self.sudo().access_token}")
        return f"{url}?score={score}" if score is not None else url

    def _question(self):
        self.ensure_one()
        company = self.company_id.name
        if self.survey_type == "nps":
            return self.env._(
                "How likely are you to recommend %(company)s to a friend or colleague?",
                company=company,
            )
        if self.sale_order_id:
            return self.env._(
                "How satisfied are you with your order %(order)s from %(company)s?",
                order=self.sale_order_id.name, company=company,
            )
        if self.service_record_id:
            return self.env._(
                "How satisfied are you with our service %(service)s?",
                service=self.service_record_id.name,
            )
        return self.env._("How satisfied are you with %(company)s?", company=company)

    def _score_labels(self):
        """Labels of the lowest and the highest score."""
        self.ensure_one()
        if self.survey_type == "nps":
            return self.env._("Not at all likely"), self.env._("Extremely likely")
        return self.env._("Very dissatisfied"), self.env._("Very satisfied")

    def _is_open(self):
        self.ensure_one()
        return self.state == "sent" and (
            not self.expiry_date or self.expiry_date > fields.Datetime.now()
        )

    def _lock_for_answer(self):
        """Wait for concurrent answers of this request to finish and read its state again;
        a concurrent answer makes this transaction fail to serialize and be retried."""
        self.ensure_one()
        self.env.execute_query(SQL(
            "SELECT id FROM customer_feedback_request WHERE id = %s FOR UPDATE", self.id
        ))
        self.invalidate_recordset()

    def _record_answer(self, score, comment):
        """Store the customer's answer on the request's feedback, created if needed."""
        self.ensure_one()
        score_field = "csat_score" if self.survey_type == "csat" else "nps_score"
        comment = (comment or "").strip()[:MAX_COMMENT_LENGTH]
        description = plaintext2html(comment) if comment else False
        feedback = self.feedback_id.sudo()
        if feedback:
            vals = {score_field: str(score)}
            if description:
                vals["description"] = Markup(feedback.description or "") + description
            feedback.write(vals)
        else:
            summary = (self.env._("NPS survey answer") if self.survey_type == "nps"
                       else self.env._("CSAT survey answer"))
            feedback = self.env["customer.feedback"].sudo().with_context(
                mail_create_nosubscribe=True
            ).create({
                "feedback_type": "review",
                "channel": "survey",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "user_id": self.commercial_partner_id.user_id.id,
                "sale_order_id": self.sale_order_id.id,
                "service_record_id": self.service_record_id.id,
                "summary": summary,
                score_field: str(score),
                "description": description,
            })
        self.sudo().write({
            "state": "answered",
            "answered_date": fields.Datetime.now(),
            "feedback_id": feedback.id,
        })
        return feedback
