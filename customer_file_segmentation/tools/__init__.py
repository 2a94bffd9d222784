from . import access, bgnbd, metrics
