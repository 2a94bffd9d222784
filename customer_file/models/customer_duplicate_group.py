from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.access import check_group

OFFICER = "customer_file.group_customer_file_officer"


class CustomerDuplicateGroup(models.Model):
    """Customers linked by open duplicate suspicions (customer.duplicate.suspect), directly
    or through one another: what one merge can bring together. Rebuilt by every
    detection."""

    _name = "customer.duplicate.group"
    _description = "Customer Duplicate Group"
    _order = "score desc, id"

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    suspect_ids = fields.One2many("customer.duplicate.suspect", "group_id", string="Pairs")
    partner_ids = fields.Many2many(
        "res.partner", "customer_duplicate_group_partner_rel", "group_id", "partner_id",
        string="Customers", readonly=True,
    )
    partner_count = fields.Integer(string="Customers in Group", readonly=True)
    score = fields.Integer(readonly=True, help="The highest score of the group's pairs.")
    reasons = fields.Char(compute="_compute_reasons")

    def _compute_reasons(self):
        for group in self:
            reasons = []
            for pair in group.suspect_ids.sorted("score", reverse=True):
                for reason in pair.reasons.split(", ") if pair.reasons else ():
                    if reason not in reasons:
                        reasons.append(reason)
            group.reasons = ", ".join(reasons)

    @api.model
    def _regroup(self):
        """Rebuild the groups from the open pairs: connected components by label
        propagation in SQL (each customer takes the lowest id it is linked to, until none
        changes; as many rounds as the longest chain, a handful in practice). Returns the
        number of open pairs."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DELETE FROM customer_duplicate_group")
        cr.execute(
            """
            CREATE TEMP TABLE customer_duplicate_label ON COMMIT DROP AS
            SELECT partner_id, MIN(label) AS label FROM (
                SELECT partner_a_id AS partner_id, partner_a_id AS label
                  FROM customer_duplicate_suspect WHERE state = 'open'
                UNION ALL
                SELECT partner_b_id, partner_a_id
                  FROM customer_duplicate_suspect WHERE state = 'open'
            ) edges GROUP BY partner_id
            """
        )
        cr.execute("CREATE UNIQUE INDEX ON customer_duplicate_label (partner_id)")
        while True:
            cr.execute(
                """
                UPDATE customer_duplicate_label target SET label = lowest.label
                  FROM (SELECT pair.partner_id, MIN(other.label) AS label
                          FROM (SELECT partner_a_id AS partner_id, partner_b_id AS other_id
                                  FROM customer_duplicate_suspect WHERE state = 'open'
                                UNION ALL
                                SELECT partner_b_id, partner_a_id
                                  FROM customer_duplicate_suspect WHERE state = 'open') pair
                          JOIN customer_duplicate_label other
                            ON other.partner_id = pair.other_id
                         GROUP BY pair.partner_id) lowest
                 WHERE lowest.partner_id = target.partner_id AND lowest.label < target.label
                """
            )
            if not cr.rowcount:
                break
        now = fields.Datetime.now()
        cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_duplicate_new_group ON COMMIT DROP AS
            WITH inserted AS (
                INSERT INTO customer_duplicate_group (name, company_id, partner_count, score,
                                                      create_uid, create_date, write_uid,
                                                      write_date)
                SELECT label::text, NULL, COUNT(*), 0, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM customer_duplicate_label GROUP BY label
                RETURNING id, name
            )
            SELECT id, name::int AS label FROM inserted
            """,
            uid=self.env.uid, now=now,
        ))
        cr.execute(
            """
            INSERT INTO customer_duplicate_group_partner_rel (group_id, partner_id)
            SELECT grp.id, label.partner_id
              FROM customer_duplicate_label label
              JOIN customer_duplicate_new_group grp ON grp.label = label.label;
            UPDATE customer_duplicate_suspect pair SET group_id = grp.id
              FROM customer_duplicate_label label
              JOIN customer_duplicate_new_group grp ON grp.label = label.label
             WHERE pair.state = 'open' AND label.partner_id = pair.partner_a_id;
            UPDATE customer_duplicate_group grp
               SET score = stats.score, company_id = stats.company_id,
                   name = first.name || CASE WHEN grp.partner_count > 2
                       THEN ' +' || (grp.partner_count - 1) ELSE ' / ' || second.name END
              FROM (SELECT group_id, MAX(score) AS score, MIN(company_id) AS company_id,
                           MIN(partner_a_id) AS first_id, MIN(partner_b_id) AS second_id
                      FROM customer_duplicate_suspect WHERE group_id IS NOT NULL
                     GROUP BY group_id) stats
              JOIN res_partner first ON first.id = stats.first_id
              JOIN res_partner second ON second.id = stats.second_id
             WHERE stats.group_id = grp.id;
            DROP TABLE customer_duplicate_label;
            DROP TABLE customer_duplicate_new_group;
            """
        )
        cr.execute("SELECT COUNT(*) FROM customer_duplicate_suspect WHERE state = 'open'")
        count = cr.fetchone()[0]
        self.invalidate_model()
        self.env["customer.duplicate.suspect"].invalidate_model(["group_id"])
        return count

    @api.model
    def action_detect_duplicates(self):
        """Run the detection now (the daily job does it too)."""
        check_group(self.env, OFFICER)
        count = self.env["customer.duplicate.suspect"].sudo()._detect()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%s pairs of customers are suspected duplicates.", count),
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_dismiss(self):
        """Not duplicates: every open pair of the group is dismissed for good."""
        check_group(self.env, OFFICER)
        self.check_access("write")
        return self.suspect_ids.action_dismiss()

    def action_merge(self):
        """Open Odoo's merge wizard on the group's customers (more than three allowed)."""
        check_group(self.env, OFFICER)
        self.ensure_one()
        self.check_access("read")
        partners = self.partner_ids.exists()
        if len(partners) < 2:
            raise UserError(self.env._(
                "This group no longer has two customers to merge: run the detection again."
            ))
        wizard = self.env["base.partner.merge.automatic.wizard"].with_context(
            active_model="res.partner", active_ids=partners.ids,
        ).create({"customer_duplicate_group_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge %s", self.name),
            "res_model": "base.partner.merge.automatic.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _action_open_with_count(self):
        """The Data Quality menu's entry: the groups, their number in the title."""
        check_group(self.env, OFFICER)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file.action_customer_duplicate_group"
        )
        action["name"] = self.env._("Duplicate Suspects (%s)", self.search_count([]))
        return action
