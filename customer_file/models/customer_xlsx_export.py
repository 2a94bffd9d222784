import base64

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools import xlsx
from ..tools.access import check_group
from .res_partner import CUSTOMER_FLAG_FIELDS, MASKED_FIELDS, USER

# The web client hands an action at most this many selected ids (Odoo's default of the
# ``web.active_ids_limit`` parameter), with the list's domain when all its records are
# selected.
ACTIVE_IDS_LIMIT = 20000
# The customer list's columns, in order (res.partner fields; the addons add theirs after
# ``value_tier``). Only those the user may read are exported.
CUSTOMER_COLUMNS = (
    "customer_code", "name", "parent_id", "category_id", "region_tag_ids", "culture_tag_ids",
    "city", "state_id", "country_id", "phone", "email", "user_id", "value_tier",
    "acquisition_channel", "completeness", "first_purchase_date", "last_purchase_date",
    "purchase_order_count", "lifetime_spend", "spend_12m", "average_order_value",
    "last_review_date", "birthdate",
)
# The purchase totals, in the order customer.purchase.day._totals() gives them.
PURCHASE_TOTALS = (
    "first_purchase_date", "last_purchase_date", "purchase_order_count", "lifetime_spend",
    "spend_12m",
)
NO_PURCHASE = (False, False, 0, 0.0, 0.0)


class CustomerXlsxExport(models.TransientModel):
    """An XLSX export waiting for its download: readable by the user who made it only (a
    record rule), removed with the other transient records after an hour. The file is kept
    in the row, not in the filestore, so that no copy of the customers outlives it."""

    _name = "customer.xlsx.export"
    _description = "Customer File XLSX Export"

    name = fields.Char(string="File Name", required=True, readonly=True)
    content = fields.Binary(attachment=False, readonly=True)

    @api.model
    def _scope(self, records):
        """The records an export covers: the selection, or every record of the list's
        filter when the user selected them all (the web client then sends the list's
        domain with only the first ``web.active_ids_limit`` ids)."""
        domain = self.env.context.get("active_domain")
        limit = int(self.env["ir.config_parameter"].sudo().get_param(
            "web.active_ids_limit", ACTIVE_IDS_LIMIT))
        if domain is not None and len(records) >= limit:
            return records.search(Domain(domain))
        return records

    @api.model
    def _download(self, title, content):
        """The action that downloads ``content`` (the bytes of an .xlsx) as a file named
        after ``title`` and today's date."""
        today = fields.Date.context_today(self)
        export = self.create({
            "name": f"{title} {today}.xlsx", "content": base64.b64encode(content),
        })
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{export.id}/content?download=true",
            "target": "self",
        }

    # The customer list

    @api.model
    def _export_customers(self, partners):
        """The customers selected in the list (or all those of its filter) as an XLSX
        file: the server action "Export Customer File (XLSX)" of res.partner lists."""
        check_group(self.env, USER)
        content = self._customers_xlsx(self._scope(partners.with_env(self.env)))
        return self._download(self.env._("Customers"), content)

    @api.model
    def _customer_columns(self):
        """The res.partner fields the customer list exports, in order."""
        return list(CUSTOMER_COLUMNS)

    @api.model
    def _customers_xlsx(self, partners):
        """The .xlsx bytes of these partners' customer file, read with the user's rights:
        record rules decide who is in it, fields the user may not read are left out, phones
        and e-mails stay masked for users outside Sensitive Data. Logged as an export."""
        check_group(self.env, USER)
        self.env.flush_all()
        partners = partners.with_env(self.env)
        fnames = xlsx.readable_fields(partners, self._customer_columns())
        currency = self.env.company.currency_id.name
        columns = []
        for fname in fnames:
            column = xlsx.field_column(partners, fname)
            if column.kind == xlsx.MONEY:
                column = column._replace(label=f"{column.label} ({currency})")
            columns.append(column)
        # The purchase totals of a chunk come from the daily summary in one query, as their
        # compute reads them, without assigning six computed fields per customer (which
        # would take longer than the rest of the export).
        totals = {}

        def purchase_total(index):
            return lambda partner: totals.get(partner.id, NO_PURCHASE)[index]

        def average_order_value(partner):
            orders, spend = totals.get(partner.id, NO_PURCHASE)[2:4]
            return spend / orders if orders else 0.0

        reader = xlsx.RowReader(partners, fnames, getters={
            **{fname: purchase_total(index) for index, fname in enumerate(PURCHASE_TOTALS)},
            "average_order_value": average_order_value,
        })
        read_totals = any(fname in PURCHASE_TOTALS or fname == "average_order_value"
                          for fname in fnames)
        masked = [(index, MASKED_FIELDS[fname]) for index, fname in enumerate(fnames)
                  if fname in MASKED_FIELDS]
        masks = bool(masked) and partners._customer_file_masks()
        book = xlsx.XlsxWorkbook()
        sheet = book.add_sheet(self.env._("Customers"), columns, freeze_columns=2)
        customer_ids = []
        for chunk in reader.chunks(partners):
            if read_totals:
                totals = self.env["customer.purchase.day"]._totals(chunk.ids, self.env.company)
            # Customers (not other contacts) are masked, and logged as exported.
            chunk.fetch(CUSTOMER_FLAG_FIELDS)
            customers = chunk._customer_file_customer_ids()
            customer_ids.extend(customers)
            for partner, row in zip(chunk, reader.rows(chunk), strict=True):
                if masks and partner.id in customers:
                    for index, mask in masked:
                        row[index] = mask(row[index])
                sheet.write_row(row)
        content = book.close()
        if customer_ids and not self.env.su:
            self.env["customer.access.log"]._log(
                "export", partners.browse(customer_ids), fields_=fnames
            )
        return content
