from odoo import api, models
from odoo.fields import Domain

from ..tools.access import check_group

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"


class CustomerFileOverview(models.AbstractModel):
    """The Overview dashboard, the Customer File app's landing page, as data: sections of
    numbers, each with the window action that lists what it counts.

    Addons add their sections by extending ``_overview_sections``. Every number is counted
    through the ORM with the user's rights, so record rules apply: a salesperson sees the
    numbers of their own and their team's customers.
    """

    _name = "customer.file.overview"
    _description = "Customer File Overview"

    @api.model
    def get_overview(self):
        """The whole page in one call: ``{"sections": [...]}`` ordered by sequence. A
        section has a ``key``, a ``title``, a ``kind`` ("cards", or "trend" for a table of
        months) and its ``items`` (or ``rows`` of items); an item has a ``key``, a
        ``label``, a ``value``, a ``format`` ("integer", "percent", "decimal") and the
        ``action`` listing its records (``False`` when there is nothing to list)."""
        check_group(self.env, USER)
        sections = sorted(self._overview_sections(self._overview_customer_groups()),
                          key=lambda section: section["sequence"])
        return {"sections": sections}

    @api.model
    def _overview_customer_groupby(self):
        """The fields the customers are counted by, in the page's one grouped query over
        them (addons add theirs)."""
        return []

    @api.model
    def _overview_customer_groups(self):
        """[({field: value}, count)]: the customers the user sees, counted by the fields of
        ``_overview_customer_groupby`` in one query (one row, the total, without any)."""
        Partner = self.env["res.partner"]
        groupby = self._overview_customer_groupby()
        return [
            (dict(zip(groupby, row[:-1], strict=True)), row[-1])
            for row in Partner._read_group(
                self._overview_customers_domain() & self._overview_count_hint(),
                groupby, ["__count"])
        ]

    @api.model
    def _overview_customers_domain(self, kind=None):
        """The customers the page counts and lists (``kind``: those of a Data Quality
        list)."""
        Partner = self.env["res.partner"]
        return (Partner._data_quality_domain(kind) if kind
                else Partner._customer_file_customers_domain())

    @api.model
    def _overview_count_hint(self):
        """A condition added to the counts of customers, which keeps the same customers.

        When every rule that narrows the user's partners is one of
        ``_overview_rule_hints``, their conditions are stated again on the customer itself
        and on its commercial partner: the rules join every partner to its commercial
        partner with an OR that PostgreSQL answers by reading all of them (0.6 s a count at
        1,000,000 customers); stated on the customer, they let it start from an index (the
        salesperson's: 0.02-0.07 s). The lists opened keep the plain domain: the rules give
        them the same customers."""
        group_rules = self.env["ir.rule"]._get_rules("res.partner").sudo().filtered("groups")
        hints = self._overview_rule_hints()
        if not group_rules or any(rule not in hints for rule in group_rules):
            return Domain.TRUE
        return Domain.OR(hints[rule] for rule in group_rules)

    @api.model
    def _overview_rule_hints(self):
        """{rule on res.partner: its condition restated on the customer} for the rules
        ``_overview_count_hint`` knows (addons adding a rule on partners add theirs)."""
        # The rule's branches: the salespeople's customers, and the partners of internal
        # users (a few hundred at most, by their ids: a condition that may be null, such
        # as the partner share, would keep PostgreSQL from starting from the indexes).
        internal = self.env["res.users"].sudo().with_context(active_test=False).search(
            [("share", "=", False)]).partner_id.ids
        owned = Domain("user_id", "in", self.env.user.customer_file_owner_ids.ids)
        visible = Domain("id", "in", internal) | owned
        return {
            self.env.ref("customer_file.rule_res_partner_customer_user"):
                visible & Domain("commercial_partner_id", "any!", visible),
        }

    @api.model
    def _overview_sections(self, customer_groups):
        """The sections of the page; ``customer_groups`` is what
        ``_overview_customer_groups`` counted."""
        Partner = self.env["res.partner"]
        customers = self._overview_customers_domain()
        items = [
            self._overview_item("customers", self.env._("Customers"),
                                sum(count for _values, count in customer_groups),
                                "res.partner", customers, views=self._overview_customer_views()),
        ]
        hint = self._overview_count_hint()
        quality = [
            self._overview_item(
                "incomplete", self.env._("Incomplete customers"),
                Partner.search_count((domain := self._overview_customers_domain("incomplete"))
                                     & hint),
                "res.partner", domain, views=self._overview_customer_views(),
            ),
            self._overview_item(
                "overdue_reviews", self.env._("Customers due for review"),
                Partner.search_count((domain := self._overview_customers_domain("overdue"))
                                     & hint),
                "res.partner", domain, views=self._overview_customer_views(),
            ),
        ]
        if self.env.user.has_group(OFFICER):
            Group = self.env["customer.duplicate.group"]
            quality.append(self._overview_item(
                "duplicate_suspects", self.env._("Open duplicate suspects"),
                Group.search_count([]), "customer.duplicate.group", [],
            ))
        return [
            {"key": "customers", "title": self.env._("Customers"), "sequence": 10,
             "kind": "cards", "items": items},
            {"key": "data_quality", "title": self.env._("Data quality"), "sequence": 90,
             "kind": "cards", "items": quality},
        ]

    @api.model
    def _overview_customer_views(self):
        return [
            [self.env.ref("customer_file.res_partner_view_list_customer_file").id, "list"],
            [self.env.ref("customer_file.res_partner_view_kanban_customer_file").id, "kanban"],
            [False, "form"],
        ]

    @api.model
    def _overview_item(self, key, label, value, res_model, domain, views=None, fmt="integer",
                       color=False, action_name=None):
        """One number of the page and the list it opens: the records of ``res_model``
        matching ``domain`` (a list domain), which are what ``value`` counts, or, for a
        rate, what it is measured on."""
        context = {}
        if res_model == "res.partner":
            context = {"res_partner_search_mode": "customer", "customer_file_customer": True}
        return {
            "key": key,
            "label": label,
            "value": value,
            "format": fmt,
            "color": color,
            "action": {
                "type": "ir.actions.act_window",
                "name": action_name or label,
                "res_model": res_model,
                "domain": list(domain),
                "views": views or [[False, "list"], [False, "form"]],
                "context": context,
                "target": "current",
            },
        }
