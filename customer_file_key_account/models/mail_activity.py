from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _compute_res_name(self):
        # Core reads each document's name through its own browse(), one query per
        # activity at the next flush (a query per customer for activities created on many
        # customers). Reading the names of each model's documents together first lets core's
        # loop find them cached.
        for model, activities in self.grouped("res_model").items():
            if model and model in self.env:
                documents = self.env[model].browse(set(activities.mapped("res_id")) - {0})
                documents.exists().mapped("display_name")
        return super()._compute_res_name()
