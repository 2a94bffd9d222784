from odoo import api, fields, models
from odoo.tools import SQL

from .customer_rfm_config import LIFECYCLE_STAGES
from .customer_rfm_score import VALUE_TIERS


class CustomerRfmSnapshot(models.Model):
    """How many customers each segment, tier and lifecycle stage held after one run.

    One row per run and (segment, tier, stage) combination rather than per customer: the
    history of segment sizes stays small at a million customers, and each customer's last
    move is on their score (previous segment, tier and stage).
    """

    _name = "customer.rfm.snapshot"
    _description = "Customer Segment Snapshot"
    _order = "snapshot_date desc, id desc"
    _rec_name = "segment_id"

    run_id = fields.Many2one("customer.rfm.run", required=True, index=True, ondelete="cascade")
    run_mode = fields.Selection(related="run_id.mode")
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    snapshot_date = fields.Date(required=True)
    segment_id = fields.Many2one("customer.rfm.segment", ondelete="set null")
    value_tier = fields.Selection(VALUE_TIERS)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES)
    customer_count = fields.Integer(string="Customers")
    monetary = fields.Monetary(string="Revenue in Window", currency_field="currency_id")
    clv_12m = fields.Monetary(string="CLV (12 months)", currency_field="currency_id")

    @api.model
    def _store_snapshot(self, config, run, previous_run, every_customer):
        """Count the company's customers per segment, tier and stage after this run.

        A run that evaluated every customer counts what it scored (the company's rows are
        exactly those now); an incremental run adds its changes to the previous run's
        snapshot (from ``customer_rfm_new``, see ``customer.rfm.score._store_scores``), so
        it stays as cheap as the handful of customers it rescored.
        """
        previous = self.sudo().search_count(
            [("run_id", "=", previous_run.id)], limit=1
        ) if previous_run and not every_customer else 0
        if previous:
            counted = SQL(
                """
                SELECT segment_id, value_tier, lifecycle_stage, customer_count,
                       monetary, clv_12m
                  FROM customer_rfm_snapshot WHERE run_id = %(previous)s
                 UNION ALL
                SELECT old_segment_id, old_value_tier, old_lifecycle_stage, -1,
                       -old_monetary, -old_clv_12m
                  FROM customer_rfm_new WHERE score_id IS NOT NULL
                 UNION ALL
                SELECT segment_id, value_tier, lifecycle_stage, 1, monetary, clv_12m
                  FROM customer_rfm_new
                """,
                previous=previous_run.id,
            )
        elif every_customer:
            counted = SQL(
                "SELECT segment_id, tier, lifecycle_stage, 1, monetary, clv"
                "  FROM customer_rfm_scored"
            )
        else:
            counted = SQL(
                "SELECT segment_id, value_tier, lifecycle_stage, 1, monetary, clv_12m"
                "  FROM customer_rfm_score WHERE company_id = %s",
                config.company_id.id,
            )
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_snapshot (
                run_id, company_id, snapshot_date, segment_id, value_tier, lifecycle_stage,
                customer_count, monetary, clv_12m, create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(date)s, segment_id, value_tier, lifecycle_stage,
                   SUM(customers), SUM(monetary), ROUND(SUM(clv_12m)::numeric, 2),
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM (%(counted)s) counted(segment_id, value_tier, lifecycle_stage, customers,
                                         monetary, clv_12m)
             GROUP BY segment_id, value_tier, lifecycle_stage
            HAVING SUM(customers) > 0
            """,
            run=run.id, company=config.company_id.id, date=run.run_date, uid=self.env.uid,
            counted=counted,
        ))
