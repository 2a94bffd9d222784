from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date, format_datetime

from ..tools import masking
from ..tools.access import check_group

USER = "customer_file.group_customer_file_user"
# The purchase chart's months, the current one last, and its height in pixels.
CHART_MONTHS = 24
CHART_HEIGHT = 110
# Owned products and service records printed per customer, the latest first.
ROW_LIMIT = 50
# Printed under "Identity and Demographics", in this order. Of a (plain, masked) pair, the
# plain field for those who may read it, the masked one for the others.
IDENTITY_FIELDS = (
    "customer_code", "parent_id", "user_id", "gender", "age_band",
    ("birthdate", "birthdate_masked"), "occupation", "income_band",
    ("identity_document_number", "identity_document_masked"), "acquisition_channel",
    "region_tag_ids", "culture_tag_ids", "category_id", "lang", "preferred_contact_channel",
    "contact_time_from", "contact_time_to", "completeness",
)
HOUR_FIELDS = ("contact_time_from", "contact_time_to")


class ReportCustomerFile(models.AbstractModel):
    """The Customer File PDF: one customer's profile per group of pages.

    Everything is in the page body (Debian's wkhtmltopdf, built without patched Qt, drops
    report headers and footers); every section is read for the whole selection at once.
    """

    _name = "report.customer_file.report_customer_file"
    _description = "Customer File PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        # The report action's groups only hide it from the Print menu; rendering checks here.
        check_group(self.env, USER)
        partners = self.env["res.partner"].browse(docids)
        partners.check_access("read")
        owned, owned_counts = self._latest_by_customer(
            "customer.owned.product", partners,
            SQL("rec.purchase_date DESC NULLS LAST, rec.id DESC"),
        )
        services, service_counts = self._latest_by_customer(
            "customer.service.record", partners, SQL("rec.received_date DESC, rec.id DESC"),
            Domain("state", "!=", "cancelled"),
        )
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": self.env.company,
            "print_date": format_datetime(self.env, fields.Datetime.now()),
            "identity": {partner.id: self._identity_rows(partner) for partner in partners},
            "addresses": {partner.id: ", ".join(
                line.strip() for line in partner._display_address(without_company=True).split("\n")
                if line.strip()
            ) for partner in partners},
            "contacts": self._contact_values(partners),
            "owned_products": owned,
            "owned_product_counts": owned_counts,
            "service_records": services,
            "service_record_counts": service_counts,
            "row_limit": ROW_LIMIT,
            "charts": self._purchase_charts(partners),
        }

    def _field_text(self, record, fname):
        """The value of ``fname`` on ``record`` as the form shows it, or '' when empty."""
        field = record._fields[fname]
        value = record[fname]
        if fname in HOUR_FIELDS:
            if not value:
                return ""
            hours, minutes = divmod(round(value * 60), 60)
            return f"{hours:02d}:{minutes:02d}"
        if fname == "completeness":
            return f"{value} %"
        if not value:
            return ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "many2one":
            return value.display_name
        if field.type == "many2many":
            return ", ".join(value.mapped("display_name"))
        if field.type == "date":
            return format_date(self.env, value)
        return str(value)

    def _identity_rows(self, partner):
        rows = []
        for entry in IDENTITY_FIELDS:
            fname = entry
            if isinstance(entry, tuple):
                plain, masked = entry
                readable = partner._has_field_access(partner._fields[plain], "read")
                fname = plain if readable else masked
            elif not partner._has_field_access(partner._fields[fname], "read"):
                continue  # the income band, for Sensitive Data only
            text = self._field_text(partner, fname)
            if text:
                rows.append((partner._fields[fname]._description_string(self.env), text))
        return rows

    def _contact_values(self, partners):
        """{partner id: {"main": [(label, value)], "points": [dict]}}: the phone and e-mail of
        the contact and its contact points, masked as every read path masks them for users
        outside Sensitive Data (customer_file/tools/masking.py)."""
        Partner = self.env["res.partner"]
        masks = Partner._customer_file_masks()
        customer_ids = partners._customer_file_customer_ids() if masks else set()
        Point = self.env["customer.contact.point"]
        points = Point.search([("partner_id", "in", partners.ids)])
        kinds = dict(Point._fields["kind"]._description_selection(self.env))
        networks = dict(Point._fields["social_network"]._description_selection(self.env))
        values = {}
        for partner in partners:
            main = []
            for fname, mask in (("phone", masking.mask_phone), ("email", masking.mask_email)):
                value = partner[fname]
                if value:
                    main.append((Partner._fields[fname]._description_string(self.env),
                                 mask(value) if partner.id in customer_ids else value))
            values[partner.id] = {"main": main, "points": []}
        for point in points:
            values[point.partner_id.id]["points"].append({
                "kind": kinds.get(point.kind, ""),
                "network": networks.get(point.social_network, "") if point.social_network else "",
                "value": point._masked(point.value) if masks else point.value,
                "primary": point.is_primary,
                "verified": point.verified,
                "opt_in": point.opt_in,
            })
        return values

    def _latest_by_customer(self, model_name, partners, order, domain=None):
        """({partner id: the latest ROW_LIMIT records of its organisation}, {partner id:
        how many there are}) for records of ``model_name`` the user may read, in one query
        for the whole selection."""
        Model = self.env[model_name]
        commercial = partners.commercial_partner_id
        query = Model._search(Domain("commercial_partner_id", "in", commercial.ids)
                              & Domain(domain or Domain.TRUE))
        Model.flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT id, commercial_partner_id, total FROM (
                SELECT rec.id, rec.commercial_partner_id,
                       COUNT(*) OVER (PARTITION BY rec.commercial_partner_id) AS total,
                       ROW_NUMBER() OVER (PARTITION BY rec.commercial_partner_id
                                          ORDER BY %(order)s) AS position
                  FROM %(table)s rec
                 WHERE rec.id IN (%(visible)s)
            ) ranked
             WHERE position <= %(limit)s
             ORDER BY commercial_partner_id, position
            """,
            order=order,
            table=SQL.identifier(Model._table),
            visible=query.subselect(),
            limit=ROW_LIMIT,
        ))
        ids_by_customer = defaultdict(list)
        totals = {}
        for record_id, customer_id, total in rows:
            ids_by_customer[customer_id].append(record_id)
            totals[customer_id] = total
        # The records of every customer share one prefetch: the template reads them in batches.
        every_id = [record_id for record_id, _customer, _total in rows]
        records = {
            partner.id: Model.browse(
                ids_by_customer.get(partner.commercial_partner_id.id, [])
            ).with_prefetch(every_id)
            for partner in partners
        }
        counts = {partner.id: totals.get(partner.commercial_partner_id.id, 0)
                  for partner in partners}
        return records, counts

    def _purchase_charts(self, partners):
        """{partner id: chart}: the net spend of each of the last CHART_MONTHS months in the
        current company, read from the daily summary in one grouped query per kind of
        partner. As in the partner totals, a commercial entity sums its whole organisation
        and a contact person within a company its own purchases."""
        company = self.env.company
        currency = company.currency_id
        today = company._customer_file_today()
        start = today.replace(day=1) - relativedelta(months=CHART_MONTHS - 1)
        months = [start + relativedelta(months=offset) for offset in range(CHART_MONTHS)]
        period = Domain([("company_id", "=", company.id), ("date", ">=", start),
                         ("date", "<=", today)])
        entities = partners.filtered(lambda partner: partner == partner.commercial_partner_id)
        spend = defaultdict(float)
        Day = self.env["customer.purchase.day"]
        for fname, owners in (("commercial_partner_id", entities),
                              ("partner_id", partners - entities)):
            if not owners:
                continue
            for owner, month, amount in Day._read_group(
                period & Domain(fname, "in", owners.ids), [fname, "date:month"], ["amount:sum"],
            ):
                spend[owner.id, month] += amount
        charts = {}
        for partner in partners:
            amounts = [spend.get((partner.id, month), 0.0) for month in months]
            highest = max(max(amounts), 0.0)
            lowest = max(-min(amounts), 0.0)
            scale = CHART_HEIGHT / (highest + lowest) if highest + lowest else 0.0
            charts[partner.id] = {
                "bars": [{
                    "month": f"{month.month:02d}",
                    "year": str(month.year) if month.month == 1 or index == 0 else "",
                    "up": round(max(amount, 0.0) * scale),
                    "down": round(max(-amount, 0.0) * scale),
                } for index, (month, amount) in enumerate(zip(months, amounts, strict=True))],
                "up_height": round(highest * scale),
                "down_height": round(lowest * scale),
                "total": format_amount(self.env, sum(amounts), currency),
                "peak": format_amount(self.env, highest, currency),
                "months": sum(1 for amount in amounts if amount),
                "empty": not any(amounts),
            }
        return charts
