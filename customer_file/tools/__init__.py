from . import demo_data
from . import access
from . import migration
from . import job_fields
from . import encryption
