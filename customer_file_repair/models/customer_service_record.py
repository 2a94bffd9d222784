from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext

# The service record's state for each repair order state: the repair order leads.
REPAIR_STATES = {
    "draft": "received",
    "confirmed": "received",
    "under_repair": "in_progress",
    "done": "done",
    "cancel": "cancelled",
}
BACKFILL_BATCH = 1000
# No chatter messages and no followers for the records a sync writes: the repair order has
# its own chatter, and a backfill of years of repairs must not send anything.
SYNC_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True,
                "mail_create_nosubscribe": True, "customer_file_repair_sync": True}


class CustomerServiceRecord(models.Model):
    _inherit = "customer.service.record"

    repair_id = fields.Many2one(
        "repair.order", string="Repair Order", index="btree_not_null", readonly=True,
        copy=False, ondelete="set null", groups="stock.group_stock_user",
        help="The repair order this record follows: its customer, state and product.",
    )
    repair_reference = fields.Char(
        related="repair_id.name", string="Repair Reference",
        groups="customer_file.group_customer_file_user",
    )

    _repair_unique = models.UniqueIndex(
        "(repair_id) WHERE repair_id IS NOT NULL",
        "A repair order has one service record only.",
    )

    def _move_to(self, state):
        if not self.env.context.get("customer_file_repair_sync"):
            linked = self.sudo().filtered("repair_id")
            if linked:
                raise UserError(self.env._(
                    "%(record)s follows repair order %(repair)s: change the state on the repair "
                    "order.", record=linked[0].name, repair=linked[0].repair_id.name,
                ))
        return super()._move_to(state)

    # ------------------------------------------------------------------------------------
    # Sync from repair orders (runs as superuser: repair users need no Customer File rights)
    # ------------------------------------------------------------------------------------
    def _sync_repairs(self, repairs):
        """Create or update the service record of each repair order that has a customer.

        A repair order without a customer has no record; one that loses its customer keeps
        the record it had (the service was done for that customer)."""
        records = self.sudo().with_context(**SYNC_CONTEXT)
        repairs = repairs.sudo().filtered("partner_id")
        if not repairs:
            return records.browse()
        existing = {record.repair_id.id: record
                    for record in records.search([("repair_id", "in", repairs.ids)])}
        owned = records._owned_products_of_repairs(repairs)
        vals_list = []
        for repair in repairs:
            values = records._values_from_repair(repair, owned.get(repair.id))
            record = existing.get(repair.id)
            if not record:
                vals_list.append(values | {
                    "repair_id": repair.id,
                    "method": "repair",
                    "fault_description": records._repair_fault(repair),
                    "received_date": records._repair_date(repair, repair.create_date),
                })
                continue
            if record.returned_date:
                values.pop("returned_date", None)
            changed = {name: value for name, value in values.items()
                       if records._field_differs(record, name, value)}
            if changed:
                record.write(changed)
        created = records.create(vals_list)
        return created | records.browse([record.id for record in existing.values()])

    def _values_from_repair(self, repair, owned):
        state = REPAIR_STATES.get(repair.state, "received")
        values = {
            "partner_id": repair.partner_id.id,
            "company_id": repair.company_id.id,
            "state": state,
            "technician_id": repair.user_id.id,
        }
        if owned:
            values["owned_product_id"] = owned.id
        if state == "done":
            received = self._repair_date(repair, repair.create_date)
            values["returned_date"] = max(received, self._repair_date(repair, repair.write_date))
        return values

    def _repair_fault(self, repair):
        """What the customer asked for (the sale order line), else the internal notes."""
        if repair.repair_request:
            return repair.repair_request
        if not repair.internal_notes:
            return False
        return html2plaintext(repair.internal_notes).strip() or False

    def _repair_date(self, repair, moment):
        return fields.Date.context_today(repair, moment or fields.Datetime.now())

    @staticmethod
    def _field_differs(record, name, value):
        current = record[name]
        if isinstance(current, models.BaseModel):
            current = current.id
        return (current or False) != (value or False)

    def _owned_products_of_repairs(self, repairs):
        """{repair id: owned product} for the repaired unit: the customer's owned product of
        that serial, else their only unit of that product in use. A serial the customer file
        does not know yet is registered for the repair's customer (they own it)."""
        Owned = self.env["customer.owned.product"].sudo().with_context(**SYNC_CONTEXT)
        repairs = repairs.filtered("product_id")
        if not repairs:
            return {}
        with_lot = repairs.filtered("lot_id")
        by_serial = {
            (owned.product_id.id, owned.company_id.id, owned.serial_number): owned
            for owned in Owned.search([
                ("product_id", "in", with_lot.product_id.ids),
                ("serial_number", "in", with_lot.lot_id.mapped("name")),
            ])
        }
        without_lot = repairs - with_lot
        by_product = {}
        for owned in Owned.search([
            ("product_id", "in", without_lot.product_id.ids),
            ("commercial_partner_id", "in", without_lot.partner_id.commercial_partner_id.ids),
            ("state", "=", "in_use"),
        ]):
            key = (owned.commercial_partner_id.id, owned.product_id.id, owned.company_id.id)
            by_product.setdefault(key, Owned.browse())
            by_product[key] |= owned
        result, to_register = {}, {}
        for repair in repairs:
            customer = repair.partner_id.commercial_partner_id
            if repair.lot_id:
                key = (repair.product_id.id, repair.company_id.id, repair.lot_id.name)
                owned = by_serial.get(key)
                if owned is None:
                    to_register.setdefault(key, []).append(repair)
                elif owned.commercial_partner_id == customer:
                    result[repair.id] = owned
                continue
            units = by_product.get((customer.id, repair.product_id.id, repair.company_id.id))
            if units and len(units) == 1:
                result[repair.id] = units
        if to_register:
            has_lot_field = "lot_id" in Owned._fields
            vals_list = []
            for (product_id, company_id, serial), repairs_of_unit in to_register.items():
                repair = repairs_of_unit[0]
                vals = {"partner_id": repair.partner_id.id, "company_id": company_id,
                        "product_id": product_id, "serial_number": serial,
                        "purchase_date": False}
                if has_lot_field:
                    vals["lot_id"] = repair.lot_id.id
                vals_list.append(vals)
            for owned, repairs_of_unit in zip(Owned.create(vals_list), to_register.values(),
                                              strict=True):
                customer = owned.commercial_partner_id
                for repair in repairs_of_unit:
                    if repair.partner_id.commercial_partner_id == customer:
                        result[repair.id] = owned
        return result

    def _backfill_repairs(self):
        """Every repair order with a customer and no service record gets one: in batches,
        and a second run finds nothing left to do."""
        self.env["repair.order"].flush_model(["partner_id"])
        self.flush_model(["repair_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT repair.id
              FROM repair_order repair
             WHERE repair.partner_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM customer_service_record record
                                WHERE record.repair_id = repair.id)
             ORDER BY repair.id
            """
        ))
        ids = [row[0] for row in rows]
        Repair = self.env["repair.order"].sudo()
        for start in range(0, len(ids), BACKFILL_BATCH):
            batch = Repair.browse(ids[start:start + BACKFILL_BATCH])
            self._sync_repairs(batch)
            self.env.flush_all()
            self.env.invalidate_all()
        return len(ids)
