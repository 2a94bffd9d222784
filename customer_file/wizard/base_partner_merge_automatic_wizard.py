from odoo import models
from odoo.tools import SQL


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merged contacts bring their customer file to the destination.

        The wizard moves every row by its foreign keys, and fails on a row that would break
        a unique index once moved. So first: the merged contacts' primary contact points
        stay primary only for kinds the destination (then the lowest id) has none of, and
        their daily purchase rows are dropped. Once the lines are moved, what derives from
        them is rebuilt for every partner concerned: the commercial partner of every moved
        row, the totals and the daily summary.
        """
        merged = src_partners | dst_partner
        concerned = set(merged.ids) | set(merged.commercial_partner_id.ids)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            UPDATE customer_contact_point point
               SET is_primary = FALSE
              FROM (SELECT id, ROW_NUMBER() OVER (
                               PARTITION BY kind ORDER BY partner_id <> %(dst)s, partner_id, id
                           ) AS rank
                      FROM customer_contact_point
                     WHERE partner_id = ANY(%(merged)s) AND is_primary) ranked
             WHERE ranked.id = point.id AND ranked.rank > 1;
            DELETE FROM customer_purchase_day
             WHERE commercial_partner_id = ANY(%(src)s) OR partner_id = ANY(%(src)s);
            """,
            dst=dst_partner.id, merged=merged.ids, src=src_partners.ids,
        ))
        self.env["customer.contact.point"].invalidate_model(["is_primary"])
        result = super()._update_foreign_keys(src_partners, dst_partner)
        # The rows moved in SQL keep the commercial partner of their former contact: the ORM
        # recomputes it on everything that now belongs to the destination.
        dst_partner.modified(["commercial_partner_id"])
        self.env.flush_all()
        self.env["res.partner"]._recompute_purchase_history(concerned)
        return result

    def _update_values(self, src_partners, dst_partner):
        """What the jobs compute is rebuilt for the kept partner from the moved rows (see
        ``_update_foreign_keys``), never copied from a merged one."""
        Partner = self.env["res.partner"]
        copied = [name for name in Partner._job_fields()
                  if Partner._fields[name].store and not Partner._fields[name].compute
                  and Partner._fields[name].type not in ("one2many", "many2many")]
        src_partners.sudo().write(dict.fromkeys(copied, False))
        return super()._update_values(src_partners, dst_partner)
