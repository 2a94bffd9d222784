from . import bgnbd, metrics
