from odoo import fields, models
from odoo.tools import SQL

BACKFILL_BATCH = 5000
# No chatter messages and no followers for what a sync writes: a backfill of years of
# deliveries must not send anything.
SYNC_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True,
                "mail_create_nosubscribe": True}


class CustomerOwnedProduct(models.Model):
    _inherit = "customer.owned.product"

    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", index="btree_not_null", readonly=True,
        copy=False, ondelete="set null", groups="stock.group_stock_user",
        help="The delivered serial number this unit is: its deliveries and returns move it.",
    )

    _lot_unique = models.UniqueIndex(
        "(lot_id) WHERE lot_id IS NOT NULL",
        "A serial number is one owned product only.",
    )

    def _lot_movements(self, lots):
        """Per serial number, from its done moves to and from customers: the customer of its
        last delivery (the sale order's customer, else the transfer's partner), the first
        day it was delivered to that customer (in the company's time zone), the order line
        of that delivery, and whether it came back afterwards."""
        self.env["stock.move.line"].flush_model()
        self.env["stock.move"].flush_model(["partner_id", "sale_line_id"])
        self.env["stock.picking"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["tz", "commercial_partner_id"])
        self.env["res.company"].flush_model(["partner_id"])
        return self.env.execute_query_dict(SQL(
            """
            WITH movement AS (
                SELECT ml.id, ml.lot_id, ml.product_id, ml.company_id, ml.date,
                       src.usage = 'customer' AS is_return, move.sale_line_id,
                       COALESCE(sale.partner_id, picking.partner_id, move.partner_id)
                           AS partner_id,
                       (ml.date AT TIME ZONE 'UTC'
                           AT TIME ZONE COALESCE(company_partner.tz, 'UTC'))::date AS day
                  FROM stock_move_line ml
                  JOIN stock_move move ON move.id = ml.move_id
                  JOIN stock_location src ON src.id = ml.location_id
                  JOIN stock_location dest ON dest.id = ml.location_dest_id
                  JOIN res_company company ON company.id = ml.company_id
                  JOIN res_partner company_partner ON company_partner.id = company.partner_id
             LEFT JOIN stock_picking picking ON picking.id = ml.picking_id
             LEFT JOIN sale_order_line sale_line ON sale_line.id = move.sale_line_id
             LEFT JOIN sale_order sale ON sale.id = sale_line.order_id
                 WHERE ml.lot_id = ANY(%(lot_ids)s)
                   AND ml.state = 'done'
                   AND (src.usage = 'customer') <> (dest.usage = 'customer')
            ),
            delivery AS (
                SELECT movement.*, partner.commercial_partner_id
                  FROM movement
                  JOIN res_partner partner ON partner.id = movement.partner_id
                 WHERE NOT movement.is_return
            ),
            last_delivery AS (
                SELECT DISTINCT ON (lot_id) *
                  FROM delivery
                 ORDER BY lot_id, date DESC, id DESC
            ),
            last_movement AS (
                SELECT DISTINCT ON (lot_id) lot_id, date, id, is_return
                  FROM movement
                 ORDER BY lot_id, date DESC, id DESC
            )
            SELECT last_delivery.lot_id, last_delivery.product_id, last_delivery.company_id,
                   last_delivery.partner_id, last_delivery.commercial_partner_id,
                   last_delivery.sale_line_id, last_movement.is_return AS returned,
                   (SELECT MIN(earlier.day) FROM delivery earlier
                     WHERE earlier.lot_id = last_delivery.lot_id
                       AND earlier.commercial_partner_id = last_delivery.commercial_partner_id
                   ) AS first_day
              FROM last_delivery
              JOIN last_movement ON last_movement.lot_id = last_delivery.lot_id
             ORDER BY last_delivery.lot_id
            """,
            lot_ids=list(lots.ids),
        ))

    def _sync_lots(self, lots):
        """Make the owned products of these serial numbers match their deliveries: one per
        serial, owned by the customer it was last delivered to, returned when it came back.

        An owned product the sale already registered (same order line, no serial yet) or one
        registered by hand with that serial takes the serial number instead of a new one.
        Running it again changes nothing."""
        owned_model = self.sudo().with_context(**SYNC_CONTEXT)
        lots = lots.sudo().filtered(lambda lot: lot.product_id.tracking == "serial")
        if not lots:
            return owned_model.browse()
        rows = owned_model._lot_movements(lots)
        if not rows:
            return owned_model.browse()
        lot_by_id = {lot.id: lot for lot in lots}
        by_lot = {unit.lot_id.id: unit
                  for unit in owned_model.search([("lot_id", "in", [r["lot_id"] for r in rows])])}
        unlinked = [row for row in rows if row["lot_id"] not in by_lot]
        by_sale_line, by_serial = {}, {}
        if unlinked:
            candidates = owned_model.search([
                ("lot_id", "=", False),
                "|",
                ("sale_line_id", "in", [r["sale_line_id"] for r in unlinked if r["sale_line_id"]]),
                "&", ("product_id", "in", [r["product_id"] for r in unlinked]),
                ("serial_number", "in", [lot_by_id[r["lot_id"]].name for r in unlinked]),
            ], order="id")
            for unit in candidates:
                if unit.serial_number:
                    key = (unit.product_id.id, unit.company_id.id, unit.serial_number)
                    by_serial.setdefault(key, unit)
                elif unit.sale_line_id:
                    by_sale_line.setdefault(unit.sale_line_id.id, []).append(unit)
        touched = owned_model.browse()
        vals_list = []
        for row in rows:
            lot = lot_by_id[row["lot_id"]]
            unit = by_lot.get(lot.id)
            if not unit:
                unit = by_serial.pop((row["product_id"], row["company_id"], lot.name), None)
            if not unit and by_sale_line.get(row["sale_line_id"]):
                unit = by_sale_line[row["sale_line_id"]].pop(0)
            if not unit:
                vals_list.append({
                    "partner_id": row["partner_id"],
                    "company_id": row["company_id"],
                    "product_id": row["product_id"],
                    "lot_id": lot.id,
                    "serial_number": lot.name,
                    "purchase_date": row["first_day"],
                    "sale_line_id": row["sale_line_id"],
                    "state": "returned" if row["returned"] else "in_use",
                })
                continue
            values = {"lot_id": lot.id, "serial_number": lot.name}
            if unit.commercial_partner_id.id != row["commercial_partner_id"]:
                # Delivered to another customer since: the unit follows its serial number.
                values |= {"partner_id": row["partner_id"], "purchase_date": row["first_day"],
                           "sale_line_id": row["sale_line_id"]}
            elif not unit.sale_line_id and row["sale_line_id"]:
                values["sale_line_id"] = row["sale_line_id"]
            if row["returned"]:
                values["state"] = "returned"
            elif unit.state == "returned" or "partner_id" in values:
                values["state"] = "in_use"
            changed = {name: value for name, value in values.items()
                       if _differs(unit, name, value)}
            if changed:
                unit.write(changed)
            touched |= unit
        return touched | owned_model.create(vals_list)

    def _backfill_lots(self):
        """Every serial number delivered to a customer before the install: in batches, and
        a second run changes nothing."""
        self.env["stock.move.line"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT ml.lot_id
              FROM stock_move_line ml
              JOIN stock_location dest ON dest.id = ml.location_dest_id
              JOIN product_product product ON product.id = ml.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE ml.state = 'done' AND ml.lot_id IS NOT NULL
               AND dest.usage = 'customer' AND tmpl.tracking = 'serial'
             ORDER BY ml.lot_id
            """
        ))
        ids = [row[0] for row in rows]
        lots = self.env["stock.lot"].sudo()
        for start in range(0, len(ids), BACKFILL_BATCH):
            self._sync_lots(lots.browse(ids[start:start + BACKFILL_BATCH]))
            self.env.flush_all()
            self.env.invalidate_all()
        return len(ids)


def _differs(record, name, value):
    current = record[name]
    if isinstance(current, models.BaseModel):
        current = current.id
    return (current or False) != (value or False)
