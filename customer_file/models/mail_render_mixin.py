from odoo import models

from ..tools import masking

# What a user reads and edits before sending; the recipients' addresses stay plain so the
# message reaches them.
MASKED_RENDER_FIELDS = ("subject", "body", "body_html")


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_field(self, field, res_ids, *args, **kwargs):
        """Mail templates render customers' phones, e-mails, ID numbers and birthdates into
        subjects and bodies masked for users outside Sensitive Data, as every other read path
        does."""
        rendered = super()._render_field(field, res_ids, *args, **kwargs)
        if field not in MASKED_RENDER_FIELDS or not self.render_model or not res_ids:
            return rendered
        replacements = masking.output_replacements(
            self.env, self.env[self.render_model].browse(res_ids)
        )
        if not replacements:
            return rendered
        return {
            res_id: value if not isinstance(value, str)
            else type(value)(masking.mask_values(str(value), replacements))
            for res_id, value in rendered.items()
        }
