from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOfferCampaign(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.Event = cls.env["customer.consent.event"]
        cls.program = cls.env["loyalty.program"].create({
            "name": "Offer test coupons",
            "program_type": "coupons",
            "trigger": "with_code",
            "applies_on": "current",
            "reward_ids": [Command.create({
                "reward_type": "discount", "discount": 10, "discount_mode": "percent",
                "discount_applicability": "order", "required_points": 1,
            })],
        })
        cls.salesman = new_test_user(cls.env, login="offer_salesman",
                                     groups="customer_file.group_customer_file_user")
        cls.officer = new_test_user(cls.env, login="offer_officer",
                                    groups="customer_file.group_customer_file_officer")
        cls.product = cls.env["product.product"].create({
            "name": "Offer Phone", "list_price": 500.0, "sale_ok": True,
        })

    def _customers(self, count, prefix, consent=True, **values):
        partners = self.env["res.partner"].create([{
            "name": f"{prefix} {index}",
            "email": f"{prefix.lower().replace(' ', '.')}.{index}@example.com",
            "customer_rank": 1,
            **values,
        } for index in range(count)])
        if consent:
            self.Event._record(partners, "marketing", "email", "granted", source="import")
        return partners

    def _campaign(self, partners=None, **values):
        domain = values.pop("audience_domain", None) or (
            f"[('id', 'in', {partners.ids})]" if partners is not None else "[]"
        )
        return self.env["customer.offer.campaign"].create({
            "name": "Test offer", "program_id": self.program.id, "audience_domain": domain,
            "random_seed": 42, "control_percent": 20.0, **values,
        })

    def _buy(self, partner, amount, day):
        ref = f"OFFER-TEST/{partner.id}/{day}/{amount}"
        return self.env["customer.purchase.line"].create({
            "partner_id": partner.id, "date": day, "source": "import", "external_ref": ref,
            "document_ref": ref, "document_name": ref, "product_id": self.product.id,
            "quantity": 1, "amount": amount,
        })

    # Audience

    def test_audience_by_tier_segment_and_stage(self):
        high = self._customers(3, "High Tier")
        low = self._customers(3, "Low Tier")
        high.write({"value_tier": "high"})
        low.write({"value_tier": "low"})
        segment = self.env.ref("customer_file_segmentation.segment_champions")
        high[:2].write({"rfm_segment_id": segment.id, "lifecycle_stage": "regular"})
        everyone = high | low
        scope = f"('id', 'in', {everyone.ids})"
        for rule, expected in [
            (f"[{scope}, ('value_tier', '=', 'high')]", high),
            (f"[{scope}, ('rfm_segment_id', '=', {segment.id})]", high[:2]),
            (f"[{scope}, ('lifecycle_stage', '=', 'regular')]", high[:2]),
            (f"[{scope}, ('value_tier', 'in', ['high', 'low'])]", everyone),
        ]:
            campaign = self._campaign(audience_domain=rule, control_percent=0.0)
            campaign.action_launch()
            self.assertEqual(campaign.member_ids.partner_id, expected, rule)
            self.assertEqual(campaign.audience_count, len(expected))

    def test_service_history_rule(self):
        """Two or more repairs in 24 months and owns a product of the line."""
        phones = self.env["product.category"].create({"name": "Phones"})
        flagships = self.env["product.category"].create(
            {"name": "Flagships", "parent_id": phones.id}
        )
        laptops = self.env["product.category"].create({"name": "Laptops"})
        flagship = self.env["product.product"].create({"name": "X2", "categ_id": flagships.id})
        laptop = self.env["product.product"].create({"name": "Book", "categ_id": laptops.id})
        fits, old_repairs, one_repair, other_line, cancelled = self._customers(5, "Service")

        def own(partner, product):
            return self.env["customer.owned.product"].create(
                {"partner_id": partner.id, "product_id": product.id}
            )

        def repair(partner, days_ago, state=None):
            record = self.env["customer.service.record"].create({
                "partner_id": partner.id, "method": "repair",
                "received_date": self.today - timedelta(days=days_ago),
            })
            if state:
                record.sudo().state = state
            return record

        for partner in (fits, old_repairs, one_repair, cancelled):
            own(partner, flagship)
        own(other_line, laptop)
        for partner in (fits, other_line):
            repair(partner, 30)
            repair(partner, 400)
        repair(old_repairs, 30)
        repair(old_repairs, 800)  # outside 24 months
        repair(one_repair, 10)
        repair(cancelled, 10)
        repair(cancelled, 20, state="cancelled")
        everyone = fits | old_repairs | one_repair | other_line | cancelled
        campaign = self._campaign(everyone, min_repairs=2, repair_months=24,
                                  owned_categ_id=phones.id, control_percent=0.0)
        campaign.action_launch()
        self.assertEqual(campaign.member_ids.partner_id, fits)

    # Groups

    def test_control_group_share_and_coupons(self):
        partners = self._customers(400, "Coupon")
        campaign = self._campaign(partners, control_percent=25.0, coupon_points=1.0)
        campaign.action_launch()
        self.assertEqual(campaign.state, "running")
        control = campaign.member_ids.filtered(lambda member: member.cohort == "control")
        treated = campaign.member_ids - control
        self.assertEqual(len(campaign.member_ids), 400)
        self.assertEqual((campaign.treated_count, campaign.control_count),
                         (len(treated), len(control)))
        self.assertTrue(70 <= len(control) <= 130, len(control))
        cards = self.env["loyalty.card"].search([("program_id", "=", self.program.id)])
        self.assertEqual(cards.partner_id, treated.partner_id)
        self.assertEqual(len(cards), len(treated))
        self.assertFalse(control.coupon_id)
        self.assertEqual(treated.coupon_id, cards)
        self.assertTrue(all(card.points == 1 and card.code.startswith("044") for card in cards))
        self.assertEqual(len(set(cards.mapped("code"))), len(cards))
        self.assertEqual(sum(cards.history_ids.mapped("issued")), len(cards))

    def test_assignment_is_reproducible(self):
        partners = self._customers(200, "Seeded")
        groups = []
        for seed in (7, 7, 8):
            campaign = self._campaign(partners, random_seed=seed, control_percent=30.0)
            campaign.action_launch()
            groups.append({m.partner_id.id: m.cohort for m in campaign.member_ids})
        self.assertEqual(groups[0], groups[1])
        self.assertNotEqual(groups[0], groups[2])

    def test_mailing_list_channel(self):
        partners = self._customers(60, "Mailing")
        mailing_list = self.env["mailing.list"].create({"name": "Offer list"})
        existing = self.env["mailing.contact"].create(
            {"name": "Known", "email": partners[0].email}
        )
        campaign = self._campaign(partners, channel="mailing_list",
                                  mailing_list_id=mailing_list.id, control_percent=30.0)
        campaign.action_launch()
        treated = campaign.member_ids.filtered(lambda member: member.cohort == "treated")
        control = campaign.member_ids - treated
        self.assertTrue(control)
        subscribed = set(mailing_list.contact_ids.mapped("email_normalized"))
        self.assertEqual(subscribed, set(treated.partner_id.mapped("email_normalized")))
        self.assertFalse(subscribed & set(control.partner_id.mapped("email_normalized")))
        if partners[0] in treated.partner_id:
            self.assertIn(existing, mailing_list.contact_ids)
        self.assertEqual(
            self.env["mailing.contact"].search_count(
                [("email_normalized", "=", partners[0].email_normalized)]
            ), 1,
        )

    # Coupon emails

    def _coupon_mails(self, cards):
        return self.env["mail.mail"].search(
            [("model", "=", "loyalty.card"), ("res_id", "in", cards.ids)]
        )

    def _mailing_program(self):
        """A coupon program that sends Odoo's coupon email when a coupon is created."""
        return self.env["loyalty.program"].create({
            "name": "Mailed coupons", "program_type": "coupons", "trigger": "with_code",
            "applies_on": "current",
            "reward_ids": [Command.create({
                "reward_type": "discount", "discount": 15, "discount_mode": "percent",
                "discount_applicability": "order", "required_points": 1,
            })],
            "communication_plan_ids": [Command.create({
                "trigger": "create",
                "mail_template_id": self.env.ref("loyalty.mail_template_loyalty_card").id,
            })],
        })

    def test_coupon_email_reaches_treated_customers_only(self):
        program = self._mailing_program()
        partners = self._customers(40, "Mailed")
        campaign = self._campaign(partners, control_percent=30.0, program_id=program.id)
        other = self._campaign(self._customers(6, "Other Mailed"), control_percent=0.0,
                               program_id=program.id)
        cron = self.env.ref("customer_file_offer.ir_cron_customer_offer_coupon_mail")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        (campaign | other).action_launch()
        treated = campaign.member_ids.filtered(lambda member: member.cohort == "treated")
        control = campaign.member_ids - treated
        self.assertTrue(control)
        self.assertEqual(campaign.coupon_mail_count, len(treated))
        self.assertEqual(set(treated.mapped("coupon_mail")), {"pending"})
        self.assertEqual(set(control.mapped("coupon_mail")), {False})
        # Queued for the background job, which the launch wakes: nothing rendered yet.
        self.assertFalse(self._coupon_mails(treated.coupon_id))
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), len(triggers)
        )
        self.assertIn(f"being prepared for {len(treated)} of them",
                      campaign.message_ids[0].body)

        self.env["customer.offer.campaign"]._cron_send_coupon_mails(batch_size=7)
        mails = self._coupon_mails(treated.coupon_id)
        self.assertEqual(len(mails), len(treated))
        for member in treated:
            mail = mails.filtered(lambda m, card=member.coupon_id: m.res_id == card.id)
            self.assertEqual(mail.recipient_ids, member.partner_id)
            self.assertIn(member.coupon_id.code, str(mail.body_html))
            self.assertEqual(mail.state, "outgoing")
            self.assertFalse(mail.attachment_ids)
        self.assertFalse(self.env["mail.mail"].search(
            [("recipient_ids", "in", control.partner_id.ids)]
        ))
        self.assertEqual(set(campaign.member_ids.mapped("coupon_mail")), {"queued", False})
        self.assertEqual(len(self._coupon_mails(other.member_ids.coupon_id)), 6)
        # A second run finds nothing pending and sends nothing twice.
        self.env["customer.offer.campaign"]._cron_send_coupon_mails()
        self.assertEqual(len(self._coupon_mails(treated.coupon_id)), len(treated))

    def test_coupon_pdf_on_request(self):
        """Odoo's coupon template attaches the coupon's report: only if the campaign asks."""
        template = self.env.ref("loyalty.mail_template_loyalty_card")
        self.assertTrue(template.report_template_ids)
        campaign = self._campaign(self._customers(2, "Pdf"), control_percent=0.0,
                                  program_id=self._mailing_program().id, coupon_mail_pdf=True)
        campaign.action_launch()
        self.env["customer.offer.campaign"]._cron_send_coupon_mails()
        mails = self._coupon_mails(campaign.member_ids.coupon_id)
        self.assertEqual(len(mails), 2)
        self.assertTrue(all(len(mail.attachment_ids) == 1 for mail in mails))

    def test_coupon_email_needs_consent_to_email(self):
        """A campaign on phone consent mails the coupon only to customers who also consent to
        marketing by email and are not blacklisted."""
        both, phone_only, blacklisted, withdrawn = self._customers(
            4, "Phone", consent=False
        )
        everyone = both | phone_only | blacklisted | withdrawn
        self.Event._record(everyone, "marketing", "phone", "granted", source="import")
        self.Event._record(both | blacklisted | withdrawn, "marketing", "email", "granted",
                           source="import")
        self.Event._record(withdrawn, "marketing", "email", "withdrawn", source="phone")
        self.env.cr.execute(
            "INSERT INTO mail_blacklist (email, active) VALUES (%s, TRUE) "
            "ON CONFLICT (email) DO UPDATE SET active = TRUE",
            [blacklisted.email_normalized],
        )
        campaign = self._campaign(everyone, consent_channel="phone", control_percent=0.0,
                                  program_id=self._mailing_program().id)
        campaign.action_launch()
        self.assertEqual(campaign.treated_count, 4)
        self.assertEqual(campaign.coupon_mail_count, 1)
        self.env["customer.offer.campaign"]._cron_send_coupon_mails()
        mails = self._coupon_mails(campaign.member_ids.coupon_id)
        self.assertEqual(mails.recipient_ids, both)
        self.assertEqual(
            campaign.member_ids.filtered("coupon_mail").partner_id, both
        )

    def test_no_coupon_email_without_communication(self):
        program = self._mailing_program()
        program.communication_plan_ids.unlink()
        partners = self._customers(10, "Silent")
        campaign = self._campaign(partners, program_id=program.id, control_percent=0.0)
        campaign.action_launch()
        self.assertEqual(len(campaign.member_ids.coupon_id), 10)
        self.assertEqual(campaign.coupon_mail_count, 0)
        self.assertFalse(campaign.member_ids.filtered("coupon_mail"))
        self.env["customer.offer.campaign"]._cron_send_coupon_mails()
        self.assertFalse(self._coupon_mails(campaign.member_ids.coupon_id))
        self.assertFalse(self.env["mail.mail"].search(
            [("recipient_ids", "in", partners.ids)]
        ))

    # Bad input

    def test_consent_exclusion(self):
        consenting = self._customers(4, "Consenting")
        never = self._customers(2, "Never Asked", consent=False)
        withdrawn = self._customers(1, "Withdrawn")
        self.Event._record(withdrawn, "marketing", "email", "withdrawn", source="phone")
        blacklisted = self._customers(1, "Blacklisted")
        # Blacklisting the address withdraws the marketing consent by email (see
        # customer_file_segmentation_mailing): either way the customer is left out.
        self.env["mail.blacklist"].sudo()._add(blacklisted.email)
        # An address on the blacklist while the consent log still says granted (blacklisted
        # before the customer file recorded consents): left out as blacklisted.
        still_granted = self._customers(1, "Still Granted")
        self.env.cr.execute(
            "INSERT INTO mail_blacklist (email, active) VALUES (%s, TRUE) "
            "ON CONFLICT (email) DO UPDATE SET active = TRUE",
            [still_granted.email_normalized],
        )
        left_out = never | withdrawn | blacklisted | still_granted
        campaign = self._campaign(consenting | left_out)
        campaign.action_launch()
        self.assertEqual(campaign.member_ids.partner_id, consenting)
        self.assertEqual(campaign.audience_count, 9)
        self.assertEqual(campaign.no_consent_count + campaign.blacklisted_count, 5)
        self.assertGreaterEqual(campaign.no_consent_count, 3)
        self.assertGreaterEqual(campaign.blacklisted_count, 1)
        self.assertFalse(self.env["loyalty.card"].search([("partner_id", "in", left_out.ids)]))

    def test_nobody_consenting_is_refused(self):
        partners = self._customers(3, "No Consent", consent=False)
        campaign = self._campaign(partners)
        with self.assertRaisesRegex(UserError, "None of the 3 customers.*3 have no current "
                                               "consent to marketing by Email"):
            campaign.action_launch()
        self.assertEqual(campaign.state, "draft")
        self.assertFalse(self.env["loyalty.card"].search([("partner_id", "in", partners.ids)]))

    def test_empty_audience_says_which_criterion(self):
        partners = self._customers(2, "Empty")
        campaign = self._campaign(
            audience_domain=f"[('id', 'in', {partners.ids}), ('value_tier', '=', 'high')]"
        )
        with self.assertRaisesRegex(UserError, "empty audience. No customer .* matches the "
                                               "audience rule"):
            campaign.action_launch()
        campaign = self._campaign(partners, min_repairs=2)
        with self.assertRaisesRegex(UserError, "none had 2 or more repairs in the 24 months"):
            campaign.action_launch()
        line = self.env["product.category"].create({"name": "Nobody's line"})
        campaign = self._campaign(partners, owned_categ_id=line.id)
        with self.assertRaisesRegex(UserError, "none owns a product in use of"):
            campaign.action_launch()
        campaign = self._campaign(audience_domain="[('name', '=ilike'")
        with self.assertRaisesRegex(UserError, "audience rule of campaign Test offer cannot "
                                               "be read"):
            campaign.action_launch()

    # Results

    def test_coupon_is_usable_in_a_sale_order_and_measured(self):
        partners = self._customers(5, "Buyer")
        campaign = self._campaign(partners, control_percent=0.0)
        campaign.action_launch()
        member = campaign.member_ids[0]
        order = self.env["sale.order"].create({
            "partner_id": member.partner_id.id,
            "order_line": [Command.create({"product_id": self.product.id,
                                           "product_uom_qty": 1, "price_unit": 500.0})],
        })
        rewards = order._try_apply_code(member.coupon_id.code)
        self.assertNotIn("error", rewards, rewards)
        coupon, reward = next(iter(rewards.items()))
        self.assertEqual(coupon, member.coupon_id)
        order._apply_program_reward(reward, coupon)
        order.action_confirm()
        self.assertEqual(order.amount_untaxed, 450.0)
        campaign.action_measure()
        self.assertEqual(member.redeemed_date, self.today)
        self.assertEqual(member.redeemed_percent, 100)
        spent = sum(self.env["customer.purchase.line"].search(
            [("partner_id", "=", member.partner_id.id)]
        ).mapped("amount"))
        self.assertAlmostEqual(member.spend, spent)
        self.assertAlmostEqual(member.spend, 450.0)
        self.assertTrue(member.buyer)
        self.assertFalse((campaign.member_ids - member).filtered("redeemed_date"))
        self.assertAlmostEqual(campaign.treated_redeemed_percent, 20.0)

    def test_uplift_on_planted_purchases(self):
        partners = self._customers(300, "Uplift")
        start = self.today - timedelta(days=40)
        campaign = self._campaign(partners, control_percent=40.0, date_start=start,
                                  window_days=30)
        campaign.action_launch()
        treated = campaign.member_ids.filtered(lambda member: member.cohort == "treated")
        control = campaign.member_ids - treated
        # Every treated customer buys 200 in the window, every second control customer 100;
        # purchases before the start and after the window do not count.
        for member in treated:
            self._buy(member.partner_id, 200.0, start + timedelta(days=3))
        for member in control[::2]:
            self._buy(member.partner_id, 100.0, start + timedelta(days=29))
        for member in campaign.member_ids[:20]:
            self._buy(member.partner_id, 5000.0, start - timedelta(days=1))
            self._buy(member.partner_id, 5000.0, start + timedelta(days=30))
        campaign.action_close()
        self.assertEqual(campaign.state, "done")
        control_spend = 100.0 * len(control[::2]) / len(control)
        self.assertAlmostEqual(campaign.treated_spend, 200.0)
        self.assertAlmostEqual(campaign.control_spend, control_spend, places=2)
        self.assertAlmostEqual(campaign.spend_uplift, 200.0 - control_spend, places=2)
        self.assertAlmostEqual(campaign.treated_buyer_percent, 100.0)
        self.assertAlmostEqual(campaign.buyer_uplift,
                               100.0 - 100.0 * len(control[::2]) / len(control), places=1)
        self.assertIn("the offer raised spending", campaign.result_summary)
        self.assertIn("95% interval", campaign.result_summary)
        self.assertTrue(self.env["customer.offer.member"]._read_group(
            [("campaign_id", "=", campaign.id)], ["cohort"], ["spend:avg"]
        ))

    def test_daily_job_measures_and_closes_ended_campaigns(self):
        partners = self._customers(10, "Cron")
        ended = self._campaign(partners, date_start=self.today - timedelta(days=40),
                               window_days=30)
        running = self._campaign(partners, date_start=self.today, window_days=30)
        (ended | running).action_launch()
        self._buy(partners[0], 80.0, self.today)
        self.env["customer.offer.campaign"]._cron_measure()
        self.assertEqual((ended.state, running.state), ("done", "running"))
        self.assertTrue(running.date_measured)
        member = running.member_ids.filtered(lambda m: m.partner_id == partners[0])
        self.assertAlmostEqual(member.spend, 80.0)
        self.assertIn("too few (under 30 in a group)", ended.message_ids[0].body)

    def test_small_groups_get_a_plain_statement(self):
        partners = self._customers(12, "Small")
        campaign = self._campaign(partners, control_percent=40.0)
        campaign.action_launch()
        campaign.action_measure()
        self.assertIn("too few (under 30 in a group) for a confidence interval",
                      campaign.result_summary)

    # Access

    def test_access_by_role(self):
        own = self._customers(3, "Own", user_id=self.salesman.id)
        other = self._customers(3, "Other")
        campaign = self._campaign(own | other, control_percent=0.0)
        with self.assertRaises(AccessError):
            campaign.with_user(self.salesman).action_launch()
        campaign.with_user(self.officer).action_launch()
        rows = self.env["customer.offer.member"].with_user(self.salesman).search_read(
            [("campaign_id", "=", campaign.id)], ["partner_id", "spend"]
        )
        self.assertEqual({row["partner_id"][0] for row in rows}, set(own.ids))
        member = campaign.member_ids.filtered(lambda m: m.partner_id == own[0])
        with self.assertRaises(AccessError):
            member.with_user(self.salesman).write({"spend": 1000})
        with self.assertRaises(AccessError):
            member.with_user(self.officer).write({"spend": 1000})
        with self.assertRaises(AccessError):
            member.with_user(self.officer).write({"coupon_mail": "queued"})
        with self.assertRaises(AccessError):
            campaign.with_user(self.officer).write({"treated_count": 1})
        with self.assertRaises(AccessError):
            campaign.with_user(self.salesman).write({"name": "Renamed"})
        with self.assertRaisesRegex(UserError, "is launched"):
            campaign.with_user(self.officer).write({"control_percent": 50.0})
        with self.assertRaises(AccessError):
            campaign.with_user(self.salesman).action_measure()
        campaign.with_user(self.officer).action_measure()
        self.assertTrue(campaign.date_measured)
        with self.assertRaisesRegex(UserError, "Only draft campaigns can be deleted"):
            campaign.unlink()
        draft = self._campaign(own)
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_repair_window_counts_back_from_the_start(self):
        partner = self._customers(1, "Window")
        start = self.today - relativedelta(months=6)
        for days_after in (5, 10):
            self.env["customer.service.record"].create({
                "partner_id": partner.id, "method": "repair",
                "received_date": start + timedelta(days=days_after),
            })
        campaign = self._campaign(partner, min_repairs=2, date_start=start,
                                  control_percent=0.0)
        with self.assertRaisesRegex(UserError, "none had 2 or more repairs"):
            campaign.action_launch()
