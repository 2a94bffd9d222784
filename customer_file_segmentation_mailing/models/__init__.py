from . import mail_blacklist
