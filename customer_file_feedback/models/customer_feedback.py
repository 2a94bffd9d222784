from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.customer_file.tools.job_fields import check_job_fields

FEEDBACK_TYPES = [
    ("praise", "Praise"),
    ("review", "Review"),
    ("complaint", "Complaint"),
    ("suggestion", "Suggestion"),
    ("inquiry", "Inquiry"),
]
CHANNELS = [
    ("store", "Store"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("website", "Website"),
    ("social", "Social Media"),
    ("survey", "Survey"),
    ("service_desk", "Service Desk"),
]
STATES = [
    ("new", "New"),
    ("acknowledged", "Acknowledged"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("reopened", "Reopened"),
]
PRIORITIES = [("0", "Low"), ("1", "Normal"), ("2", "High"), ("3", "Urgent")]
CSAT_SCORES = [
    ("1", "1 - Very dissatisfied"),
    ("2", "2 - Dissatisfied"),
    ("3", "3 - Neutral"),
    ("4", "4 - Satisfied"),
    ("5", "5 - Very satisfied"),
]
NPS_SCORES = [(str(score), str(score)) for score in range(11)]
SATISFACTION = [
    ("satisfied", "Satisfied"),
    ("neutral", "Neutral"),
    ("dissatisfied", "Dissatisfied"),
]
# Where each state may go next; anything else is refused with the allowed moves.
TRANSITIONS = {
    "new": {"acknowledged", "in_progress", "resolved"},
    "acknowledged": {"in_progress", "resolved"},
    "in_progress": {"resolved"},
    "resolved": {"closed", "reopened"},
    "closed": {"reopened"},
    "reopened": {"in_progress", "resolved"},
}
OPEN_STATES = ("new", "acknowledged", "in_progress", "reopened")
# Set by the workflow actions, the escalation job and the computations only.
JOB_FIELDS = {
    "state", "acknowledged_date", "resolved_date", "closed_date", "escalated_date",
    "customer_confirmed_date", "acknowledge_deadline", "resolve_deadline", "is_scored",
    "satisfaction_score",
}
# Fields without groups are what the customer may read of their own complaints (portal):
# the reference, what they told us, the stage and its dates. The resolution is shown on
# the portal page once the complaint is resolved, through the page's own checks.


class CustomerFeedback(models.Model):
    """What a customer told us: praise, a review, a complaint, a suggestion or an inquiry.

    Complaints follow a workflow with service levels (see ``customer.feedback.sla``); scores
    (CSAT 1-5, NPS 0-10) give a satisfaction class and a 0-100 satisfaction score that the
    analysis, the customer's trend and the churn signals share.
    """

    _name = "customer.feedback"
    _description = "Customer Feedback"
    _inherit = ["customer.file.record", "portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "feedback_date desc, id desc"
    # Customers reply from the portal with the record's access token.
    _mail_post_access = "read"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    feedback_type = fields.Selection(
        FEEDBACK_TYPES, string="Type", required=True, default="review", tracking=True, index=True
    )
    channel = fields.Selection(
        CHANNELS, required=True, default="phone", tracking=True, groups="base.group_user"
    )
    feedback_date = fields.Datetime(
        string="Received", required=True, default=fields.Datetime.now, index=True
    )
    summary = fields.Char(required=True, tracking=True)
    description = fields.Html()
    partner_id = fields.Many2one(tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True,
        index=True, groups="base.group_user",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", compute="_compute_team_id", store=True, readonly=False,
        precompute=True, groups="base.group_user",
        help="The customer's salesperson's team; its leader gets overdue complaints.",
    )
    tag_ids = fields.Many2many(
        "customer.feedback.tag", string="Categories", groups="base.group_user"
    )
    measure_ids = fields.Many2many(
        "customer.improvement.measure", "customer_feedback_improvement_measure_rel",
        "feedback_id", "measure_id", string="Improvement Measures", groups="base.group_user",
    )

    # What it is about
    product_id = fields.Many2one(
        "product.product", index="btree_not_null", groups="base.group_user"
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Line", store=True, groups="base.group_user"
    )
    owned_product_id = fields.Many2one(
        "customer.owned.product", index="btree_not_null", groups="base.group_user",
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
    )
    service_record_id = fields.Many2one(
        "customer.service.record", index="btree_not_null", groups="base.group_user",
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
    )
    sale_order_id = fields.Many2one(
        "sale.order", index="btree_not_null", groups="base.group_user",
        domain="[('partner_id.commercial_partner_id', '=', commercial_partner_id)]",
    )

    # Scores
    csat_score = fields.Selection(
        CSAT_SCORES, string="CSAT", tracking=True, groups="base.group_user"
    )
    nps_score = fields.Selection(
        NPS_SCORES, string="NPS", tracking=True, groups="base.group_user",
        help="How likely the customer is to recommend us, 0 to 10.",
    )
    satisfaction = fields.Selection(
        SATISFACTION, compute="_compute_satisfaction", store=True, readonly=False,
        precompute=True, tracking=True, index=True, groups="base.group_user",
        help="From the scores (CSAT 4-5, NPS 9-10: satisfied; CSAT 3, NPS 7-8: neutral; "
        "lower: dissatisfied; the worse of the two when both are given) unless set by hand.",
    )
    satisfaction_manual = fields.Boolean(
        string="Satisfaction Set by Hand", groups="base.group_user",
        help="Keep the satisfaction class chosen by hand when the scores change.",
    )
    is_scored = fields.Boolean(
        compute="_compute_satisfaction_score", store=True, groups="base.group_user"
    )
    satisfaction_score = fields.Float(
        compute="_compute_satisfaction_score", store=True, aggregator="avg",
        groups="base.group_user",
        help="0 to 100: CSAT 1-5 as 0, 25, 50, 75, 100 and NPS 0-10 as 0 to 100, averaged "
        "when both are given. Averages count scored feedback only.",
    )

    # Workflow
    state = fields.Selection(
        STATES, string="Stage", required=True, default="new", readonly=True, tracking=True,
        index=True, copy=False,
    )
    is_open = fields.Boolean(compute="_compute_is_open", search="_search_is_open")
    priority = fields.Selection(
        PRIORITIES, required=True, default="1", tracking=True, groups="base.group_user"
    )
    acknowledged_date = fields.Datetime(readonly=True, copy=False)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    closed_date = fields.Datetime(readonly=True, copy=False)
    acknowledge_deadline = fields.Datetime(
        compute="_compute_deadlines", store=True, groups="base.group_user",
        help="From the service level of the priority.",
    )
    resolve_deadline = fields.Datetime(
        compute="_compute_deadlines", store=True, groups="base.group_user",
        help="From the service level of the priority.",
    )
    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue",
        groups="base.group_user", help="Not acknowledged or not resolved by its deadline.",
    )
    escalated_date = fields.Datetime(readonly=True, copy=False, groups="base.group_user")
    root_cause = fields.Text(groups="base.group_user")
    corrective_action = fields.Text(groups="base.group_user")
    preventive_action = fields.Text(groups="base.group_user")
    resolution = fields.Html(groups="base.group_user")
    customer_confirmed = fields.Boolean(
        string="Confirmed by Customer", tracking=True, copy=False, groups="base.group_user",
        help="The customer confirmed that the resolution settles the complaint.",
    )
    customer_confirmed_date = fields.Date(readonly=True, copy=False, groups="base.group_user")

    _unique_reference = models.UniqueIndex("(name, company_id) WHERE name != '/'")

    @api.depends("partner_id")
    def _compute_team_id(self):
        for feedback in self:
            salesperson = feedback.partner_id.commercial_partner_id.user_id
            feedback.team_id = salesperson.sale_team_id or feedback.team_id

    @api.depends("csat_score", "nps_score", "satisfaction_manual")
    def _compute_satisfaction(self):
        for feedback in self:
            if feedback.satisfaction_manual and feedback.satisfaction:
                continue
            classes = []
            if feedback.csat_score:
                csat = int(feedback.csat_score)
                classes.append(2 if csat >= 4 else 1 if csat == 3 else 0)
            if feedback.nps_score:
                nps = int(feedback.nps_score)
                classes.append(2 if nps >= 9 else 1 if nps >= 7 else 0)
            feedback.satisfaction = (
                ("dissatisfied", "neutral", "satisfied")[min(classes)] if classes else False
            )

    @api.depends("csat_score", "nps_score")
    def _compute_satisfaction_score(self):
        for feedback in self:
            scores = []
            if feedback.csat_score:
                scores.append((int(feedback.csat_score) - 1) * 25.0)
            if feedback.nps_score:
                scores.append(int(feedback.nps_score) * 10.0)
            feedback.is_scored = bool(scores)
            feedback.satisfaction_score = sum(scores) / len(scores) if scores else 0.0

    @api.depends("state")
    def _compute_is_open(self):
        for feedback in self:
            feedback.is_open = feedback.state in OPEN_STATES

    def _search_is_open(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return [("state", "in" if positive else "not in", OPEN_STATES)]

    @api.depends("feedback_type", "priority", "feedback_date", "company_id")
    def _compute_deadlines(self):
        configs = {}
        for feedback in self:
            if feedback.feedback_type != "complaint" or not feedback.feedback_date:
                feedback.acknowledge_deadline = feedback.resolve_deadline = False
                continue
            company = feedback.company_id or self.env.company
            if company not in configs:
                configs[company] = self.env["customer.feedback.config"]._for_company(company)
            deadlines = configs[company]._deadlines(feedback.priority, feedback.feedback_date)
            feedback.acknowledge_deadline, feedback.resolve_deadline = deadlines

    @api.depends("acknowledge_deadline", "resolve_deadline", "acknowledged_date", "resolved_date",
                 "state")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for feedback in self:
            feedback.is_overdue = feedback.state in OPEN_STATES and bool(
                (not feedback.acknowledged_date and feedback.acknowledge_deadline
                 and feedback.acknowledge_deadline < now)
                or (feedback.resolve_deadline and feedback.resolve_deadline < now)
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        now = fields.Datetime.now()
        overdue = Domain("state", "in", OPEN_STATES) & (
            (Domain("acknowledged_date", "=", False) & Domain("acknowledge_deadline", "<", now))
            | Domain("resolve_deadline", "<", now)
        )
        return overdue if (operator == "=") == value else ~overdue

    def _compute_access_url(self):
        for feedback in self:
            feedback.access_url = f"/my/complaints/{feedback.id}"

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("customer.feedback") or "/"
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        if "customer_confirmed" in vals:
            vals["customer_confirmed_date"] = (
                fields.Date.context_today(self) if vals["customer_confirmed"] else False
            )
        return super().write(vals)

    # ------------------------------------------------------------------ workflow

    def _next_states(self):
        """Where this feedback may go from its stage. Feedback that is not a complaint
        (praise, a review, an answered inquiry) may also be closed while open, without a
        resolution."""
        self.ensure_one()
        targets = TRANSITIONS[self.state]
        if self.feedback_type != "complaint" and self.state in OPEN_STATES:
            targets = targets | {"closed"}
        return targets

    def _move_to(self, state):
        self.check_access("write")
        labels = dict(self._fields["state"]._description_selection(self.env))
        for feedback in self:
            if state not in feedback._next_states():
                allowed = ", ".join(
                    labels[target] for target in sorted(feedback._next_states())
                )
                raise UserError(self.env._(
                    "%(reference)s is %(current)s and cannot become %(target)s; from here it can "
                    "become: %(allowed)s.",
                    reference=feedback.name, current=labels[feedback.state],
                    target=labels[state], allowed=allowed,
                ))
        now = fields.Datetime.now()
        for feedback in self:
            vals = {"state": state}
            if state != "reopened" and not feedback.acknowledged_date:
                vals["acknowledged_date"] = now
            if state == "resolved":
                if not feedback.resolution or feedback.resolution == "<p><br></p>":
                    raise UserError(self.env._(
                        "Write the resolution of %s before resolving it.", feedback.name
                    ))
                vals["resolved_date"] = now
            elif state == "closed":
                vals["closed_date"] = now
            elif state == "reopened":
                vals.update(resolved_date=False, closed_date=False, escalated_date=False,
                            customer_confirmed=False)
            feedback.sudo().write(vals)
        return True

    def action_acknowledge(self):
        return self._move_to("acknowledged")

    def action_start(self):
        return self._move_to("in_progress")

    def action_resolve(self):
        return self._move_to("resolved")

    def action_close(self):
        return self._move_to("closed")

    def action_reopen(self):
        return self._move_to("reopened")

    # ------------------------------------------------------------------ escalation

    @api.model
    def _cron_escalate_overdue(self, batch_size=200):
        """Give the team leader of each overdue, not yet escalated complaint a to-do."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        domain = [("feedback_type", "=", "complaint"), ("is_overdue", "=", True),
                  ("escalated_date", "=", False)]
        while True:
            complaints = self.search(domain, limit=batch_size, order="resolve_deadline, id")
            if not complaints:
                break
            complaints._escalate()
            if not in_cron:
                continue
            remaining = self.search_count(domain)
            if self.env["ir.cron"]._commit_progress(len(complaints), remaining=remaining) <= 0:
                break

    def _escalate(self):
        configs = {}
        now = fields.Datetime.now()
        for complaint in self:
            company = complaint.company_id
            if company not in configs:
                configs[company] = self.env["customer.feedback.config"]._for_company(company)
            manager = (complaint.team_id.user_id or configs[company].escalation_user_id
                       or complaint.user_id)
            late = (
                self.env._("acknowledgement") if not complaint.acknowledged_date
                else self.env._("resolution")
            )
            deadline = (complaint.acknowledge_deadline if not complaint.acknowledged_date
                        else complaint.resolve_deadline)
            if manager:
                complaint.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=fields.Date.context_today(complaint),
                    summary=self.env._("Overdue complaint: %s", complaint.name),
                    note=self.env._(
                        "The %(late)s of %(reference)s was due %(deadline)s.",
                        late=late, reference=complaint.name,
                        deadline=fields.Datetime.to_string(deadline),
                    ),
                    user_id=manager.id,
                )
            complaint.message_post(body=self.env._(
                "Escalated to %(manager)s: the %(late)s is overdue.",
                manager=manager.name or self.env._("nobody (no team leader)"), late=late,
            ))
        self.sudo().write({"escalated_date": now})
