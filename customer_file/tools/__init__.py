from . import demo_data
from . import job_fields
