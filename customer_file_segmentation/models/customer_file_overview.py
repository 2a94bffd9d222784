from collections import Counter

from odoo import api, models
from odoo.fields import Domain

from .customer_churn_warning import OPEN_STATES

WARNING_VIEWS = [[False, "list"], [False, "kanban"], [False, "form"]]


class CustomerFileOverview(models.AbstractModel):
    _inherit = "customer.file.overview"

    @api.model
    def _overview_customer_groupby(self):
        return [*super()._overview_customer_groupby(),
                "value_tier", "rfm_segment_id", "lifecycle_stage"]

    @api.model
    def _overview_sections(self, customer_groups):
        return [*super()._overview_sections(customer_groups),
                *self._overview_segment_sections(customer_groups),
                self._overview_churn_section()]

    @api.model
    def _overview_segment_sections(self, customer_groups):
        """Customers by value tier, by RFM segment and by lifecycle stage, from the page's
        grouped count of the customers the user sees."""
        Partner = self.env["res.partner"]
        customers = self._overview_customers_domain()
        tiers, segments, stages = Counter(), Counter(), Counter()
        for values, count in customer_groups:
            tiers[values["value_tier"]] += count
            segments[values["rfm_segment_id"]] += count
            stages[values["lifecycle_stage"]] += count
        views = self._overview_customer_views()

        def selection_items(fname, counts, empty_label):
            items = []
            labels = dict(Partner._fields[fname]._description_selection(self.env))
            for value, label in [*labels.items(), (False, empty_label)]:
                if counts.get(value):
                    items.append(self._overview_item(
                        f"{fname}_{value or 'none'}", label, counts[value], "res.partner",
                        customers & Domain(fname, "=", value), views=views,
                    ))
            return items

        segment_items = [
            self._overview_item(
                f"rfm_segment_{segment.id or 'none'}",
                segment.name if segment else self.env._("Not scored"), count, "res.partner",
                customers & Domain("rfm_segment_id", "=", segment.id), views=views,
                color=segment.color,
            )
            for segment, count in sorted(
                segments.items(),
                key=lambda pair: (not pair[0], pair[0].sequence, pair[0].id) if pair[0]
                else (True, 0, 0),
            )
        ]
        return [
            {"key": "value_tiers", "title": self.env._("Customers by value tier"),
             "sequence": 20, "kind": "cards",
             "items": selection_items("value_tier", tiers, self.env._("Not scored"))},
            {"key": "rfm_segments", "title": self.env._("Customers by RFM segment"),
             "sequence": 30, "kind": "cards", "items": segment_items,
             "link": {"label": self.env._("Open the RFM map"),
                      "action": "customer_file_segmentation.action_customer_rfm_map"}},
            {"key": "lifecycle_stages", "title": self.env._("Customers by lifecycle stage"),
             "sequence": 40, "kind": "cards",
             "items": selection_items("lifecycle_stage", stages, self.env._("No stage"))},
        ]

    @api.model
    def _overview_churn_section(self):
        """Open churn warnings, and the won-back rate of treated customers against the
        control group: won back out of all the cohort's warnings, as Win-back Results
        measures it."""
        Warning = self.env["customer.churn.warning"]
        by_cohort = {"treated": Counter(), "control": Counter()}
        for cohort, state, count in Warning._read_group([], ["cohort", "state"], ["__count"]):
            by_cohort[cohort][state] += count
        open_domain = Domain("state", "in", OPEN_STATES)
        severe_domain = open_domain & Domain("severity", "in", ("high", "critical"))
        items = [
            self._overview_item(
                "churn_open", self.env._("Open churn warnings"),
                sum(states[state] for states in by_cohort.values() for state in OPEN_STATES),
                "customer.churn.warning", open_domain, views=WARNING_VIEWS,
            ),
            self._overview_item(
                "churn_severe", self.env._("Open high or critical warnings"),
                Warning.search_count(severe_domain), "customer.churn.warning", severe_domain,
                views=WARNING_VIEWS,
            ),
        ]
        labels = {"treated": self.env._("Won-back rate, treated"),
                  "control": self.env._("Won-back rate, control group")}
        for cohort, states in by_cohort.items():
            total = sum(states.values())
            item = self._overview_item(
                f"won_back_{cohort}", labels[cohort],
                states["won_back"] / total if total else False, "customer.churn.warning",
                Domain("cohort", "=", cohort), views=WARNING_VIEWS, fmt="percent",
                action_name=self.env._("Churn warnings: %s", labels[cohort]),
            )
            item["detail"] = self.env._("%(won)s won back of %(total)s warnings",
                                        won=states["won_back"], total=total)
            item["total"] = total
            items.append(item)
        return {"key": "churn", "title": self.env._("Churn and win-back"), "sequence": 50,
                "kind": "cards", "items": items}
