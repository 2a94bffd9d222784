from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from ..tools.encryption import PREFIX
from .test_encryption import new_key, server_keys

PRIVACY = "customer_file.group_customer_file_privacy_officer"


@tagged("post_install", "-at_install")
class TestEncryptedFields(TransactionCase):
    """A Privacy Officer marks a field sensitive: what it holds is encrypted at rest at once,
    what is written afterwards too, the ORM still reads plaintext; removing the mark stores
    it in plaintext again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.privacy = new_test_user(cls.env, login="cf_marks_privacy",
                                    groups=f"base.group_user,{PRIVACY}")
        cls.officer = new_test_user(
            cls.env, login="cf_marks_officer",
            groups="base.group_user,customer_file.group_customer_file_officer",
        )
        cls.key, cls.hmac_key = new_key(), new_key()
        Partner = cls.env["res.partner"]
        cls.nurse = Partner.create({"name": "王芳", "customer_rank": 1, "occupation": "Nurse"})
        cls.teacher = Partner.create({"name": "李雷", "customer_rank": 1,
                                      "occupation": "Teacher"})
        cls.record = cls.env["customer.service.record"].create({
            "partner_id": cls.nurse.id, "fault_description": "Screen cracked after a fall",
        })

    def setUp(self):
        super().setUp()
        self.enterContext(server_keys(f"k1:{self.key}", self.hmac_key))

    def stored(self, record, column):
        self.env.flush_all()
        return self.env.execute_query(SQL(
            "SELECT %s FROM %s WHERE id = %s", SQL.identifier(column),
            SQL.identifier(record._table), record.id,
        ))[0][0]

    def mark(self, key):
        return self.env["customer.encrypted.field"].with_user(self.privacy).create(
            {"field_key": key}
        )

    def test_marking_encrypts_stored_and_new_values(self):
        self.assertEqual(self.stored(self.nurse, "occupation"), "Nurse")
        mark = self.mark("res.partner:occupation")
        self.assertTrue(self.stored(self.nurse, "occupation").startswith(PREFIX))
        self.assertEqual(self.stored(self.record, "fault_description"),
                         "Screen cracked after a fall", "only the marked field is encrypted")
        self.env.invalidate_all()
        self.assertEqual(self.nurse.occupation, "Nurse")
        self.assertEqual(self.nurse.with_user(self.officer).read(["occupation"])[0]["occupation"],
                         "Nurse")
        self.teacher.occupation = "Engineer"
        self.assertTrue(self.stored(self.teacher, "occupation").startswith(PREFIX))
        self.assertEqual((mark.encrypted_count, mark.plaintext_count),
                         (self.env["res.partner"].search_count([("occupation", "!=", False)]), 0))
        log = self.env["customer.access.log"].search([("action", "=", "key_rotation")], limit=1)
        self.assertIn("occupation", log.field_names)

    def test_a_marked_field_is_searched_only_for_being_set(self):
        self.mark("res.partner:occupation")
        Partner = self.env["res.partner"]
        self.assertIn(self.nurse, Partner.search([("occupation", "!=", False)]))
        self.assertNotIn(self.nurse, Partner.search([("occupation", "=", False)]))
        with self.assertRaisesRegex(UserError, "encrypted"):
            Partner.search([("occupation", "ilike", "urs")])
        with self.assertRaisesRegex(UserError, "set or empty"):
            Partner.search([("occupation", "=", "Nurse")])
        description = Partner.fields_get(["occupation"], ["sortable", "groupable"])["occupation"]
        self.assertFalse(description["sortable"] or description["groupable"])

    def test_unmarking_stores_plaintext_again(self):
        mark = self.mark("customer.service.record:fault_description")
        self.assertTrue(self.stored(self.record, "fault_description").startswith(PREFIX))
        mark.with_user(self.privacy).unlink()
        self.assertEqual(self.stored(self.record, "fault_description"),
                         "Screen cracked after a fall")
        self.record.outcome = "Screen replaced"
        self.assertEqual(self.stored(self.record, "outcome"), "Screen replaced")
        self.assertEqual(self.env["customer.service.record"].search(
            [("fault_description", "ilike", "cracked")]), self.record)

    def test_html_fields_keep_their_markup(self):
        interaction = self.env["customer.interaction"].create({
            "partner_id": self.nurse.id, "summary": "Call",
            "description": "<p>Asked about <b>allergies</b></p>",
        })
        self.mark("customer.interaction:description")
        self.assertTrue(self.stored(interaction, "description").startswith(PREFIX))
        self.env.invalidate_all()
        self.assertEqual(str(interaction.description), "<p>Asked about <b>allergies</b></p>")

    def test_interrupted_conversion_is_finished_by_the_job(self):
        mark = self.mark("res.partner:occupation")
        # A value left in plaintext (written by SQL, as an interrupted run leaves it).
        self.env.cr.execute(SQL("UPDATE res_partner SET occupation = 'Pilot' WHERE id = %s",
                                self.teacher.id))
        self.env.invalidate_all()
        self.assertEqual(mark.plaintext_count, 1)
        self.assertEqual(self.teacher.occupation, "Pilot", "legacy plaintext still reads")
        self.env["customer.encrypted.field"].with_user(self.privacy).browse(
            mark.id).action_encrypt_now()
        self.assertTrue(self.stored(self.teacher, "occupation").startswith(PREFIX))
        self.env.invalidate_all()
        self.assertEqual(mark.plaintext_count, 0)

    def test_only_privacy_officers_mark_and_never_without_the_key(self):
        with self.assertRaises(AccessError):
            self.env["customer.encrypted.field"].with_user(self.officer).create(
                {"field_key": "res.partner:occupation"}
            )
        with server_keys(None, None), self.assertRaisesRegex(UserError, "not configured"):
            self.mark("res.partner:occupation")
        self.assertEqual(self.stored(self.nurse, "occupation"), "Nurse")
        keys = dict(self.env["customer.encrypted.field"]._selection_field_key())
        self.assertIn("res.partner:occupation", keys)
        self.assertNotIn("res.partner:identity_document_number", keys,
                         "ID numbers are always encrypted")
