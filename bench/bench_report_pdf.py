"""Time to print the Customer File PDF of one customer with --lines (10,000) purchase lines
(target: under 5 s), as a Customer File user outside Sensitive Data, in Chinese when zh_CN is
loaded. Everything is created in a transaction that is rolled back.

    python bench/bench_report_pdf.py --db DB [--lines 10000] [--http-port 8169] [--save FILE]

DB: a database with customer_file installed (with or without the segmentation and feedback
addons, whose sections then print too). wkhtmltopdf loads the report's stylesheets from
Odoo's web server, as in production: the script serves them on --http-port from an Odoo HTTP
server in its own process (only the stylesheets: the customer it prints is not committed)
and points ``report.url`` at it. The first PDF of the process, for a customer with one line,
builds the stylesheet bundle (once per database) and is timed apart.
"""

import time
import warnings

from _odoo_env import odoo_env, parser

REPORT = "customer_file.action_report_customer_file"


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--lines", type=int, default=10000)
    arguments.add_argument("--http-port", type=int, default=8169)
    arguments.add_argument("--save", help="write the timed PDF to this file")
    options = arguments.parse_args()
    with odoo_env(options.config, options.db) as env:
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        import odoo
        from odoo.fields import Command
        from odoo.service import server
        from odoo.tests import new_test_user

        odoo.tools.config["http_interface"] = "127.0.0.1"
        odoo.tools.config["http_port"] = options.http_port
        server.ThreadedServer(odoo.http.root).http_spawn()
        env["ir.config_parameter"].set_param("report.url",
                                             f"http://127.0.0.1:{options.http_port}")

        lang = "zh_CN" if env["res.lang"]._lang_get("zh_CN") else "en_US"
        user = new_test_user(env, login="bench_report_pdf_user", name="Bench Salesperson",
                             lang=lang,
                             groups="base.group_user,customer_file.group_customer_file_user")
        product = env["product.product"].create({
            "name": "Espresso Machine", "type": "consu", "taxes_id": [Command.clear()],
        })
        Partner = env["res.partner"]
        small, big = Partner.create([
            {"name": "Warm-up Customer", "customer_rank": 1, "user_id": user.id},
            {"name": "王建国", "customer_rank": 1, "user_id": user.id,
             "phone": "+86 138 0013 8000", "email": "jianguo.wang@example.com",
             "city": "上海", "gender": "male"},
        ])
        env["customer.contact.point"].create([
            {"partner_id": big.id, "kind": "phone", "value": "+86 139 0013 9000"},
            {"partner_id": big.id, "kind": "email", "value": "jg.wang@example.cn"},
        ])
        owned = env["customer.owned.product"].create([{
            "partner_id": big.id, "product_id": product.id, "serial_number": f"BENCH-{unit}",
        } for unit in range(5)])
        env["customer.service.record"].create([
            {"owned_product_id": unit.id, "method": "repair"} for unit in owned[:3]
        ])

        today = env.company._customer_file_today()
        started = time.perf_counter()
        lines = [{
            "partner_id": small.id, "company_id": env.company.id, "date": today,
            "source": "import", "external_ref": "bench-pdf-small",
            "document_ref": "bench-pdf-small", "document_name": "bench-pdf-small",
            "product_id": product.id, "quantity": 1,
            "amount": 100.0,
        }]
        # Two lines per order, an order every few days over three years, one refund in 25.
        for index in range(options.lines):
            order = index // 2
            refund = order % 25 == 24
            ref = f"bench-pdf-{order}"
            lines.append({
                "partner_id": big.id, "company_id": env.company.id,
                "date": odoo.fields.Date.subtract(today, days=(order * 7) % 1095),
                "source": "import", "external_ref": f"{ref}-{index % 2}", "document_ref": ref,
                "document_name": ref, "product_id": product.id,
                "quantity": -1 if refund else 1,
                "amount": (-1 if refund else 1) * (50.0 + (index * 37) % 450),
                "is_refund": refund,
            })
        env["customer.purchase.line"].sudo().create(lines)
        env.flush_all()
        print(f"{options.lines + 1} purchase lines created in {time.perf_counter() - started:.1f} s"
              f" (not timed); printing in {lang} as a Customer File user")

        Report = env["ir.actions.report"].with_user(user).with_context(lang=lang)

        def print_pdf(partner):
            env.invalidate_all()
            queries = env.cr.sql_log_count
            started = time.perf_counter()
            pdf, _type = Report._render_qweb_pdf(REPORT, partner.ids)
            return time.perf_counter() - started, env.cr.sql_log_count - queries, pdf

        seconds, _queries, _pdf = print_pdf(small)
        print(f"first PDF of the process (1 line; builds the stylesheet bundle if the "
              f"database has none yet): {seconds:.2f} s")
        seconds, queries, pdf = print_pdf(big)
        print(f"Customer File PDF, {options.lines} purchase lines: {seconds:.2f} s, "
              f"{queries} queries, {len(pdf) // 1024} KB (target: under 5 s)")
        if options.save:
            with open(options.save, "wb") as file:
                file.write(pdf)
        env.invalidate_all()
        started = time.perf_counter()
        Report._render_qweb_html(REPORT, big.ids)
        print(f"of which the HTML (values, template, masking): "
              f"{time.perf_counter() - started:.2f} s")
        env.cr.rollback()


if __name__ == "__main__":
    main()
