from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged

OFFICER = "customer_file.group_customer_file_officer"
SENSITIVE = "customer_file.group_customer_file_sensitive"


def list_specification(env, view_xmlid):
    """The web client's ``web_search_read`` specification for a list view: its fields, with
    the display name of relational ones."""
    view = env.ref(view_xmlid)
    Partner = env["res.partner"]
    arch = etree.fromstring(Partner.get_views([(view.id, "list")])["views"]["list"]["arch"])
    spec = {}
    for node in arch.iter("field"):
        field = Partner._fields[node.get("name")]
        spec[field.name] = {"fields": {"display_name": {}}} if field.relational else {}
    return spec


def count_list_queries(env, user, customers, spec):
    """Queries of one read of ``customers`` as the customers list shows them, as ``user``
    (caches warmed by a first read, as in a session)."""
    Partner = env["res.partner"].with_user(user)
    domain = [("id", "in", customers.ids)]
    Partner.web_search_read(domain, spec, limit=len(customers))
    env.invalidate_all()
    before = env.cr.sql_log_count
    result = Partner.web_search_read(domain, spec, limit=len(customers))
    return env.cr.sql_log_count - before, result


@tagged("post_install", "-at_install")
class TestMaskingQueries(TransactionCase):
    """Masking costs no query per record: a page of 80 customers reads in as many queries
    for a user who sees them masked as for one who sees them plain."""

    def test_masking_adds_no_query_per_record(self):
        masked_user = new_test_user(self.env, login="mask_q_officer",
                                    groups=f"base.group_user,{OFFICER}")
        plain_user = new_test_user(self.env, login="mask_q_sensitive",
                                   groups=f"base.group_user,{OFFICER},{SENSITIVE}")
        customers = self.env["res.partner"].create([{
            "name": f"Customer {index}", "customer_rank": 1,
            "phone": f"+86 138 0000 {index:04d}", "email": f"customer{index}@example.com",
        } for index in range(80)])
        spec = list_specification(self.env, "customer_file.res_partner_view_list_customer_file")
        self.assertIn("phone", spec)
        masked, masked_rows = count_list_queries(self.env, masked_user, customers, spec)
        plain, plain_rows = count_list_queries(self.env, plain_user, customers, spec)
        self.assertEqual(masked_rows["length"], 80)
        self.assertTrue(all("****" in row["phone"] for row in masked_rows["records"]))
        self.assertFalse(any("****" in row["phone"] for row in plain_rows["records"]))
        self.assertLessEqual(masked, plain)
