import json

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.translate import code_translations

from .common import RolesCase, SegmentationCase


def _cells(rfm_map):
    return {(cell["r"], cell["fm"]): cell for row in rfm_map["rows"] for cell in row["cells"]}


def _cell_domain(company, r_score, fm_score):
    """The customers of one cell, as the map's client action opens them."""
    return [("rfm_score_ids", "any", [("company_id", "=", company.id),
                                      ("r_score", "=", r_score), ("fm_score", "=", fm_score)])]


@tagged("post_install", "-at_install")
class TestRfmMap(SegmentationCase):
    """The R × FM map: 25 cells from R 5 down to 1 and FM 1 to 5, each with its customers,
    their share and spend, and the segment of the cell with its colour, in the company the
    user works in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_company = cls.env["res.company"].create({"name": "RFM Map Shop"})
        cls.officer = new_test_user(
            cls.env, "rfm_map_officer", "customer_file.group_customer_file_officer",
            company_id=cls.map_company.id,
            company_ids=[Command.set([cls.map_company.id, cls.company.id])],
        )
        scores = [
            # (customer, R, FM, spend)
            ("Champion A", 5, 5, 1000.0), ("Champion B", 5, 5, 2500.5),
            ("Champion C", 5, 5, 499.5), ("Lost D", 1, 1, 20.0), ("Loyal E", 3, 4, 0.0),
        ]
        Score = cls.env["customer.rfm.score"].sudo()
        for name, r_score, fm_score, spend in scores:
            Score.create({
                "partner_id": cls._customer(name).id, "company_id": cls.map_company.id,
                "r_score": r_score, "fm_score": fm_score, "monetary": spend,
            })
        # Another company's customers are not on this company's map.
        Score.create({"partner_id": cls._customer("Elsewhere").id, "company_id": cls.company.id,
                      "r_score": 5, "fm_score": 5, "monetary": 7.0})

    def _map(self, user=None):
        return self.env["customer.rfm.score"].with_user(user or self.officer).get_rfm_map()

    def test_cells_count_share_and_spend_of_the_company(self):
        rfm_map = self._map()
        self.assertEqual(rfm_map["company_id"], self.map_company.id)
        self.assertEqual(rfm_map["currency_id"], self.map_company.currency_id.id)
        self.assertEqual((rfm_map["customer_count"], rfm_map["spend"]), (5, 4020.0))
        self.assertEqual([row["r"] for row in rfm_map["rows"]], [5, 4, 3, 2, 1])
        for row in rfm_map["rows"]:
            self.assertEqual([cell["fm"] for cell in row["cells"]], [1, 2, 3, 4, 5])
        cells = _cells(rfm_map)
        self.assertEqual(len(cells), 25)
        self.assertEqual({key: (cell["count"], cell["share"], cell["spend"])
                          for key, cell in cells.items() if cell["count"]},
                         {(5, 5): (3, 0.6, 4000.0), (1, 1): (1, 0.2, 20.0),
                          (3, 4): (1, 0.2, 0.0)})
        self.assertEqual((cells[(2, 3)]["count"], cells[(2, 3)]["share"], cells[(2, 3)]["spend"]),
                         (0, 0.0, 0.0))

    def test_cells_take_the_segment_and_colour_of_their_segment(self):
        champions = self.env.ref("customer_file_segmentation.segment_champions")
        lost = self.env.ref("customer_file_segmentation.segment_lost")
        cells = _cells(self._map())
        self.assertEqual((cells[(5, 5)]["segment_id"], cells[(5, 5)]["segment"],
                          cells[(5, 5)]["color"]), (champions.id, "Champions", 10))
        self.assertEqual((cells[(1, 1)]["segment_id"], cells[(1, 1)]["color"]), (lost.id, 11))
        legend = {segment["id"]: segment for segment in self._map()["segments"]}
        self.assertEqual((legend[champions.id]["count"], legend[champions.id]["color"]), (3, 10))
        self.assertEqual(legend[lost.id]["count"], 1)

        # A manager recolours the champions and takes cell 45 out of them.
        champions.write({"color": 4, "cells": "55, 54"})
        cells = _cells(self._map())
        self.assertEqual(cells[(5, 5)]["color"], 4)
        self.assertEqual((cells[(4, 5)]["segment_id"], cells[(4, 5)]["segment"],
                          cells[(4, 5)]["color"]), (False, "", False))

    def test_map_follows_the_current_company(self):
        rfm_map = self.env["customer.rfm.score"].with_user(self.officer).with_company(
            self.company).get_rfm_map()
        self.assertEqual(rfm_map["company_id"], self.company.id)
        self.assertEqual(rfm_map["customer_count"], 1)
        self.assertEqual(_cells(rfm_map)[(5, 5)]["spend"], 7.0)

    def test_a_cell_opens_its_customers(self):
        Partner = self.env["res.partner"].with_user(self.officer)
        self.assertEqual(
            sorted(Partner.search(_cell_domain(self.map_company, 5, 5)).mapped("name")),
            ["Champion A", "Champion B", "Champion C"],
        )
        self.assertFalse(Partner.search(_cell_domain(self.map_company, 2, 3)))


@tagged("post_install", "-at_install")
class TestRfmMapAccess(RolesCase):
    """The map is for Customer File users, and counts the customers each of them sees."""

    def test_refused_outside_the_customer_file(self):
        portal = new_test_user(self.env, "rfm_map_portal", "base.group_portal")
        for user in (self.employee, portal):
            with self.assertRaises(AccessError):
                self.env["customer.rfm.score"].with_user(user).get_rfm_map()

    def test_salesman_counts_own_customers_only(self):
        score, their_score = self._score(self.mine), self._score(self.theirs)
        key = (score.r_score, score.fm_score)
        self.assertEqual((their_score.r_score, their_score.fm_score), key,
                         "both bought alike: the same cell")
        Score = self.env["customer.rfm.score"]
        for user, count in ((self.salesman, 1), (self.officer, 2)):
            rfm_map = Score.with_user(user).get_rfm_map()
            self.assertEqual(rfm_map["customer_count"], count, user.login)
            cell = _cells(rfm_map)[key]
            self.assertEqual((cell["count"], cell["share"]), (count, 1.0), user.login)
            self.assertEqual(cell["spend"], count * score.monetary, user.login)
        self.assertEqual(
            self.env["res.partner"].with_user(self.salesman).search(
                _cell_domain(self.company, *key)),
            self.mine,
            "the cell opens the customers it counts",
        )


@tagged("post_install", "-at_install")
class TestRfmMapClientAction(HttpCase):
    """The map's client action loads in the browser, without errors, and a cell opens
    the list of its customers."""

    def test_map_opens_and_a_cell_lists_its_customers(self):
        salesman = new_test_user(self.env, "rfm_map_browser",
                                 "customer_file.group_customer_file_user")
        # The axes in the salesman's language (zh_CN in the test database).
        translated = {message["id"]: message["string"] for message in
                      code_translations.get_web_translations(
                          "customer_file_segmentation", salesman.context_get()["lang"])["messages"]}
        axes = [translated.get(label, label)
                for label in ("Recency (R)", "Frequency-Monetary (FM)")]
        Score = self.env["customer.rfm.score"].sudo()
        for name in ("Map Champion 1", "Map Champion 2"):
            partner = self.env["res.partner"].create(
                {"name": name, "customer_rank": 1, "user_id": salesman.id})
            Score.create({"partner_id": partner.id, "company_id": self.env.company.id,
                          "r_score": 5, "fm_score": 5, "monetary": 100.0})
        code = f"const axes = {json.dumps(axes)};" + """
            (async () => {
                const cell = document.querySelector('.o_customer_rfm_map_cell[data-cell="55"]');
                const count = cell.querySelector('.o_customer_rfm_map_count').textContent.trim();
                if (count !== '2') {
                    throw new Error(`cell 55 shows ${count} customers, not 2`);
                }
                const grid = document.querySelector('.o_customer_rfm_map_grid').textContent;
                for (const axis of axes) {
                    if (!grid.includes(axis)) {
                        throw new Error(`no axis labelled ${axis}`);
                    }
                }
                cell.click();
                const deadline = Date.now() + 20000;
                while (document.querySelectorAll('.o_list_view .o_data_row').length !== 2) {
                    if (Date.now() > deadline) {
                        throw new Error('the list of the cell did not open');
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                console.log('test successful');
            })()
        """
        self.browser_js(
            "/odoo/customer-rfm-map", code,
            ready="document.querySelectorAll('.o_customer_rfm_map_cell').length === 25",
            login=salesman.login,
        )
