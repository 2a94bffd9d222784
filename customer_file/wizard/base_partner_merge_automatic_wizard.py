from odoo import fields, models
from odoo.tools import SQL

# Odoo merges at most this many contacts at once; a duplicate group merges in steps of it.
CORE_MERGE_LIMIT = 3


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    customer_duplicate_group_id = fields.Many2one(
        "customer.duplicate.group", string="Duplicate Group", readonly=True,
        help="Opened from this group of duplicate suspects: all its customers may be merged "
        "at once.",
    )

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Odoo refuses more than three contacts at once. The customers of a duplicate group
        (and only they) merge in successive steps of at most three into the same
        destination, each step with Odoo's own checks."""
        group = self.customer_duplicate_group_id.sudo()
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if not group or len(partners) <= CORE_MERGE_LIMIT or not partners <= group.partner_ids:
            result = super()._merge(partner_ids, dst_partner=dst_partner,
                                    extra_checks=extra_checks)
        else:
            if not dst_partner or dst_partner not in partners:
                dst_partner = self._get_ordered_partner(partners.ids)[-1]
            sources = list(partners - dst_partner)
            step = CORE_MERGE_LIMIT - 1
            result = None
            for start in range(0, len(sources), step):
                chunk = self.env["res.partner"].concat(*sources[start:start + step])
                result = super()._merge((chunk | dst_partner).ids, dst_partner=dst_partner,
                                        extra_checks=extra_checks)
        if group:
            # The merged customers' pairs are gone: the group's remaining pairs regroup.
            self.env["customer.duplicate.group"].sudo()._regroup()
        return result

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
        self._merge_data_quality(src_partners, dst_partner)
        result = super()._update_foreign_keys(src_partners, dst_partner)
        # The rows moved in SQL keep the commercial partner of their former contact: the ORM
        # recomputes it on everything that now belongs to the destination.
        dst_partner.modified(["commercial_partner_id"])
        self.env.flush_all()
        self.env["res.partner"]._recompute_purchase_history(concerned)
        return result

    def _merge_data_quality(self, src_partners, dst_partner):
        """Suspicions between the merged customers are settled; a merged customer's
        "Not a duplicate" with an outsider now holds for the kept customer; its open
        suspicions with outsiders go (the next detection finds the kept one's). Their
        completeness goes too (the kept customer's is measured again once merged)."""
        merged = (src_partners | dst_partner).ids
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_duplicate_suspect (
                partner_a_id, partner_b_id, company_id, score, same_phone, same_email,
                same_vat, name_similarity, address_similarity, state, dismissed_by_id,
                dismissed_date, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (LEAST(%(dst)s, other), GREATEST(%(dst)s, other))
                   LEAST(%(dst)s, other), GREATEST(%(dst)s, other), company_id, score,
                   same_phone, same_email, same_vat, name_similarity, address_similarity,
                   'dismissed', dismissed_by_id, dismissed_date, create_uid, create_date,
                   write_uid, write_date
              FROM (SELECT *, CASE WHEN partner_a_id = ANY(%(src)s) THEN partner_b_id
                                   ELSE partner_a_id END AS other
                      FROM customer_duplicate_suspect
                     WHERE state = 'dismissed'
                       AND (partner_a_id = ANY(%(src)s) OR partner_b_id = ANY(%(src)s))) moved
             WHERE other <> ALL(%(merged)s)
            ON CONFLICT (partner_a_id, partner_b_id) DO UPDATE
               SET state = 'dismissed', dismissed_by_id = EXCLUDED.dismissed_by_id,
                   dismissed_date = EXCLUDED.dismissed_date, group_id = NULL;
            DELETE FROM customer_duplicate_suspect
             WHERE partner_a_id = ANY(%(src)s) OR partner_b_id = ANY(%(src)s)
                OR (partner_a_id = ANY(%(merged)s) AND partner_b_id = ANY(%(merged)s));
            DELETE FROM customer_duplicate_group_partner_rel WHERE partner_id = ANY(%(src)s);
            DELETE FROM customer_completeness WHERE partner_id = ANY(%(src)s);
            """,
            dst=dst_partner.id, src=src_partners.ids, merged=merged,
        ))
        self.env["customer.duplicate.suspect"].invalidate_model()
        self.env["customer.duplicate.group"].invalidate_model()

    def _update_values(self, src_partners, dst_partner):
        """What the jobs compute is rebuilt for the kept partner from the moved rows (see
        ``_update_foreign_keys``), never copied from a merged one."""
        Partner = self.env["res.partner"]
        copied = [name for name in Partner._job_fields()
                  if Partner._fields[name].store and not Partner._fields[name].compute
                  and Partner._fields[name].type not in ("one2many", "many2many")]
        src_partners.sudo().write(dict.fromkeys(copied, False))
        result = super()._update_values(src_partners, dst_partner)
        # The kept customer may have taken fields the merged ones had: measure it again.
        Partner._recompute_completeness(dst_partner.ids)
        return result
