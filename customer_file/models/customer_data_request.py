import base64
import io
import json
import re
from collections import defaultdict
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import email_normalize

from ..tools.access import check_group
from ..tools.job_fields import check_job_fields

PRIVACY_OFFICER = "customer_file.group_customer_file_privacy_officer"
REQUEST_STATES = [("new", "New"), ("in_progress", "In Progress"), ("done", "Done"),
                  ("rejected", "Rejected")]
# The states a request may come from, by the state a button moves it to.
REQUEST_TRANSITIONS = {
    "in_progress": ("new",),
    "done": ("new", "in_progress"),
    "rejected": ("new", "in_progress"),
    "new": ("rejected",),
}
OPEN_STATES = ("new", "in_progress")
JOB_FIELDS = {"state", "deadline", "done_date", "erasure_date", "overdue_activity_date"}
# Cell values a spreadsheet would take for a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class CustomerDataRequest(models.Model):
    """A customer's request to access, correct, erase or take away their personal data,
    with the deadline of the regulation it falls under (PIPL, GDPR)."""

    _name = "customer.data.request"
    _description = "Data-Subject Request"
    _inherit = ["customer.file.record", "mail.thread", "mail.activity.mixin"]
    _order = "deadline, id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    partner_id = fields.Many2one(tracking=True, ondelete="restrict")
    request_type = fields.Selection(
        [("access", "Access"), ("correction", "Correction"), ("erasure", "Erasure"),
         ("portability", "Portability")],
        string="Type", required=True, default="access", tracking=True,
    )
    regulation = fields.Selection(
        [("pipl", "PIPL (China)"), ("gdpr", "GDPR (EU)")], required=True, default="pipl",
        tracking=True,
    )
    received_date = fields.Date(
        string="Received", required=True, default=fields.Date.context_today, tracking=True
    )
    deadline = fields.Date(
        compute="_compute_deadline", store=True, readonly=True, tracking=True,
        help="The date of receipt plus the days to answer of the regulation, as set in the "
        "company's privacy settings.",
    )
    state = fields.Selection(
        REQUEST_STATES, required=True, default="new", readonly=True, tracking=True, index=True,
        help="Moved by the buttons of the request only.",
    )
    done_date = fields.Date(string="Answered", readonly=True, copy=False, tracking=True)
    erasure_date = fields.Datetime(string="Erased On", readonly=True, copy=False)
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")
    overdue_activity_date = fields.Date(
        readonly=True, copy=False,
        help="When the daily job scheduled the overdue activity; it schedules one per request.",
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True, index="btree_not_null",
        domain=lambda self: [("all_group_ids", "in", self.env.ref(PRIVACY_OFFICER).id)],
    )
    notes = fields.Html()
    # Binary fields stored as attachments of the request: ir.attachment checks the fields'
    # groups, so the user who filed the request cannot download what the export holds.
    export_json_file = fields.Binary(
        string="Export (JSON)", attachment=True, readonly=True, copy=False,
        groups=PRIVACY_OFFICER,
    )
    export_json_filename = fields.Char(readonly=True, copy=False, groups=PRIVACY_OFFICER)
    export_xlsx_file = fields.Binary(
        string="Export (XLSX)", attachment=True, readonly=True, copy=False,
        groups=PRIVACY_OFFICER,
    )
    export_xlsx_filename = fields.Char(readonly=True, copy=False, groups=PRIVACY_OFFICER)

    @api.depends("received_date", "regulation", "company_id")
    def _compute_deadline(self):
        Config = self.env["customer.privacy.config"]
        for request in self:
            if not request.received_date or not request.company_id:
                request.deadline = False
                continue
            config = Config._for_company(request.company_id)
            days = (config.gdpr_response_days if request.regulation == "gdpr"
                    else config.pipl_response_days)
            request.deadline = request.received_date + timedelta(days=days)

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for request in self:
            request.is_overdue = bool(request.state in OPEN_STATES and request.deadline
                                      and request.deadline < today)

    def _search_is_overdue(self, operator, value):
        if operator != "in":
            return NotImplemented
        overdue = Domain("state", "in", OPEN_STATES) & Domain(
            "deadline", "<", fields.Date.context_today(self)
        )
        return overdue if True in value else ~overdue

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        if not self.env.su:
            # A user files requests for the customers they may read, no others.
            partner_ids = [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
            self.env["res.partner"].browse(partner_ids).check_access("read")
        sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("customer.data.request") or "/"
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_answered(self):
        if any(request.state == "done" for request in self):
            raise UserError(self.env._(
                "An answered data-subject request is the evidence of the answer: it cannot be "
                "deleted."
            ))

    # Workflow

    def action_start(self):
        self._move_to("in_progress")

    def action_done(self):
        self._move_to("done")

    def action_reject(self):
        self._move_to("rejected")

    def action_reset(self):
        self._move_to("new")

    def _move_to(self, state):
        check_group(self.env, PRIVACY_OFFICER)
        self.check_access("write")
        labels = dict(REQUEST_STATES)
        for request in self:
            if request.state not in REQUEST_TRANSITIONS[state]:
                raise UserError(self.env._(
                    "%(request)s is %(current)s: it cannot be moved to %(state)s.",
                    request=request.name, current=labels[request.state], state=labels[state],
                ))
            values = {"state": state}
            if state == "done":
                values["done_date"] = fields.Date.context_today(request)
            elif state == "new":
                values["done_date"] = False
            request.sudo().write(values)

    # Overdue requests

    @api.model
    def _cron_schedule_overdue_activities(self):
        """Daily: one "to do" activity for each overdue open request, never a second one."""
        requests = self.sudo().search([
            ("is_overdue", "=", True), ("overdue_activity_date", "=", False),
        ])
        officers = self.env.ref(PRIVACY_OFFICER).sudo().all_user_ids.filtered(
            lambda user: not user.share and user.active and user.id != self.env.ref(
                "base.user_root").id
        ).sorted("id")
        today = fields.Date.context_today(self)
        for request in requests:
            user = request.user_id or officers.filtered(
                lambda officer, request=request: request.company_id in officer.company_ids
            )[:1]
            request.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                summary=self.env._("Overdue data-subject request"),
                note=self.env._(
                    "%(request)s of %(customer)s was due on %(deadline)s.",
                    request=request.name, customer=request.partner_id.display_name,
                    deadline=request.deadline,
                ),
                user_id=(user or self.env.user).id,
            )
        requests.write({"overdue_activity_date": today})

    # Export everything

    def action_export_subject_data(self):
        """Write a JSON and an XLSX file of all we hold on the customer to the request."""
        check_group(self.env, PRIVACY_OFFICER)
        self.check_access("write")
        for request in self:
            data = request._collect_subject_data()
            stem = re.sub(r"[^\w.-]+", "-", request.name)
            request.sudo().write({
                "export_json_file": base64.b64encode(
                    json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
                ),
                "export_json_filename": f"{stem}.json",
                "export_xlsx_file": base64.b64encode(self._subject_data_xlsx(data)),
                "export_xlsx_filename": f"{stem}.xlsx",
            })
            count = len(data["partners"]) + sum(
                len(block["records"]) for block in data["records"].values()
            ) + sum(len(rows) for rows in data["references"].values())
            self.env["customer.access.log"]._log(
                "subject_export", request.partner_id.commercial_partner_id,
                reason=request.name, partner=request.partner_id.commercial_partner_id,
                count=count,
            )
            request.message_post(body=self.env._(
                "Exported %(count)s records held on the customer.", count=count,
            ))
        return True

    def _collect_subject_data(self):
        """What we hold on the request's customer: the partner and its contacts, every
        record of a customer-file model that points to them, and what Odoo's privacy lookup
        finds by their names and e-mails elsewhere (references only)."""
        self.ensure_one()
        env = self.sudo().with_context(active_test=False).env
        commercial = self.partner_id.sudo().commercial_partner_id
        partners = env["res.partner"].search([("id", "child_of", commercial.id)])
        data = {
            "request": self.name,
            "regulation": self.regulation,
            "generated": fields.Datetime.now().isoformat(),
            "partners": partners.read(self._exportable_fields(partners)),
            "records": {},
            "references": {},
        }
        covered = defaultdict(set)
        covered["res.partner"] = set(partners.ids)
        for model_name, field_names in sorted(self._customer_file_partner_fields().items()):
            Model = env[model_name]
            domain = Domain.OR(Domain(name, "in", partners.ids) for name in field_names)
            records = Model.search(domain, order="id")
            if not records:
                continue
            covered[model_name] = set(records.ids)
            data["records"][model_name] = {
                "description": Model._description,
                "records": records.read(self._exportable_fields(records)),
            }
        for model_name, ids in self._privacy_lookup_references(partners).items():
            records = env[model_name].browse(sorted(set(ids) - covered[model_name])).exists()
            if records:
                data["references"][model_name] = [
                    {"id": record.id, "name": record.display_name} for record in records
                ]
        return data

    @api.model
    def _exportable_fields(self, records):
        return [
            name for name, field in records._fields.items()
            # Portal access tokens open the record to whoever holds the file: not exported.
            if field.store and field.type != "binary" and name != "access_token"
        ]

    @api.model
    def _customer_file_partner_fields(self):
        """{model: [field]} of the stored many-to-one fields to res.partner of the models
        that the customer_file addons define: models added later are covered too."""
        fields_ = self.env["ir.model.fields"].sudo().search([
            ("relation", "=", "res.partner"), ("ttype", "=", "many2one"), ("store", "=", True),
        ])
        by_model = defaultdict(list)
        for field in fields_:
            Model = self.env.get(field.model)
            if (Model is None or Model._transient or not Model._auto
                    or Model._name == "res.partner"
                    or not (Model._original_module or "").startswith("customer_file")
                    or field.name not in Model._fields):
                continue
            by_model[field.model].append(field.name)
        return by_model

    @api.model
    def _privacy_lookup_references(self, partners):
        """{model: [id]} of what Odoo's privacy lookup finds by the partners' names and
        e-mails (it needs both: partners without a valid e-mail are looked up by the
        references to them only, which the customer-file records already cover)."""
        references = defaultdict(list)
        Wizard = self.env["privacy.lookup.wizard"].sudo()
        self.env.flush_all()
        for partner in partners.filtered(lambda partner: email_normalize(partner.email or "")):
            wizard = Wizard.create({"name": partner.name or "", "email": partner.email})
            for row in self.env.execute_query_dict(wizard._get_query()):
                model = self.env["ir.model"].sudo().browse(row["res_model_id"]).model
                if model in self.env:
                    references[model].append(row["res_id"])
            wizard.unlink()
        return references

    @api.model
    def _subject_data_xlsx(self, data):
        """The export as a workbook: the partners, one sheet per model, then the references.
        Text is always written as text, so a value such as "=1+1" is never a formula."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        })
        bold = workbook.add_format({"bold": True})
        used_names = set()

        def sheet(title, header, rows):
            name = SHEET_NAME_FORBIDDEN.sub("_", title)[:31]
            base, suffix = name, 1
            while name.lower() in used_names:
                suffix += 1
                name = f"{base[:27]} ({suffix})"
            used_names.add(name.lower())
            worksheet = workbook.add_worksheet(name)
            worksheet.freeze_panes(1, 0)
            for col, title_ in enumerate(header):
                worksheet.write_string(0, col, title_, bold)
            for row_index, row in enumerate(rows, start=1):
                for col, key in enumerate(header):
                    self._xlsx_write(worksheet, row_index, col, row.get(key))

        partners = data["partners"]
        sheet("res.partner", list(partners[0]) if partners else ["id"], partners)
        for model_name, block in data["records"].items():
            rows = block["records"]
            sheet(model_name, list(rows[0]), rows)
        references = [
            {"model": model_name, **row}
            for model_name, rows in data["references"].items() for row in rows
        ]
        sheet("references", ["model", "id", "name"], references)
        workbook.close()
        return output.getvalue()

    @api.model
    def _xlsx_write(self, worksheet, row, col, value):
        if value is None or value is False:
            return
        if isinstance(value, bool):
            worksheet.write_boolean(row, col, value)
        elif isinstance(value, (int, float)):
            worksheet.write_number(row, col, value)
        elif isinstance(value, tuple) and len(value) == 2:
            # A many-to-one as read() gives it: (id, name).
            worksheet.write_string(row, col, str(value[1]))
        elif isinstance(value, (list, tuple)):
            worksheet.write_string(row, col, ", ".join(str(item) for item in value))
        else:
            # Always text: values starting with = + - @ stay text.
            worksheet.write_string(row, col, str(value))

    # Erasure

    def action_erase_subject_data(self):
        """Anonymize the customer of an erasure request in place (see _erase_partners)."""
        check_group(self.env, PRIVACY_OFFICER)
        self.check_access("write")
        for request in self:
            if request.request_type != "erasure":
                raise UserError(self.env._(
                    "%(request)s is not an erasure request: only erasure requests erase the "
                    "customer's data.", request=request.name,
                ))
            if request.state not in OPEN_STATES:
                raise UserError(self.env._(
                    "%(request)s is closed: reopen it before erasing.", request=request.name,
                ))
            commercial = request.partner_id.sudo().commercial_partner_id
            kept_active = self._erase_partners(commercial, reason=request.name)
            request.sudo().write({"erasure_date": fields.Datetime.now()})
            body = self.env._("The customer's personal data was erased.")
            if kept_active:
                body = self.env._(
                    "The customer's personal data was erased. The customer stays active: "
                    "open orders or unpaid invoices still refer to it."
                )
            request.message_post(body=body)
        return True

    @api.model
    def _erasure_plan(self):
        """{model: "unlink" | {field: value}}: what erasing a customer does to the records
        of each customer-file model that belong to them. Addons add their models."""
        erased = self.env._("Erased")
        return {
            "customer.contact.point": "unlink",
            "customer.preference": "unlink",
            "customer.interaction": {"summary": erased, "description": False},
            # Serial numbers are the company's records of its products: kept.
            "customer.owned.product": {"notes": False},
            "customer.service.record": {"fault_description": False, "outcome": False},
        }

    @api.model
    def _partner_erased_values(self):
        values = {
            "email": False, "phone": False, "street": False, "street2": False,
            "city": False, "zip": False, "vat": False, "comment": False, "website": False,
            "function": False, "image_1920": False, "birthdate": False,
            "identity_document_number": False, "income_band": False, "occupation": False,
            "gender": False, "preferred_contact_channel": False,
            "region_tag_ids": [fields.Command.clear()],
            "culture_tag_ids": [fields.Command.clear()],
        }
        Partner = self.env["res.partner"]
        return {name: value for name, value in values.items() if name in Partner._fields}

    @api.model
    def _erase_partners(self, commercial_partners, reason):
        """Anonymize these commercial partners and their contacts in place: personal fields
        blanked, their chatter and the messages they wrote deleted, their customer-file
        records deleted or blanked as ``_erasure_plan`` says. Purchases, orders and invoices
        stay (accounting needs them) and now point to the anonymized partner.

        A partner with open orders, unpaid invoices or an active user stays active; the
        others are archived. Returns the partners that stay active. Logged per customer.
        """
        if not self.env.su and not self.env.user.has_group(PRIVACY_OFFICER):
            raise AccessError(self.env._("Only Privacy Officers erase customers' data."))
        Partner = self.env["res.partner"].sudo().with_context(
            active_test=False, tracking_disable=True, mail_notrack=True,
        )
        partners = Partner.search([("id", "child_of", commercial_partners.ids)])
        if not partners:
            return Partner
        protected = partners.filtered(
            lambda partner: partner.user_ids.filtered(lambda user: not user.share)
        ) | partners & self.env["res.company"].sudo().with_context(
            active_test=False).search([]).partner_id
        if protected:
            raise UserError(self.env._(
                "%(partners)s belong to a company or an employee's user: they are not "
                "customers whose data can be erased.",
                partners=", ".join(protected.mapped("display_name")),
            ))
        partners.write(self._partner_erased_values())
        for partner in partners:
            partner.name = self.env._("Erased customer %(id)s", id=partner.id)
        partners.customer_file_erased_date = fields.Datetime.now()
        self.env["mail.message"].sudo().search(
            Domain("model", "=", "res.partner") & Domain("res_id", "in", partners.ids)
            | Domain("author_id", "in", partners.ids)
        ).unlink()
        for model_name, action in self._erasure_plan().items():
            if model_name not in self.env:
                continue
            records = self.env[model_name].sudo().with_context(
                active_test=False, tracking_disable=True, mail_notrack=True,
            ).search([("partner_id", "in", partners.ids)])
            if action == "unlink":
                records.unlink()
            else:
                records.write(action)
        kept_active = self._partners_kept_active(partners)
        (partners - kept_active).filtered("active").write({"active": False})
        for commercial in partners.commercial_partner_id:
            self.env["customer.access.log"]._log(
                "subject_erasure", partners.filtered(
                    lambda partner, commercial=commercial:
                    partner.commercial_partner_id == commercial
                ), reason=reason, partner=commercial,
            )
        return kept_active

    @api.model
    def _partners_kept_active(self, partners):
        """Partners that accounting or a user still needs active: open sale orders, unpaid
        posted invoices, an active user."""
        kept = partners.filtered(lambda partner: partner.user_ids.filtered("active"))
        if "sale.order" in self.env:
            kept |= self.env["sale.order"].sudo().search(
                Domain("partner_id", "in", partners.ids) & (
                    Domain("state", "in", ("draft", "sent"))
                    | Domain("state", "=", "sale") & Domain("invoice_status", "=", "to invoice")
                )
            ).partner_id
        if "account.move" in self.env:
            kept |= self.env["account.move"].sudo().search([
                ("partner_id", "in", partners.ids),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund", "in_invoice", "in_refund")),
                ("payment_state", "in", ("not_paid", "partial")),
            ]).partner_id
        return partners & (kept | kept.commercial_partner_id)
