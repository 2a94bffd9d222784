from datetime import datetime, time
from itertools import pairwise

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.misc import format_date

from .customer_feedback import OPEN_STATES

FEEDBACK_VIEWS = [[False, "list"], [False, "kanban"], [False, "form"]]
TREND_MONTHS = 12


class CustomerFileOverview(models.AbstractModel):
    _inherit = "customer.file.overview"

    @api.model
    def _overview_sections(self, customer_groups):
        return super()._overview_sections(customer_groups) + [
            self._overview_satisfaction_section(),
            self._overview_complaint_section(),
        ]

    @api.model
    def _overview_satisfaction_section(self):
        """NPS and average CSAT of each of the last twelve months (the current one
        included), as the Satisfaction analysis measures them; a month opens the feedback
        that scored it."""
        # Months as _read_group cuts them: in the timezone of the context, else UTC.
        tz_name = self.env.context.get("tz")
        tz = pytz.timezone(tz_name) if tz_name in pytz.all_timezones_set else pytz.utc
        first = datetime.now(tz).date().replace(day=1) - relativedelta(months=TREND_MONTHS - 1)
        months = [first + relativedelta(months=index) for index in range(TREND_MONTHS + 1)]

        def utc(day):
            start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc)
            return fields.Datetime.to_string(start.replace(tzinfo=None))

        measures = {}
        for month, nps, nps_count, csat, csat_count in self.env[
            "customer.feedback.report"
        ]._read_group(
            [("feedback_date", ">=", utc(first))], ["feedback_date:month"],
            ["nps:avg", "nps_respondent:sum", "csat:avg", "csat_respondent:sum"],
        ):
            month = month.date() if isinstance(month, datetime) else month
            measures[month] = {"nps": (nps, nps_count), "csat": (csat, csat_count)}

        rows = []
        for key, label, score_field in (("nps", self.env._("NPS"), "nps_score"),
                                        ("csat", self.env._("CSAT (1-5)"), "csat_score")):
            items = []
            for start, end in pairwise(months):
                value, count = measures.get(start, {}).get(key, (None, 0))
                column = format_date(self.env, start, date_format="MMM y")
                item = self._overview_item(
                    f"{key}_{start:%Y_%m}", label, value if count else False,
                    "customer.feedback",
                    Domain("feedback_date", ">=", utc(start))
                    & Domain("feedback_date", "<", utc(end)) & Domain(score_field, "!=", False),
                    views=FEEDBACK_VIEWS, fmt="decimal",
                    action_name=self.env._("%(score)s responses of %(month)s", score=label,
                                           month=column),
                )
                item["detail"] = self.env._("%s responses", count)
                item["total"] = count
                items.append(item)
            rows.append({"key": key, "label": label, "items": items})
        return {
            "key": "satisfaction", "title": self.env._("Satisfaction, last 12 months"),
            "sequence": 60, "kind": "trend",
            "columns": [format_date(self.env, start, date_format="MMM y")
                        for start in months[:-1]],
            "rows": rows,
            "help": self.env._("NPS: % promoters (9-10) - % detractors (0-6), from -100 to "
                               "100. CSAT: the average score, 1 to 5."),
        }

    @api.model
    def _overview_complaint_section(self):
        Feedback = self.env["customer.feedback"]
        complaints = Domain("feedback_type", "=", "complaint")
        open_complaints = complaints & Domain("state", "in", OPEN_STATES)
        overdue = complaints & Domain("is_overdue", "=", True)
        return {
            "key": "complaints", "title": self.env._("Complaints"), "sequence": 70,
            "kind": "cards",
            "items": [
                self._overview_item("complaints_overdue", self.env._("Overdue complaints"),
                                    Feedback.search_count(overdue), "customer.feedback",
                                    overdue, views=FEEDBACK_VIEWS),
                self._overview_item("complaints_open", self.env._("Open complaints"),
                                    Feedback.search_count(open_complaints),
                                    "customer.feedback", open_complaints, views=FEEDBACK_VIEWS),
            ],
        }
