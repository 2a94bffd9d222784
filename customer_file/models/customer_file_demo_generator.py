import random
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.fields import Command

from ..tools import demo_data

DEMO_SEED = 20261123


class CustomerFileDemoGenerator(models.AbstractModel):
    """Realistic, deterministic demo customers with their whole customer file.

    The same seed gives the same customers, purchases, products, services and interactions.
    Most history is written as imported purchases in batches; the most recent customers buy
    through real sale orders, so the sale-order flow is part of the demo too.
    """

    _name = "customer.file.demo.generator"
    _description = "Customer File Demo Generator"

    @api.model
    def _generate_demo(self, customers=1500, seed=DEMO_SEED, sale_order_customers=30):
        rnd = random.Random(seed)
        today = fields.Date.context_today(self)
        catalogue = self._generate_catalogue()
        salespeople = self._generate_salespeople()
        partners = self._generate_customers(rnd, customers, salespeople)
        buyers = partners.filtered(lambda partner: not partner.is_company or not partner.child_ids)
        self._generate_purchases(rnd, buyers[:-sale_order_customers], catalogue, today)
        self._generate_sale_orders(rnd, buyers[-sale_order_customers:], catalogue, today)
        owned = self._generate_owned_products(rnd, catalogue)
        self._generate_service_records(rnd, owned, today)
        self._generate_interactions(rnd, partners, salespeople, today)
        self._generate_preferences(rnd, partners)
        self._generate_privacy(rnd, partners, today)
        self._generate_data_quality(random.Random(seed + 1), partners, today)
        return partners

    def _generate_catalogue(self):
        Category = self.env["product.category"]
        categories = {}
        products = {}
        for code, name, category, price, tracked in demo_data.CATALOGUE:
            if category not in categories:
                categories[category] = Category.search(
                    [("name", "=", category)], limit=1
                ) or Category.create({"name": category})
            products[code] = self.env["product.product"].search(
                [("default_code", "=", code)], limit=1
            ) or self.env["product.product"].create(
                {
                    "name": name,
                    "default_code": code,
                    "categ_id": categories[category].id,
                    "list_price": price,
                    "type": "consu" if category != "Services" else "service",
                    "customer_file_track_owned": tracked,
                    "warranty_months": 24 if tracked else 0,
                    "taxes_id": [Command.clear()],
                }
            )
        return products

    def _generate_salespeople(self):
        Users = self.env["res.users"].with_context(no_reset_password=True)
        salespeople = self.env.ref("base.user_admin")
        for login, name in (
            ("cf.demo.wang", "王静 (Sales)"),
            ("cf.demo.smith", "Emma Smith (Sales)"),
        ):
            salespeople |= Users.search([("login", "=", login)]) or Users.create(
                {
                    "login": login,
                    "name": name,
                    "password": login,
                    "group_ids": [
                        Command.link(self.env.ref("customer_file.group_customer_file_user").id),
                        Command.link(self.env.ref("sales_team.group_sale_salesman").id),
                    ],
                }
            )
        return salespeople

    def _generate_privacy(self, rnd, partners, today):
        """Retention policies (the job stays off) and data-subject requests: an access
        request received under the PIPL last week, in progress; an erasure request under the
        GDPR, overdue; an answered correction."""
        officer = self._generate_privacy_officer()
        self.env["customer.retention.policy"].create([
            {"category": category, "keep_years": years}
            for category, years in (("interactions", 5), ("service_records", 10),
                                    ("consent_evidence", 10), ("inactive_customers", 7))
        ])
        Request = self.env["customer.data.request"]
        subjects = rnd.sample(list(partners.filtered(lambda partner: not partner.parent_id)), 3)
        access = Request.create({
            "partner_id": subjects[0].id, "request_type": "access", "regulation": "pipl",
            "received_date": today - timedelta(days=6), "user_id": officer.id,
        })
        access.with_user(officer).action_start()
        Request.create({
            "partner_id": subjects[1].id, "request_type": "erasure", "regulation": "gdpr",
            "received_date": today - timedelta(days=35), "user_id": officer.id,
        })
        correction = Request.create({
            "partner_id": subjects[2].id, "request_type": "correction", "regulation": "pipl",
            "received_date": today - timedelta(days=20), "user_id": officer.id,
        })
        correction.with_user(officer).action_done()
        Request._cron_schedule_overdue_activities()

    def _generate_data_quality(self, rnd, partners, today):
        """Files of uneven quality: most Chinese customers get a mobile number and half of
        them a street; some were reviewed long ago (overdue), some lately; a few customers
        exist twice (the same mobile under another name, the same email in capitals, the
        same name at the same street written differently). The detection and review jobs
        run. The copies are not among the partners returned."""
        china = self.env.ref("base.cn")
        people = partners.filtered(lambda partner: not partner.is_company)
        chinese = people.filtered(lambda partner: partner.country_id == china)
        for partner in chinese:
            values = {}
            if rnd.random() < 0.7:
                values["phone"] = demo_data.chinese_mobile(rnd)
            if rnd.random() < 0.5:
                values["street"] = f"{rnd.randint(1, 999)}号 {rnd.choice(demo_data.STREETS)}"
            if values:
                partner.write(values)
        for partner in people:
            roll = rnd.random()
            if roll < 0.2:
                months = rnd.randint(13, 30)
            elif roll < 0.5:
                months = rnd.randint(0, 10)
            else:
                continue
            partner.sudo().write({
                "last_review_date": fields.Date.subtract(today, months=months),
                "last_review_user_id": partner.user_id.id,
            })
        with_phone = chinese.filtered("phone")
        with_street = chinese.filtered("street")
        copies = []
        for source in rnd.sample(list(with_phone), min(2, len(with_phone))):
            copies.append((source, {"name": f"{source.name} (WeChat)", "phone": source.phone}))
        for source in rnd.sample(list(people), min(2, len(people))):
            copies.append((source, {"name": source.name, "email": source.email.upper()}))
        for source in rnd.sample(list(with_street), min(2, len(with_street))):
            copies.append((source, {"name": source.name, "city": source.city,
                                    "street": source.street.replace(" ", "  ") + " 东门"}))
        self.env["res.partner"].with_context(customer_file_customer=True).create([
            {"customer_rank": 1, "country_id": source.country_id.id, "lang": source.lang,
             "user_id": source.user_id.id, **values}
            for source, values in copies
        ])
        self.env["customer.duplicate.suspect"]._detect()
        self.env["res.partner"]._cron_schedule_reviews()

    def _generate_privacy_officer(self):
        """The person who answers data-subject requests and reads the access log."""
        Users = self.env["res.users"].with_context(no_reset_password=True)
        login = "cf.demo.zhao"
        return Users.search([("login", "=", login)]) or Users.create({
            "login": login,
            "name": "赵敏 (Privacy Officer)",
            "password": login,
            "group_ids": [
                Command.link(self.env.ref("base.group_user").id),
                Command.link(
                    self.env.ref("customer_file.group_customer_file_privacy_officer").id
                ),
            ],
        })

    def _generate_customers(self, rnd, count, salespeople):
        china, uk, usa = (self.env.ref(xml_id) for xml_id in ("base.cn", "base.uk", "base.us"))
        provinces = self.env["res.country.state"].search([("country_id", "=", china.id)])
        Tag = self.env["customer.tag"]
        regions = {
            name: Tag.search([("name", "=", name), ("kind", "=", "region")])
            or Tag.create({"name": name, "kind": "region", "color": color})
            for color, name in enumerate(
                ["华东", "华南", "华北", "西南", "Europe", "North America"]
            )
        }
        cultures = [
            Tag.search([("name", "=", name), ("kind", "=", "culture")])
            or Tag.create({"name": name, "kind": "culture"})
            for name in ("Early adopter", "Family first", "Business traveller", "Gamer")
        ]
        channels = [
            key for key, _label in self.env["res.partner"]._fields["acquisition_channel"].selection
        ]
        vals_list = []
        for _index in range(count):
            is_company = rnd.random() < 0.08
            chinese = rnd.random() < 0.8
            country = china if chinese else rnd.choice([uk, usa])
            name = demo_data.company_name(rnd) if is_company else demo_data.person_name(rnd)
            birth = datetime(1950, 1, 1) + timedelta(days=rnd.randrange(365 * 55))
            vals_list.append(
                {
                    "name": name,
                    "is_company": is_company,
                    "country_id": country.id,
                    "state_id": rnd.choice(provinces).id if chinese else False,
                    "city": rnd.choice(["上海", "杭州", "深圳", "北京", "成都", "广州"])
                    if chinese
                    else rnd.choice(["London", "Manchester", "Seattle", "Boston"]),
                    "lang": "zh_CN"
                    if chinese and self.env["res.lang"]._lang_get("zh_CN")
                    else "en_US",
                    "email": f"customer{_index}@example.com",
                    "user_id": rnd.choice(salespeople).id,
                    "gender": False if is_company else rnd.choice(["female", "male"]),
                    "birthdate": False if is_company else birth.date(),
                    "occupation": False if is_company else rnd.choice(demo_data.OCCUPATIONS),
                    "income_band": False
                    if is_company
                    else rnd.choice(["low", "lower_middle", "middle", "upper_middle", "high"]),
                    "acquisition_channel": rnd.choice(channels),
                    "preferred_contact_channel": rnd.choice(["phone", "wechat", "email", "sms"]),
                    "contact_time_from": rnd.choice([9.0, 10.0, 14.0]),
                    "contact_time_to": rnd.choice([17.0, 18.0, 20.0]),
                    "region_tag_ids": [
                        Command.set(
                            (
                                regions[rnd.choice(["华东", "华南", "华北", "西南"])]
                                if chinese
                                else regions["Europe" if country == uk else "North America"]
                            ).ids
                        )
                    ],
                    "culture_tag_ids": [Command.set(rnd.choice(cultures).ids)],
                    "customer_rank": 1,
                }
            )
        partners = (
            self.env["res.partner"].with_context(customer_file_customer=True).create(vals_list)
        )
        contacts = [
            {"name": demo_data.person_name(rnd), "parent_id": company.id, "type": "contact"}
            for company in partners.filtered("is_company")
            for _n in range(rnd.randint(1, 2))
        ]
        self.env["res.partner"].create(contacts)
        # Opted-in points record their marketing grants as imported consents.
        self.env["customer.contact.point"].with_context(
            customer_consent_source="import"
        ).create(
            [
                point
                for partner in partners.filtered(lambda partner: partner.country_id == china)
                for point in (
                    {
                        "partner_id": partner.id,
                        "kind": "phone",
                        "value": demo_data.chinese_mobile(rnd),
                        "is_primary": True,
                        "verified": rnd.random() < 0.6,
                        "opt_in": rnd.random() < 0.7,
                    },
                    {
                        "partner_id": partner.id,
                        "kind": "social",
                        "social_network": "wechat",
                        "value": f"wx_{partner.id}_{rnd.randrange(10**6)}",
                        "opt_in": rnd.random() < 0.5,
                    },
                )
            ]
            + [
                {
                    "partner_id": partner.id,
                    "kind": "email",
                    "value": partner.email,
                    "is_primary": True,
                }
                for partner in partners
            ]
        )
        return partners

    def _generate_purchases(self, rnd, partners, catalogue, today):
        """Imported history: one ledger line per basket item, one aggregate refresh."""
        vals_list = []
        for partner in partners:
            for order_index, day in enumerate(demo_data.purchase_dates(rnd, today)):
                document = f"LEGACY/{partner.id}/{order_index:03d}"
                for (code, _name, _category, price, _tracked), qty in demo_data.basket(rnd):
                    refund = rnd.random() < 0.02
                    product = catalogue[code]
                    vals_list.append(
                        {
                            "partner_id": partner.id,
                            "date": day,
                            "source": "import",
                            "external_ref": f"{document}/{code}",
                            "document_ref": document,
                            "document_name": document,
                            "product_id": product.id,
                            "quantity": -qty if refund else qty,
                            "amount": (-1 if refund else 1) * qty * price * rnd.uniform(0.85, 1.0),
                            "is_refund": refund,
                        }
                    )
        return self.env["customer.purchase.line"].create(vals_list)

    def _generate_sale_orders(self, rnd, partners, catalogue, today):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "order_line": [
                        Command.create(
                            {"product_id": catalogue[item[0]].id, "product_uom_qty": qty}
                        )
                        for item, qty in demo_data.basket(rnd)
                    ],
                }
                for partner in partners
            ]
        )
        orders.action_confirm()
        for order in orders:
            order.date_order = datetime.combine(today - timedelta(days=rnd.randrange(90)), time(10))
        return orders

    def _generate_owned_products(self, rnd, catalogue):
        """Tracked products bought through imports become owned products too."""
        tracked = [
            product.id for product in catalogue.values() if product.customer_file_track_owned
        ]
        lines = self.env["customer.purchase.line"].search(
            [
                ("source", "=", "import"),
                ("product_id", "in", tracked),
                ("is_refund", "=", False),
            ]
        )
        owned = self.env["customer.owned.product"].create(
            [
                {
                    "partner_id": line.partner_id.id,
                    "product_id": line.product_id.id,
                    "purchase_date": line.date,
                    "serial_number": f"SN{line.id:08d}",
                    "state": "in_use" if rnd.random() < 0.85 else rnd.choice(["returned", "lost"]),
                }
                for line in lines
            ]
        )
        return owned | self.env["customer.owned.product"].search([("sale_line_id", "!=", False)])

    def _generate_service_records(self, rnd, owned, today):
        categories = self.env["customer.fault.category"].search([])
        technicians = self.env["res.users"].search([("login", "like", "cf.demo.")]) | self.env.user
        records = []
        for product in owned.filtered(lambda _owned: rnd.random() < 0.15):
            received = product.purchase_date + timedelta(days=rnd.randrange(30, 400))
            if received > today:
                continue
            done = rnd.random() < 0.85
            records.append(
                {
                    "owned_product_id": product.id,
                    "partner_id": product.partner_id.id,
                    "received_date": received,
                    "returned_date": received + timedelta(days=rnd.randint(1, 10))
                    if done
                    else False,
                    "fault_category_id": rnd.choice(categories).id if categories else False,
                    "fault_description": rnd.choice(
                        [
                            "屏幕碎裂",
                            "Battery drains fast",
                            "无法开机",
                            "Speaker crackles",
                            "充电口松动",
                        ]
                    ),
                    "method": rnd.choice(["repair", "repair", "replace", "advice", "refund"]),
                    "hours_spent": round(rnd.uniform(0.25, 4), 2),
                    "cost": round(rnd.uniform(20, 600), 2),
                    "price": round(rnd.uniform(0, 300), 2),
                    "technician_id": rnd.choice(technicians).id,
                    "state": "done" if done else "in_progress",
                }
            )
        return self.env["customer.service.record"].create(records)

    def _generate_interactions(self, rnd, partners, salespeople, today):
        types = [
            key
            for key, _label in self.env["customer.interaction"]
            ._fields["interaction_type"]
            .selection
        ]
        summaries = {
            "call": "回访新机使用情况",
            "visit": "Visited the flagship store",
            "meeting": "年度采购会议",
            "email": "Sent the new catalogue",
            "chat": "微信咨询以旧换新",
            "social_like": "Liked the launch post",
            "social_comment": "评论了新品发布微博",
            "social_share": "Shared the review video",
            "social_mention": "在抖音提到了我们",
        }
        vals_list = []
        for partner in partners:
            for _n in range(rnd.randint(0, 6)):
                kind = rnd.choice(types)
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "interaction_type": kind,
                        "channel": rnd.choice(
                            ["phone", "store", "wechat", "weibo", "douyin", "email"]
                        ),
                        "direction": rnd.choice(["inbound", "outbound"]),
                        "date": datetime.combine(
                            today - timedelta(days=rnd.randrange(720)), time(rnd.randint(9, 19))
                        ),
                        "summary": summaries[kind],
                        "user_id": rnd.choice(salespeople).id,
                        "outcome": rnd.choice(["positive", "neutral", "negative", False]),
                    }
                )
        return self.env["customer.interaction"].create(vals_list)

    def _generate_preferences(self, rnd, partners):
        motivations = ["quality", "price", "brand", "innovation", "service"]
        self.env["customer.preference"].create(
            [
                {
                    "partner_id": partner.id,
                    "preference_type": "motivation",
                    "motivation": rnd.choice(motivations),
                    "source": rnd.choice(["declared", "survey", "staff"]),
                    "strength": rnd.randrange(40, 100),
                }
                for partner in partners
                if rnd.random() < 0.4
            ]
        )
        self.env["customer.preference"]._infer_from_purchase_history(partners.ids)
