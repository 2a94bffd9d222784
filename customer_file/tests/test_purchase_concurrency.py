from contextlib import closing
from datetime import date

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestPurchaseConcurrency(TransactionCase):
    """Two tills sell to the same customer at the same time: each transaction adds its lines
    and the customer's daily summary by delta, without waiting for the other.

    The tills are real connections of their own (the test's cursor cannot see what they
    commit, nor they what it does): what they create is committed, and removed at the end.
    """

    def _line(self, env, partner_id, ref):
        return env["customer.purchase.line"].create({
            "partner_id": partner_id, "date": date.today(), "source": "import",
            "external_ref": f"concurrency:{ref}", "document_ref": f"concurrency:{ref}",
            "document_name": ref, "quantity": 1, "amount": 10,
        })

    def test_two_tills_never_wait_for_each_other(self):
        # Real connections of their own: what they do must be committed to be seen.
        database = db_connect(self.env.cr.dbname)
        with closing(database.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner_id = env["res.partner"].create({"name": "Walk-in (concurrency test)"}).id
            self._line(env, partner_id, "earlier")
            cr.commit()  # pylint: disable=invalid-commit
        try:
            with closing(database.cursor()) as till_a, closing(database.cursor()) as till_b:
                env_a = api.Environment(till_a, SUPERUSER_ID, {})
                env_b = api.Environment(till_b, SUPERUSER_ID, {})
                self._line(env_a, partner_id, "till A")
                env_a.flush_all()
                # Till A has not committed. Till B would fail here at once if it had to wait
                # for a lock that A holds (the customer's row, a summary row...).
                till_b.execute("SET LOCAL lock_timeout = '200ms'")
                try:
                    self._line(env_b, partner_id, "till B")
                    env_b.flush_all()
                except psycopg2.errors.LockNotAvailable:
                    self.fail("till B waited for till A's transaction")
                till_b.commit()
                till_a.commit()
            with closing(database.cursor()) as cr:
                cr.execute(SQL(
                    "SELECT SUM(document_count), SUM(amount) FROM customer_purchase_day"
                    " WHERE commercial_partner_id = %s", partner_id,
                ))
                self.assertEqual(cr.fetchone(), (3, 30), "both tills' sales are summed")
        finally:
            with closing(database.cursor()) as cr:
                cr.execute(SQL(
                    "DELETE FROM customer_purchase_line WHERE partner_id = %(id)s;"
                    "DELETE FROM customer_purchase_day WHERE commercial_partner_id = %(id)s;"
                    "DELETE FROM res_partner WHERE id = %(id)s",
                    id=partner_id,
                ))
                cr.commit()  # pylint: disable=invalid-commit
