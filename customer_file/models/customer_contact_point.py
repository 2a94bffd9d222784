from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import masking

# Handles on these networks are case-sensitive; the others are compared in lower case.
CASE_SENSITIVE_NETWORKS = {"wechat", "other"}
# Read masked by users outside Sensitive Data, and never searched by pattern nor grouped by them.
MASKED_FIELDS = ("value", "value_normalized")
MASKS = {"phone": masking.mask_phone, "email": masking.mask_email,
         "social": masking.mask_handle}
EXACT_OPERATORS = {"=", "!=", "in", "not in"}


class CustomerContactPoint(models.Model):
    """A phone number, email address or social media account of a customer.

    Values are normalized (E.164 phones, lower-case emails, bare handles) so the same value on
    two customers is recognised as a possible duplicate.
    """

    _name = "customer.contact.point"
    _description = "Customer Contact Point"
    _inherit = ["customer.file.record"]
    _order = "partner_id, kind, is_primary desc, id"
    _rec_name = "value"

    kind = fields.Selection(
        [("phone", "Phone"), ("email", "Email"), ("social", "Social Media")],
        required=True, default="phone",
    )
    social_network = fields.Selection(
        [("wechat", "WeChat"), ("weibo", "Weibo"), ("douyin", "Douyin"),
         ("whatsapp", "WhatsApp"), ("linkedin", "LinkedIn"), ("facebook", "Facebook"),
         ("instagram", "Instagram"), ("x", "X"), ("line", "LINE"), ("telegram", "Telegram"),
         ("other", "Other")],
    )
    value = fields.Char(required=True, help="As entered.")
    value_normalized = fields.Char(
        string="Normalized Value", compute="_compute_value_normalized", store=True, index=True
    )
    is_primary = fields.Boolean(string="Primary")
    verified = fields.Boolean()
    verified_date = fields.Date(
        compute="_compute_verified_date", store=True, readonly=False, precompute=True
    )
    opt_in = fields.Boolean(
        string="Opt-in",
        help="The customer agreed to receive marketing on this address or number. Ticking or "
        "unticking it records a grant or a withdrawal in the consent log, and the consent "
        "log ticks and unticks it (an unsubscribe link, a blacklisting).",
    )
    opt_in_date = fields.Date(
        string="Opt-in Date", compute="_compute_opt_in_date", store=True, readonly=False,
        precompute=True,
    )
    note = fields.Char()
    duplicate_count = fields.Integer(
        compute="_compute_duplicate_count",
        search="_search_duplicate_count",
        help="Number of other customers with the same value.",
    )

    _one_primary_per_kind = models.UniqueIndex(
        "(partner_id, kind) WHERE is_primary",
        "A customer has one primary contact point of each kind.",
    )

    @api.depends("kind", "value", "social_network", "partner_id.country_id")
    def _compute_value_normalized(self):
        for point in self:
            point.value_normalized = point._normalize(point.value) if point.value else False

    @api.constrains("kind", "value", "social_network")
    def _check_value(self):
        # Normalizing refuses invalid values: do it now, not at the next flush.
        self.mapped("value_normalized")

    def _normalize(self, value):
        self.ensure_one()
        value = value.strip()
        if self.kind == "email":
            normalized = email_normalize(value)
            if not normalized or "," in value:
                raise ValidationError(self.env._(
                    "%(value)s is not a valid email address: write one address such as "
                    "name@example.com.", value=value,
                ))
            return normalized
        if self.kind == "phone":
            country = self.partner_id.country_id or self.env.company.country_id
            if not country and not value.startswith("+"):
                raise ValidationError(self.env._(
                    "Cannot tell the country of %(value)s: start it with + and the country "
                    "code, or set the customer's country.", value=value,
                ))
            try:
                return phone_validation.phone_format(
                    value, country.code, country.phone_code, force_format="E164"
                )
            except UserError as error:
                raise ValidationError(self.env._(
                    "%(value)s is not a valid phone number for %(country)s. Write it as the "
                    "customer dials it, or in international form such as +86 138 0013 8000.",
                    value=value, country=country.name or self.env._("its country"),
                )) from error
        if not self.social_network:
            raise ValidationError(self.env._(
                "Choose the social network of the account %(value)s.", value=value
            ))
        handle = value.lstrip("@").strip()
        if not handle or any(char.isspace() for char in handle):
            raise ValidationError(self.env._(
                "%(value)s is not a valid account name: write the handle without spaces.",
                value=value,
            ))
        return handle if self.social_network in CASE_SENSITIVE_NETWORKS else handle.lower()

    @api.depends("verified")
    def _compute_verified_date(self):
        for point in self:
            if not point.verified:
                point.verified_date = False
            elif not point.verified_date:
                point.verified_date = fields.Date.context_today(point)

    @api.depends("opt_in")
    def _compute_opt_in_date(self):
        for point in self:
            if not point.opt_in:
                point.opt_in_date = False
            elif not point.opt_in_date:
                point.opt_in_date = fields.Date.context_today(point)

    def _duplicate_groups_query(self):
        """(company, kind, value_normalized) of the values that more than one customer of the
        same company uses, among the contact points the user may read: a customer the user
        may not see never shows through a shared value."""
        visible = self._search([("value_normalized", "!=", False)])
        return SQL(
            """
            SELECT company_id, kind, value_normalized
              FROM customer_contact_point
             WHERE id IN %s
             GROUP BY company_id, kind, value_normalized
            HAVING COUNT(DISTINCT commercial_partner_id) > 1
            """,
            visible.subselect(),
        )

    def _compute_duplicate_count(self):
        values = list({value for value in self.mapped("value_normalized") if value})
        # Among the points the user may read; grouped as superuser, as the values are not
        # shown, only counted (users outside Sensitive Data may not group by them).
        visible = self._search([("value_normalized", "in", values)])
        counts = {
            (company, kind, value): count
            for company, kind, value, count in self.sudo()._read_group(
                [("id", "in", visible)],
                ["company_id", "kind", "value_normalized"],
                ["commercial_partner_id:count_distinct"],
            )
        }
        for point in self:
            total = counts.get((point.company_id, point.kind, point.value_normalized), 1)
            point.duplicate_count = total - 1

    def _search_duplicate_count(self, operator, value):
        if operator not in (">", ">=") or value not in (0, 1):
            return NotImplemented
        return [("id", "in", SQL(
            "SELECT point.id FROM customer_contact_point point"
            " JOIN (%s) duplicate USING (company_id, kind, value_normalized)",
            self._duplicate_groups_query(),
        ))]

    @api.model_create_multi
    def create(self, vals_list):
        self._unset_primaries({
            (vals.get("partner_id"), vals.get("kind", "phone"))
            for vals in vals_list if vals.get("is_primary")
        })
        points = super().create(vals_list)
        points.filtered("opt_in")._record_opt_in_events()
        return points

    def write(self, vals):
        masking.check_not_masked(self.env, self, [vals], ("value",))
        if vals.get("is_primary"):
            pairs = {(point.partner_id.id, vals.get("kind", point.kind)) for point in self}
            self._unset_primaries(pairs, keep=self)
        changed = self.browse()
        if "opt_in" in vals:
            changed = self.filtered(lambda point: point.opt_in != bool(vals["opt_in"]))
        result = super().write(vals)
        changed._record_opt_in_events()
        return result

    def _consent_channel(self):
        self.ensure_one()
        if self.kind == "social":
            return "wechat" if self.social_network == "wechat" else False
        return self.kind

    def _record_opt_in_events(self):
        """Ticking or unticking the opt-in grants or withdraws marketing on the point's
        channel in the consent log (source: the context's ``customer_consent_source``, else
        a form), unless the consent log itself is changing the opt-in."""
        if self.env.context.get("customer_consent_from_event"):
            return
        points = self.filtered(lambda point: point._consent_channel())
        if not points:
            return
        purpose = self.env["customer.consent.event"]._purpose("marketing")
        source = self.env.context.get("customer_consent_source", "form")
        self.env["customer.consent.event"].sudo().with_context(
            customer_consent_from_point=True
        ).create([{
            "partner_id": point.partner_id.id,
            "company_id": point.company_id.id or self.env.company.id,
            "purpose_id": purpose.id,
            "channel": point._consent_channel(),
            "action": "granted" if point.opt_in else "withdrawn",
            "source": source,
            "contact_value": point.value_normalized,
            "note": self.env._("Opt-in of the contact point %(value)s", value=point.value),
        } for point in points])

    def _unset_primaries(self, pairs, keep=None):
        """A new primary replaces the current one of the same customer and kind."""
        if not pairs:
            return
        current = self.search([
            ("partner_id", "in", [partner_id for partner_id, _kind in pairs]),
            ("is_primary", "=", True),
        ])
        replaced = current.filtered(
            lambda point: (point.partner_id.id, point.kind) in pairs and point not in (keep or [])
        )
        replaced.write({"is_primary": False})
        # Before the new primary is written, or the unique index would see two.
        replaced.flush_recordset(["is_primary"])

    def action_open_duplicates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers sharing %s", self.display_name),
            "res_model": "customer.contact.point",
            "view_mode": "list,form",
            "domain": [("kind", "=", self.kind), ("value_normalized", "=", self.value_normalized)],
        }

    # Masking for users outside Sensitive Data (customer_file/tools/masking.py).

    @api.model
    def _customer_file_masks(self):
        return self.env["res.partner"]._customer_file_masks()

    def _masked(self, value):
        """``value`` (this point's value or normalized value) as masked for its kind."""
        return MASKS.get(self.sudo().kind, masking.mask_handle)(value) if value else value

    def _fetch_query(self, query, fields):
        # The kind, which chooses the mask, comes in the same query as the values.
        if self._customer_file_masks() and any(field.name in MASKED_FIELDS for field in fields):
            kind = self._fields["kind"]
            if kind not in fields:
                fields = [*fields, kind]
        return super()._fetch_query(query, fields)

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        masked = [fname for fname in fnames if fname in (*MASKED_FIELDS, "display_name")]
        if masked and self._customer_file_masks():
            for row in result:
                point = self.browse(row["id"])
                for fname in masked:
                    if fname == "display_name":
                        continue  # masked by _compute_display_name
                    row[fname] = point._masked(row[fname])
        return result

    @api.depends("value", "kind")
    @api.depends_context("uid")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        if self._customer_file_masks():
            for point in self:
                point.display_name = point._masked(point.display_name)
        return result

    def onchange(self, values, field_names, fields_spec):
        # A form recomputes the normalized value from the stored one (when the kind or the
        # customer's country changes): it comes back masked too.
        result = super().onchange(values, field_names, fields_spec)
        changed = result.get("value", {})
        if self._customer_file_masks():
            mask = MASKS.get(changed.get("kind") or values.get("kind"), masking.mask_handle)
            for fname in MASKED_FIELDS:
                if isinstance(changed.get(fname), str):
                    changed[fname] = mask(changed[fname])
        return result

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        masked = [index for index, path in enumerate(fields)
                  if len(path) == 1 and path[0] in MASKED_FIELDS]
        if not masked or not self._customer_file_masks():
            return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        lines = super()._export_rows([*fields, [".id"]], _is_toplevel_call=_is_toplevel_call)
        for line in lines:
            record_id = line.pop()
            if record_id:
                point = self.browse(int(record_id))
                for index in masked:
                    line[index] = point._masked(line[index])
        return lines

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # As on customers: no sort that tells how two masked values compare.
        if field_name in MASKED_FIELDS and self._customer_file_masks():
            return SQL()
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _search(self, domain, *args, **kwargs):
        if self._customer_file_masks():
            for condition in Domain(domain).iter_conditions():
                if condition.field_expr in MASKED_FIELDS and not (
                    condition.operator in EXACT_OPERATORS
                    or condition.operator in ("=ilike", "=like")
                    and isinstance(condition.value, str) and "%" not in condition.value
                ):
                    raise AccessError(self.env._(
                        "Searching contact points by a part of their value is for members "
                        "of Sensitive Data: search by the customer, or by the whole value."
                    ))
        return super()._search(domain, *args, **kwargs)

    def _read_group_groupby(self, alias, groupby_spec, query):
        self._check_group_field(groupby_spec)
        return super()._read_group_groupby(alias, groupby_spec, query)

    def _read_group_select(self, aggregate_spec, query):
        if not aggregate_spec.endswith((":count", ":count_distinct")):
            self._check_group_field(aggregate_spec)
        return super()._read_group_select(aggregate_spec, query)

    def _check_group_field(self, spec):
        if spec.split(":")[0] in MASKED_FIELDS and self._customer_file_masks():
            raise AccessError(self.env._(
                "Grouping contact points by their value would show it unmasked: only members "
                "of Sensitive Data may do it."
            ))

    def action_reveal(self):
        """Open the Reveal wizard on this contact point's value."""
        self.ensure_one()
        return self.env["customer.file.reveal.wizard"]._action_open(self, "value")

    @api.model
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        # Core computes the names (the values) as superuser: mask them.
        result = super().name_search(name, domain=domain, operator=operator, limit=limit)
        if not self._customer_file_masks():
            return result
        return [(point_id, self.browse(point_id)._masked(display_name))
                for point_id, display_name in result]
