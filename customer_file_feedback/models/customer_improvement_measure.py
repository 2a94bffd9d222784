from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.customer_file.tools.job_fields import check_job_fields

# A change of satisfaction within this many points (0-100) is "unchanged".
EFFECT_TOLERANCE = 5.0
# Moved by the workflow actions only.
JOB_FIELDS = {"state"}


class CustomerImprovementMeasure(models.Model):
    """What we change because of feedback, and whether the customers it concerned became
    more satisfied afterwards."""

    _name = "customer.improvement.measure"
    _description = "Improvement Measure"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "due_date, id desc"

    name = fields.Char(string="Measure", required=True, tracking=True)
    description = fields.Html()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    due_date = fields.Date(tracking=True)
    state = fields.Selection(
        [("planned", "Planned"), ("in_progress", "In Progress"), ("done", "Done"),
         ("cancelled", "Cancelled")],
        required=True, default="planned", readonly=True, tracking=True,
    )
    done_date = fields.Date(
        string="Implemented On", tracking=True,
        help="Satisfaction before and after is compared around this date.",
    )
    feedback_ids = fields.Many2many(
        "customer.feedback", "customer_feedback_improvement_measure_rel", "measure_id",
        "feedback_id",
    )
    feedback_count = fields.Integer(compute="_compute_feedback_count")
    partner_ids = fields.Many2many(
        "res.partner", string="Affected Customers", compute="_compute_partner_ids",
        help="The customers (commercial entities) of the feedback behind this measure.",
    )
    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue",
        help="Past its due date and neither done nor cancelled.",
    )

    # Effect evaluation
    evaluation_days = fields.Integer(
        string="Evaluation Window (Days)", default=90, required=True,
        help="Scored feedback of the affected customers this many days before the "
        "implementation date is compared with the feedback of as many days from it on.",
    )
    evaluation_min_responses = fields.Integer(
        string="Minimum Responses", default=3, required=True,
        help="Fewer scored feedback than this on either side gives no verdict.",
    )
    satisfaction_before = fields.Float(
        compute="_compute_evaluation", digits=(16, 1),
        help="Average 0-100 satisfaction of the affected customers' scored feedback in the "
        "window before the implementation date.",
    )
    satisfaction_after = fields.Float(
        compute="_compute_evaluation", digits=(16, 1),
        help="Average 0-100 satisfaction of the affected customers' scored feedback in the "
        "window from the implementation date on.",
    )
    responses_before = fields.Integer(compute="_compute_evaluation")
    responses_after = fields.Integer(compute="_compute_evaluation")
    satisfaction_change = fields.Float(
        compute="_compute_evaluation", digits=(16, 1), help="After minus before, in points."
    )
    effect = fields.Selection(
        [("improved", "Improved"), ("unchanged", "Unchanged"), ("worse", "Worse"),
         ("not_enough_data", "Not Enough Data")],
        compute="_compute_evaluation",
        help="Improved or worse when satisfaction moved by more than 5 points; not enough "
        "data before the measure is done or while either side has too few responses.",
    )

    _evaluation_days_positive = models.Constraint(
        "CHECK(evaluation_days > 0)", "The evaluation window must be at least one day."
    )
    _evaluation_min_responses_positive = models.Constraint(
        "CHECK(evaluation_min_responses > 0)", "At least one response is needed on each side."
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)

    @api.depends("feedback_ids")
    def _compute_feedback_count(self):
        for measure in self:
            measure.feedback_count = len(measure.feedback_ids)

    @api.depends("feedback_ids.commercial_partner_id")
    @api.depends_context("uid")
    def _compute_partner_ids(self):
        for measure in self:
            # A salesperson may read a measure born of other teams' complaints: only the
            # customers they may read are listed (the others would fail the whole form).
            partners = measure.feedback_ids.commercial_partner_id
            measure.partner_ids = partners._filtered_access("read")

    @api.depends("due_date", "state")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for measure in self:
            measure.is_overdue = bool(
                measure.due_date and measure.due_date < today
                and measure.state not in ("done", "cancelled")
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        overdue = Domain("due_date", "<", fields.Date.context_today(self)) & Domain(
            "state", "not in", ("done", "cancelled")
        )
        return overdue if (operator == "=") == value else ~overdue

    @api.depends("done_date", "evaluation_days", "evaluation_min_responses", "company_id",
                 "feedback_ids.commercial_partner_id")
    def _compute_evaluation(self):
        """Compare the affected customers' satisfaction before and after, for all measures in
        one query.

        The parameters are taken from the records (so a form shows the figures of what is
        being edited): one row per measure and affected customer is joined with that
        customer's scored feedback of the measure's company in the two windows.
        """
        keys, partners, companies, dates, days = [], [], [], [], []
        for index, measure in enumerate(self):
            if not measure.done_date or measure.evaluation_days <= 0:
                continue
            for partner in measure.feedback_ids.commercial_partner_id:
                keys.append(index)
                partners.append(partner.id)
                companies.append(measure.company_id.id)
                dates.append(measure.done_date)
                days.append(measure.evaluation_days)
        results = {}
        if keys:
            feedback = self.env["customer.feedback"]
            feedback.flush_model(
                ["commercial_partner_id", "company_id", "feedback_date", "is_scored",
                 "satisfaction_score"]
            )
            rows = self.env.execute_query(SQL(
                """
                WITH params AS (
                    SELECT p.key, p.partner_id, p.company_id,
                           p.done_date::timestamp AS done_at,
                           p.done_date::timestamp - p.days * INTERVAL '1 day' AS start_at,
                           p.done_date::timestamp + p.days * INTERVAL '1 day' AS end_at
                      FROM unnest(%(keys)s::int[], %(partners)s::int[], %(companies)s::int[],
                                  %(dates)s::date[], %(days)s::int[])
                           AS p(key, partner_id, company_id, done_date, days)
                )
                SELECT params.key,
                       COUNT(fb.id) FILTER (WHERE fb.feedback_date < params.done_at),
                       AVG(fb.satisfaction_score) FILTER (WHERE fb.feedback_date < params.done_at),
                       COUNT(fb.id) FILTER (WHERE fb.feedback_date >= params.done_at),
                       AVG(fb.satisfaction_score) FILTER (WHERE fb.feedback_date >= params.done_at)
                  FROM params
                  JOIN %(feedback)s fb
                    ON fb.commercial_partner_id = params.partner_id
                   AND fb.company_id = params.company_id
                   AND fb.is_scored
                   AND fb.feedback_date >= params.start_at
                   AND fb.feedback_date < params.end_at
                 GROUP BY params.key
                """,
                keys=keys, partners=partners, companies=companies, dates=dates, days=days,
                feedback=SQL.identifier(feedback._table),
            ))
            results = {row[0]: row[1:] for row in rows}
        for index, measure in enumerate(self):
            count_before, before, count_after, after = results.get(index, (0, None, 0, None))
            measure.responses_before = count_before
            measure.responses_after = count_after
            measure.satisfaction_before = before or 0.0
            measure.satisfaction_after = after or 0.0
            measure.satisfaction_change = (
                after - before if before is not None and after is not None else 0.0
            )
            minimum = max(measure.evaluation_min_responses, 1)
            if not measure.done_date or count_before < minimum or count_after < minimum:
                measure.effect = "not_enough_data"
            elif measure.satisfaction_change > EFFECT_TOLERANCE:
                measure.effect = "improved"
            elif measure.satisfaction_change < -EFFECT_TOLERANCE:
                measure.effect = "worse"
            else:
                measure.effect = "unchanged"

    # ------------------------------------------------------------------ workflow

    def _check_state(self, allowed, target):
        self.check_access("write")
        labels = dict(self._fields["state"]._description_selection(self.env))
        wrong = self.filtered(lambda measure: measure.state not in allowed)
        if wrong:
            raise UserError(self.env._(
                "%(measure)s is %(current)s and cannot become %(target)s.",
                measure=wrong[0].name, current=labels[wrong[0].state], target=labels[target],
            ))

    def action_start(self):
        self._check_state(("planned",), "in_progress")
        self.sudo().write({"state": "in_progress"})
        return True

    def action_done(self):
        self._check_state(("planned", "in_progress"), "done")
        today = fields.Date.context_today(self)
        self.filtered(lambda measure: not measure.done_date).write({"done_date": today})
        self.sudo().write({"state": "done"})
        return True

    def action_cancel(self):
        self._check_state(("planned", "in_progress"), "cancelled")
        self.sudo().write({"state": "cancelled"})
        return True

    def action_reset_to_planned(self):
        self._check_state(("done", "cancelled"), "planned")
        self.sudo().write({"state": "planned", "done_date": False})
        return True

    def action_open_feedback(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Feedback"),
            "res_model": "customer.feedback",
            "view_mode": "list,form",
            "domain": [("id", "in", self.feedback_ids.ids)],
        }

    @api.model
    def _action_create_from_feedback(self, feedback):
        """Open a new measure for these feedback records (the feedback list's action menu)."""
        self.check_access("create")
        if not feedback:
            raise UserError(self.env._("Select the feedback the measure answers."))
        if len(feedback) == 1:
            name = self.env._("Follow-up: %s", feedback.summary)
        else:
            categories = ", ".join(feedback.tag_ids.mapped("name")[:3])
            name = (
                self.env._("Follow-up of %(count)s feedback: %(categories)s",
                           count=len(feedback), categories=categories)
                if categories
                else self.env._("Follow-up of %s feedback", len(feedback))
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Improvement Measure"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_feedback_ids": [Command.set(feedback.ids)],
                "default_name": name,
                "default_company_id": feedback[0].company_id.id,
            },
        }
